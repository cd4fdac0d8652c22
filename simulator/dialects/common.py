"""What every dialect shares: route templates, query parameters, market lookup (numbers are printed by
simulator.venue_numbers, shared with the WebSocket dialects).

A dialect module defines `ROUTER = Router({...})` with templates relative to the venue's root
(e.g. "api/v4/futures/{settle}/order_book"; `{name}` captures one path segment into the query),
`handle(ctx, route, query)`, `too_many(verdict, ip)` (its rate-limit answer) and `UNAVAILABLE`.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from simulator.book import Book
from simulator.market import MarketModel
from simulator.venue import Response, VenueContext

Handler = Callable[[VenueContext, dict], Response]
MARKET_DOWN = ("outage", "empty_body")
UNAVAILABLE_TEXT = Response(503, b"Service Unavailable", "text/plain")
EMPTY = Response(200, b"")


class Router:
    """Exact routes plus templates with `{name}` segments."""

    def __init__(self, routes: dict[str, Handler]):
        self.exact = {r: h for r, h in routes.items() if "{" not in r}
        self.templates = [(re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", r) + "$"), r, h)
                          for r, h in routes.items() if "{" in r]

    def match(self, route: str) -> tuple[Handler, str, dict[str, str]] | None:
        """(handler, template, captured segments) for `route`, or None."""
        if route in self.exact:
            return self.exact[route], route, {}
        for pattern, template, handler in self.templates:
            found = pattern.match(route)
            if found:
                return handler, template, found.groupdict()
        return None

    def template_of(self, route: str) -> str:
        """The template `route` matches (for per-endpoint rate limits), or the route itself."""
        found = self.match(route)
        return found[1] if found else route


def int_param(query: dict[str, str], name: str, default: int | None) -> int | None:
    """An integer query parameter; ValueError (→ the venue's bad-request answer) when malformed."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    return int(float(raw)) if "." in raw else int(raw)


def market_down(ctx: VenueContext, model: MarketModel) -> str | None:
    """'outage' or 'empty_body' when the market's makers say so now, else None."""
    condition = model.condition_at(ctx.now_ms)
    return condition if condition in MARKET_DOWN else None


def book_or_down(ctx: VenueContext, model: MarketModel, limit: int | None) -> Book | Response:
    """The served book, or the venue's 503 / empty body when the market is down."""
    book = ctx.serve_book(model, limit)
    if book.status == "outage":
        return UNAVAILABLE_TEXT
    if book.status == "empty_body":
        return EMPTY
    return book


def live_markets(ctx: VenueContext, market_type: str | None = None) -> list[MarketModel]:
    """The venue's markets that answer now (not in outage or empty_body)."""
    return [m for m in ctx.markets(market_type) if market_down(ctx, m) is None]


def dispatch(router: Router, ctx: VenueContext, route: str, query: dict[str, str],
             not_found: Callable[[str], Response], bad_request: Callable[[str], Response]) -> Response:
    """Find the handler of `route` and run it; ValueError from parameter parsing → `bad_request`."""
    found = router.match(route)
    if found is None:
        return not_found(route)
    handler, _, captured = found
    try:
        return handler(ctx, {**query, **captured})
    except ValueError as exc:
        return bad_request(str(exc))
