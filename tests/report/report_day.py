"""The simulated day of the report tests: landing rows and obligations (one pass, one fail with an
HTML-unsafe MM name, one with insufficient coverage, one on a market never collected)."""
from __future__ import annotations

from thin_morning_day import OBLIGATIONS_HEADER, thin_morning_books
from thin_morning_day import landing_factory  # noqa: F401 - the report tests import it from here

ODD_NAME = "Orbit <Markets> & Co"
OBLIGATIONS = OBLIGATIONS_HEADER + f"""ob-lenient,Acme MM,binance,spot,BTC/USDT,2026-11-01,,20,50,25000,70,90,75,300
ob-strict,"{ODD_NAME}",binance,spot,BTC/USDT,2026-11-01,,20,50,25000,80,90,75,300
ob-sparse,Acme MM,binance,spot,ETH/USDT,2026-11-01,,20,50,25000,70,90,75,300
ob-uncollected,Acme MM,binance,spot,XRP/USDT,2026-11-01,,20,50,25000,70,90,75,300
"""


def landing_day(layout, lf) -> None:
    """The thin-morning BTC/USDT day (thin_morning_day.py); ETH/USDT only two hours of books
    (insufficient coverage)."""
    from mmwatch.landing.zone import write_landing

    rows = thin_morning_books(lf)
    for minute in range(120):
        rows.append(lf.book(minute * 60_000, lf.levels((1999, 20)), lf.levels((2001, 20)), symbol="ETH/USDT"))
    write_landing(layout, "orderbooks", lf.DAY, "binance", lf.books_frame(rows), "collector")
