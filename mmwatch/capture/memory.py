"""Which Arrow memory pool the bulk paths (capture import, raw assets) allocate from.

Order books are big nested columns (about 3 KB a snapshot): every Arrow
allocation of a chunk is hundreds of MB. pyarrow's default pool here
(mimalloc) hands that memory back to the OS and takes it again for the next
chunk, so each chunk pays page faults on fresh memory: measured on 2 cores,
reading 200k snapshots of landing Parquet took 4.5 CPU s with mimalloc and
2.2 with jemalloc, and an import spent ~1.7 CPU s more per 100k snapshots.
"""
from __future__ import annotations

import os

import pyarrow as pa

POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def use_jemalloc_pool() -> str:
    """Make jemalloc the process's default Arrow pool, unless ARROW_DEFAULT_MEMORY_POOL chooses one
    or this pyarrow has no jemalloc; returns the backend in use."""
    if not os.environ.get(POOL_ENV) and pa.default_memory_pool().backend_name != "jemalloc":
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:  # pyarrow built without jemalloc: keep the default
            pass
    return pa.default_memory_pool().backend_name
