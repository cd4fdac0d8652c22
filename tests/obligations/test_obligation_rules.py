"""One test per rule of the obligations loader; every message names the file, the line, the column
and (when there is one) the value, as `FILE:LINE: column COL: value 'V': what is wrong ...`."""
from __future__ import annotations

from datetime import date

import pytest
from obligations_files import GOOD, row, write_csv

from mmwatch.errors import ConfigError
from mmwatch.obligations import SPEC_COLUMNS, ObligationsError, load_obligations


def problems(path) -> list[str]:
    with pytest.raises(ObligationsError) as caught:
        load_obligations(path)
    return [str(p) for p in caught.value.problems]


def only_problem(path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def where(path, line: int, column: str, value: str | None = None) -> str:
    """The start of a problem line: file, line, column and value."""
    return f"{path}:{line}: column {column}:" + ("" if value is None else f" value '{value}':")


@pytest.mark.parametrize("column", SPEC_COLUMNS)
def test_each_spec_column_is_required_in_the_header(tmp_path, column):
    path = write_csv(tmp_path / "o.csv", [GOOD], tuple(c for c in SPEC_COLUMNS if c != column))
    found = only_problem(path)  # said once, at the header, not again on each line
    assert found.startswith(where(path, 1, column)) and "is missing from the header" in found


def test_alert_after_s_is_optional_and_defaults_to_300(tmp_path):
    path = write_csv(tmp_path / "o.csv", [GOOD], SPEC_COLUMNS)
    [obligation] = load_obligations(path).obligations
    assert obligation.alert_after_s == 300.0
    assert (obligation.min_coverage_pct, obligation.min_days_pct) == (90.0, 75.0)  # empty cells: spec defaults
    assert obligation.valid_to is None  # empty valid_to: open-ended


@pytest.mark.parametrize(("column", "value", "what"), [
    ("max_spread_bps", "10bps", "is not a number"),
    ("min_depth_usd", "50k", "is not a number"),
    ("min_uptime_pct", "ninety", "is not a number"),
    ("alert_after_s", "5min", "is not a number"),
    ("depth_band_bps", "nan", "is not a finite number"),
    ("valid_from", "2025/01/01", "is not a date: write it as YYYY-MM-DD"),
    ("valid_from", "20250101", "is not a date"),  # pydantic alone would read it as seconds since 1970
    ("valid_to", "2025-02-30", "is not a date"),
])
def test_wrong_type(tmp_path, column, value, what):
    path = write_csv(tmp_path / "o.csv", [GOOD, row(obligation_id="b", **{column: value})])
    found = only_problem(path)
    assert found.startswith(where(path, 3, column, value)) and what in found


@pytest.mark.parametrize("column", ["obligation_id", "mm_name", "exchange", "symbol", "valid_from", "max_spread_bps"])
def test_required_cell_left_empty(tmp_path, column):
    path = write_csv(tmp_path / "o.csv", [row(**{column: ""})])
    found = only_problem(path)
    assert found.startswith(where(path, 2, column, "")) and "is empty" in found


@pytest.mark.parametrize("valid_to", ["2025-01-01", "2024-12-31"])
def test_valid_to_must_be_after_valid_from(tmp_path, valid_to):
    path = write_csv(tmp_path / "o.csv", [row(valid_to=valid_to)])
    found = only_problem(path)
    assert found.startswith(where(path, 2, "valid_to", valid_to)) and "is not after valid_from 2025-01-01" in found


def test_valid_to_the_next_day_is_one_day_of_validity(tmp_path):
    [obligation] = load_obligations(write_csv(tmp_path / "o.csv", [row(valid_to="2025-01-02")])).obligations
    assert (obligation.valid_from, obligation.valid_to) == (date(2025, 1, 1), date(2025, 1, 2))


@pytest.mark.parametrize("column", ["max_spread_bps", "depth_band_bps", "min_depth_usd", "alert_after_s"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_thresholds_must_be_positive(tmp_path, column, value):
    path = write_csv(tmp_path / "o.csv", [row(**{column: value})])
    found = only_problem(path)
    assert found.startswith(where(path, 2, column, value)) and "must be greater than 0" in found


def test_a_small_positive_threshold_is_kept_exactly(tmp_path):
    [obligation] = load_obligations(write_csv(tmp_path / "o.csv", [row(max_spread_bps="0.25")])).obligations
    assert obligation.max_spread_bps == 0.25


@pytest.mark.parametrize("column", ["min_uptime_pct", "min_coverage_pct", "min_days_pct"])
@pytest.mark.parametrize("value", ["0", "-5", "100.01"])
def test_percentages_must_be_in_0_excluded_to_100(tmp_path, column, value):
    path = write_csv(tmp_path / "o.csv", [row(**{column: value})])
    found = only_problem(path)
    assert found.startswith(where(path, 2, column, value)) and "percentage above 0 and at most 100" in found


def test_percentage_bounds_that_are_allowed(tmp_path):
    path = write_csv(tmp_path / "o.csv", [row(min_uptime_pct="100", min_coverage_pct="0.5", min_days_pct="100")])
    [obligation] = load_obligations(path).obligations
    assert (obligation.min_uptime_pct, obligation.min_coverage_pct, obligation.min_days_pct) == (100.0, 0.5, 100.0)


@pytest.mark.parametrize(("first_to", "second_from", "second_to"), [
    ("2025-07-01", "2025-06-01", ""),  # the second starts before the first ends
    ("", "2026-01-01", "2026-02-01"),  # the first is open-ended
    ("2025-07-01", "2024-06-01", "2025-01-02"),  # the second ends one day into the first
])
def test_duplicate_id_whose_validity_overlaps(tmp_path, first_to, second_from, second_to):
    path = write_csv(tmp_path / "o.csv", [
        row(valid_to=first_to), row(obligation_id="other"),
        row(valid_from=second_from, valid_to=second_to)])
    found = only_problem(path)
    assert found.startswith(where(path, 4, "obligation_id", "acme-btc"))
    assert "is also the id of line 2" in found and "overlaps" in found


def test_duplicate_id_back_to_back_is_refused_with_its_own_reason(tmp_path):
    # [2025-01-01, 2025-07-01) then [2025-07-01, open): no day shared, but the marts key days, episodes
    # and alerts by obligation_id alone, so a renewal needs its own id (a choice beyond spec §3)
    path = write_csv(tmp_path / "o.csv", [row(valid_to="2025-07-01"), row(valid_from="2025-07-01")])
    found = only_problem(path)
    assert found.startswith(where(path, 3, "obligation_id", "acme-btc"))
    assert "is also the id of line 2" in found and "overlaps" not in found and "its own obligation_id" in found


def test_same_market_under_two_ids_is_fine(tmp_path):
    loaded = load_obligations(write_csv(tmp_path / "o.csv", [row(), row(obligation_id="acme-btc-strict")]))
    assert [o.obligation_id for o in loaded.obligations] == ["acme-btc", "acme-btc-strict"]
    assert len(loaded.markets) == 1


def test_unknown_exchange(tmp_path):
    path = write_csv(tmp_path / "o.csv", [row(exchange="binanse")])
    found = only_problem(path)
    assert found.startswith(where(path, 2, "exchange", "binanse"))
    assert "did you mean binance?" in found and "okx" in found  # the venues of mmwatch.venues


def test_unknown_market_type(tmp_path):
    path = write_csv(tmp_path / "o.csv", [row(market_type="perp")])
    found = only_problem(path)
    assert found.startswith(where(path, 2, "market_type", "perp")) and "spot, swap, future" in found


@pytest.mark.parametrize(("market_type", "symbol", "shape"), [
    ("spot", "BTC/USDT:USDT", "swap"),
    ("swap", "BTC/USDT", "spot"),
    ("future", "BTC/USDT:USDT", "swap"),
    ("swap", "BTC/USDT:USDT-251226", "future"),
])
def test_market_type_must_match_the_symbol_shape(tmp_path, market_type, symbol, shape):
    path = write_csv(tmp_path / "o.csv", [row(market_type=market_type, symbol=symbol)])
    found = only_problem(path)
    assert found.startswith(where(path, 2, "market_type", market_type))
    assert f"does not match symbol '{symbol}', which is a {shape} symbol" in found


@pytest.mark.parametrize("symbol", ["BTCUSDT", "BTC/USDT/EUR", "BTC USDT", "/USDT"])
def test_symbol_must_be_a_ccxt_unified_symbol(tmp_path, symbol):
    path = write_csv(tmp_path / "o.csv", [row(symbol=symbol)])
    found = only_problem(path)
    assert found.startswith(where(path, 2, "symbol", symbol)) and "is not a ccxt unified symbol" in found


def test_every_symbol_shape_is_accepted_with_its_market_type(tmp_path):
    rows = [row(obligation_id="spot"), row(obligation_id="linear", market_type="swap", symbol="BTC/USDT:USDT"),
            row(obligation_id="inverse", market_type="swap", symbol="BTC/USD:BTC"),
            row(obligation_id="dated", market_type="future", symbol="BTC/USDT:USDT-251226"),
            row(obligation_id="memecoin", symbol="1000PEPE/USDT")]
    loaded = load_obligations(write_csv(tmp_path / "o.csv", rows))
    assert [(o.market_type, o.symbol) for o in loaded.obligations] == [
        ("spot", "BTC/USDT"), ("swap", "BTC/USDT:USDT"), ("swap", "BTC/USD:BTC"),
        ("future", "BTC/USDT:USDT-251226"), ("spot", "1000PEPE/USDT")]


def test_every_problem_at_once_in_line_then_column_order(tmp_path):
    columns = ("obligation_id", "mm_name", "exchange", "market_type", "symbol", "valid_from", "valid_to",
               "min_depth_usd", "max_spread_bps", "depth_band_bps", "min_uptime_pct", "min_coverage_pct", "mystery")
    path = write_csv(tmp_path / "o.csv", [
        row(max_spread_bps="-3", exchange="kraken", mystery="x"),
        row(obligation_id="ok", mystery="x"),
        row(obligation_id="late", valid_from="2025-03-01", valid_to="2025-02-01", min_depth_usd="lots", mystery="x"),
        row(mystery="x"),
    ], columns)
    with pytest.raises(ObligationsError) as caught:
        load_obligations(path)
    starts = [str(p).split(": value")[0].split(": is")[0] for p in caught.value.problems]
    assert starts == [
        f"{path}:1: column mystery", f"{path}:1: column min_days_pct",
        f"{path}:2: column exchange", f"{path}:2: column max_spread_bps",
        f"{path}:4: column valid_to", f"{path}:4: column min_depth_usd",
    ]
    # line 5 repeats line 2's id, but line 2 is itself invalid: only valid rows are compared
    message = str(caught.value)
    assert message.endswith(f"6 problems in obligations file {path}: fix them and check it again with "
                            f"`mmwatch obligations check {path}`")


def test_header_in_another_order_gives_the_same_obligations(tmp_path):
    rows = [row(), row(obligation_id="eth", symbol="ETH/USDT", max_spread_bps="15", min_depth_usd="20000",
                       valid_to="2026-01-01", min_coverage_pct="80")]
    canonical = load_obligations(write_csv(tmp_path / "canonical.csv", rows))
    shuffled_columns = tuple(reversed(SPEC_COLUMNS)) + ("alert_after_s",)
    shuffled = load_obligations(write_csv(tmp_path / "shuffled.csv", rows, shuffled_columns))
    assert shuffled.obligations == canonical.obligations
    eth = shuffled.obligations[1]
    assert (eth.max_spread_bps, eth.min_depth_usd, eth.min_coverage_pct) == (15.0, 20000.0, 80.0)


def test_line_numbers_count_blank_lines_and_cells_spanning_lines(tmp_path):
    path = tmp_path / "o.csv"
    header = ",".join(SPEC_COLUMNS)
    good = ",".join(GOOD[c] for c in SPEC_COLUMNS)
    bad = good.replace("acme-btc", "b").replace(",10,200,", ",x,200,")
    path.write_text(f'{header}\n{good.replace("Acme", chr(34) + "Acme" + chr(10) + "Markets" + chr(34))}\n\n{bad}\n')
    found = only_problem(path)  # header 1, a record on lines 2-3, blank line 4
    assert found.startswith(where(path, 5, "max_spread_bps", "x"))


def test_header_problems(tmp_path):
    columns = SPEC_COLUMNS[:7] + ("max_sprad_bps",) + SPEC_COLUMNS[8:] + ("mm_name",)
    path = write_csv(tmp_path / "o.csv", [row(max_sprad_bps="10")], columns)
    found = problems(path)
    assert found[0].startswith(where(path, 1, "max_sprad_bps")) and "did you mean max_spread_bps?" in found[0]
    assert found[1].startswith(where(path, 1, "mm_name")) and "is named twice in the header (columns 2 and 14)" in found[1]
    assert found[2].startswith(where(path, 1, "max_spread_bps")) and "is missing from the header" in found[2]
    assert len(found) == 3


def test_semicolon_separated_file(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(";".join(SPEC_COLUMNS) + "\n" + ";".join(GOOD[c] for c in SPEC_COLUMNS) + "\n")
    found = problems(path)
    assert found[0].startswith(f"{path}:1: column obligation_id;mm_name") and "not comma-separated" in found[0]


def test_a_line_with_too_many_or_too_few_cells(tmp_path):
    path = tmp_path / "o.csv"
    good = ",".join(GOOD[c] for c in SPEC_COLUMNS)
    path.write_text(",".join(SPEC_COLUMNS) + f"\n{good},surplus\nx,Acme,binance\n")
    extra, short = problems(path)
    assert extra.startswith(f"{path}:2: column #14 (after the last header column): value 'surplus':")
    assert "the line has 14 cells but the header 13" in extra
    assert short.startswith(where(path, 3, "market_type")) and "ends after 3 cells but the header has 13" in short


def test_empty_file(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("")
    assert only_problem(path).startswith(f"{path}:1: column (header): the file is empty")


def test_header_with_a_byte_order_mark(tmp_path):
    path = write_csv(tmp_path / "o.csv", [GOOD])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as spreadsheet programs save CSV UTF-8
    assert [o.obligation_id for o in load_obligations(path).obligations] == ["acme-btc"]


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=f"obligations file {tmp_path / 'none.csv'} does not exist"):
        load_obligations(tmp_path / "none.csv")
