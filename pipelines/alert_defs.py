"""alert feature of the code location (filled by its issue)."""
import dagster as dg

defs = dg.Definitions()
