"""The dbt macros as SQL for the library's own DuckDB reads of the lake.

The formulas stay in one home, dbt/macros: a reader that must see a lake row the way the marts see
it (zero-amount levels dropped, amounts in base units: macro `levels_in_base_units`) renders the
same macro with plain Jinja instead of writing the formula again. Only macros made of plain Jinja
and SQL can be rendered this way (no ref, source, run_query); `render_macro` fails loudly otherwise.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

MACROS = Path(__file__).resolve().parents[2] / "dbt" / "macros"
# the files whose macros the lake reads call (each defines only plain-Jinja macros it needs)
_FILES = ("market_parts.sql", "base_units.sql", "order_book_math.sql")


@lru_cache(maxsize=None)
def _macro_sources() -> str:
    return "".join((MACROS / name).read_text(encoding="utf-8") for name in _FILES)


def render_macro(call: str, **arguments: str) -> str:
    """The SQL of the Jinja expression `call` over the macros of _FILES, its names bound to
    `arguments` (SQL text), e.g. render_macro("is_inverse(symbol)", symbol="symbol")."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
    template = environment.from_string(_macro_sources() + "{{ " + call + " }}")
    return " ".join(template.render(**arguments).split())


def levels_in_base_units(levels: str, contract_size: str, symbol: str) -> str:
    """The SQL of stg_lake__orderbook_snapshots for one side: `levels` without zero-amount levels
    (spec §1), amounts in base units (linear × contract_size, inverse × contract_size / price)."""
    inverse = render_macro("is_inverse(symbol)", symbol=symbol)
    return render_macro("levels_in_base_units(without_zero_amounts(levels), contract_size, inverse)",
                        levels=levels, contract_size=f"coalesce({contract_size}, 1.0)", inverse=f"({inverse})")
