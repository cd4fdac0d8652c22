"""A BookAnswer as a text table, a JSON document or a depth-ladder PNG."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from mmwatch.evidence.book import BookAnswer, Judgement, shown_age, shown_time
from mmwatch.evidence.charts import Terms, depth_ladder_png

BANDS = (10, 50, 100, 200)  # the standard bands fct_orderbook_snapshot_metrics stores (spec §2)
SIZES = (1000, 10000, 100000)


def _num(value, digits: int = 10) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def _usd(value) -> str:
    return "-" if value is None else f"${value:,.0f}"


def _verdict(ok) -> str:
    return "not judged" if ok is None else ("ok" if ok else "FAIL")


def _judgement_line(judgement: Judgement) -> str:
    terms, ev = judgement.terms, judgement.evaluation
    head = f"  {terms['obligation_id']} ({terms['mm_name']}): "
    if ev is None:
        return head + (f"not judged: the snapshot is not in int_obligation_snapshots_evaluated (its day is not built, "
                       f"or the obligation was not valid on the snapshot's day)")
    spread = f"spread {_num(ev['spread_bps'], 6)} bps vs max {terms['max_spread_bps']:g}: {_verdict(ev['spread_ok'])}"
    depth = (f"depth within {terms['depth_band_bps']:g} bps bid {_usd(ev['depth_bid_usd'])} / ask {_usd(ev['depth_ask_usd'])}"
             f" vs min {_usd(terms['min_depth_usd'])}: {_verdict(ev['bid_ok'])} / {_verdict(ev['ask_ok'])}")
    flags = [name for name, on in (("one-sided", not ev["is_two_sided"]), ("USD rate missing", ev["usd_rate_missing"]),
                                   ("bid depth truncated", ev["depth_truncated_bid"]),
                                   ("ask depth truncated", ev["depth_truncated_ask"])) if on]
    return (head + f"{spread}; {depth}; compliant: {'yes' if ev['compliant'] else 'NO'}"
            + (f" ({', '.join(flags)})" if flags else ""))


def book_table(answer: BookAnswer, levels: int | None = 20) -> str:
    """The answer as lines of text; `levels` per side (None: all)."""
    s = answer.snapshot
    unit = "as recorded" if s.contract_size == 1 else f"converted from contracts of {s.contract_size:g}"
    lines = [
        f"{answer.market} at {shown_time(answer.at_ms)} UTC",
        f"snapshot {s.snapshot_id}: ts {shown_time(s.ts)} UTC, {shown_age(answer.age_ms)} old at T "
        f"(exchange ts {shown_time(s.exchange_ts)}, received {shown_time(s.received_ts)})",
        f"source: {answer.source()} ({s.source})",
        f"levels: {len(s.bids)} bids, {len(s.asks)} asks, amounts in base units ({unit}), from the touch"
        + ("" if levels is None or levels >= max(len(s.bids), len(s.asks)) else f"; the first {levels} shown (--levels)"),
        f"  {'#':>3}  {'bid amount':>16} {'bid price':>16} | {'ask price':<16} {'ask amount':<16}",
    ]
    depth = max(len(s.bids), len(s.asks)) if levels is None else min(levels, max(len(s.bids), len(s.asks)))
    for i in range(depth):
        bid = s.bids[i] if i < len(s.bids) else (None, None)
        ask = s.asks[i] if i < len(s.asks) else (None, None)
        lines.append(f"  {i + 1:>3}  {_num(bid[1]):>16} {_num(bid[0]):>16} | {_num(ask[0]):<16} {_num(ask[1]):<16}")
    m = answer.metrics
    if m is not None:
        lines += [
            "spec §2 (fct_orderbook_snapshot_metrics):",
            f"  best bid {_num(m['best_bid'])}  best ask {_num(m['best_ask'])}  mid {_num(m['mid'])}  spread "
            f"{_num(m['spread_bps'], 6)} bps  USD rate {_num(m['usd_rate'])} ({m['usd_rate_source']})",
            f"  {'band':>8} {'depth bid USD':>16} {'depth ask USD':>16} {'imbalance':>10}  truncated bid/ask",
        ]
        for band in BANDS:
            lines.append(f"  {str(band) + ' bps':>8} {_usd(m[f'depth_bid_usd_{band}']):>16} "
                         f"{_usd(m[f'depth_ask_usd_{band}']):>16} {_num(m[f'imbalance_{band}'], 4):>10}  "
                         f"{m[f'depth_truncated_bid_{band}']}/{m[f'depth_truncated_ask_{band}']}")
        lines.append("  slippage bps buy/sell: " + ", ".join(
            f"${size:,} {_num(m[f'slippage_buy_bps_{size}'], 4)}/{_num(m[f'slippage_sell_bps_{size}'], 4)}" for size in SIZES))
    if answer.judgements:
        lines.append(f"obligations valid on {shown_time(answer.at_ms)[:10]} (int_obligation_snapshots_evaluated):")
        lines += [_judgement_line(j) for j in answer.judgements]
    lines += [f"note: {note}" for note in answer.notes]
    return "\n".join(lines)


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def book_document(answer: BookAnswer, levels: int | None = None) -> dict:
    """The answer as a JSON-ready dict; `levels` per side (None: all)."""
    s = answer.snapshot
    cut = slice(None) if levels is None else slice(0, levels)
    return {
        "exchange": answer.market.exchange, "market_type": answer.market.market_type, "symbol": answer.market.symbol,
        "at_ms": answer.at_ms, "at": shown_time(answer.at_ms),
        "snapshot": {"snapshot_id": s.snapshot_id, "ts": s.ts, "exchange_ts": s.exchange_ts, "received_ts": s.received_ts,
                     "age_ms": answer.age_ms, "contract_size": s.contract_size, "source": s.source,
                     "lake_file": str(s.file), "lake_row": s.row,
                     "bid_levels": len(s.bids), "ask_levels": len(s.asks)},
        "amount_unit": "base",
        "bids": [list(level) for level in s.bids[cut]],
        "asks": [list(level) for level in s.asks[cut]],
        "metrics": None if answer.metrics is None else {k: _plain(v) for k, v in answer.metrics.items()},
        "obligations": [{"terms": {k: _plain(v) for k, v in j.terms.items()},
                         "evaluation": None if j.evaluation is None else {k: _plain(v) for k, v in j.evaluation.items()}}
                        for j in answer.judgements],
        "notes": answer.notes,
    }


def book_png(answer: BookAnswer) -> bytes:
    """A depth ladder of the snapshot, with the band and minimum depth of its first obligation."""
    m = answer.metrics or {}
    terms = next((Terms(j.terms["depth_band_bps"], j.terms["min_depth_usd"], j.terms["max_spread_bps"])
                  for j in answer.judgements), None)
    mid = m.get("mid")  # none when one-sided or not built: no mid drawn
    rate = m.get("usd_rate") or 1.0
    title = f"{answer.market} at {shown_time(answer.at_ms)} UTC" + ("" if m else " (USD = quote: metrics not built)")
    return depth_ladder_png([(f"snapshot {answer.snapshot.snapshot_id}", answer.snapshot, mid, rate)], terms, title)
