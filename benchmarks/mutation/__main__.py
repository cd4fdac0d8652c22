"""`python -m benchmarks.mutation`: see the package docstring."""
import sys

from benchmarks.mutation.runner import main

sys.exit(main())
