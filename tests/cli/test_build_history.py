"""`mmwatch build --date` over the whole history: a 2019 recording imported and built (days before
2024 used to crash in Dagster), and days outside the partitions refused in one line, exit 2."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from mmwatch.days import HISTORY_START, check_buildable_day
from mmwatch.errors import ConfigError

runner = CliRunner()
DAY = "2019-03-04"
T0 = int(datetime(2019, 3, 4, 12, 0, tzinfo=timezone.utc).timestamp() * 1000)


def _one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def _capture_2019(path) -> None:
    """Binance BTC/USDT books every 10 s for 3 minutes (bid 3,800 / ask 3,801) and two trades."""
    lines = []
    for i in range(18):
        ts = T0 + i * 10_000
        lines.append({"type": "orderbook", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT",
                      "timestamp": ts, "received_at": ts + 40, "nonce": i,
                      "bids": [[3800.0, 2.0], [3799.0, 1.0]], "asks": [[3801.0, 1.5], [3802.0, 3.0]]})
    lines.append({"type": "trade", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT",
                  "timestamp": T0 + 5_000, "received_at": T0 + 5_100, "id": "1", "price": 3800.5,
                  "amount": 0.5, "side": "buy"})
    lines.append({"type": "trade", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT",
                  "timestamp": T0 + 65_000, "received_at": T0 + 65_100, "id": "2", "price": 3800.0,
                  "amount": 0.25, "side": "sell"})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


@pytest.mark.e2e
def test_a_2019_recording_imports_and_builds(tmp_path, monkeypatch, dbt_manifest):
    data = tmp_path / "data"
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster_home"))
    monkeypatch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
    capture = tmp_path / "binance-2019-03-04.jsonl"
    _capture_2019(capture)
    imported = runner.invoke(app, ["import", str(capture), "--data-dir", str(data)])
    assert imported.exit_code == 0, imported.output

    built = runner.invoke(app, ["build", "--date", DAY, "--data-dir", str(data)])
    assert built.exit_code == 0, built.output
    assert f"built {DAY} for binance" in built.output
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        snapshots = con.execute(
            "select count(*), min(spread_bps), max(spread_bps), min(depth_bid_quote_10), min(depth_ask_quote_10) "
            "from fct_orderbook_snapshot_metrics where day = ?", [DAY]).fetchone()
        trades = con.execute("select sum(trade_count), sum(volume_base), sum(buy_volume_usd) "
                             "from fct_trades_minute where exchange = 'binance' and symbol = 'BTC/USDT'").fetchone()
    mid = (3800.0 + 3801.0) / 2
    assert snapshots[0] == 18
    assert snapshots[1] == pytest.approx(1.0 / mid * 10_000) and snapshots[2] == pytest.approx(snapshots[1])
    # 10 bps around the mid 3800.5 reaches 3796.70 / 3804.30: both levels of each side are inside
    assert snapshots[3] == pytest.approx(3800.0 * 2.0 + 3799.0 * 1.0)
    assert snapshots[4] == pytest.approx(3801.0 * 1.5 + 3802.0 * 3.0)
    assert trades == (2, pytest.approx(0.75), pytest.approx(3800.5 * 0.5))


@pytest.mark.parametrize("day, fragment", [
    ("2012-12-31", "before the history"),
    ("2999-01-01", "in the future"),
])
def test_days_outside_the_partitions_exit_2_in_one_line(tmp_path, day, fragment):
    result = runner.invoke(app, ["build", "--date", day, "--data-dir", str(tmp_path / "data")])
    _one_line_error(result, day, fragment, HISTORY_START)


@pytest.mark.parametrize("day, fragment", [("2019-02-30", "does not exist"), ("04/03/2019", "YYYY-MM-DD")])
def test_bad_dates_exit_2_in_one_line(tmp_path, day, fragment):
    _one_line_error(runner.invoke(app, ["build", "--date", day, "--data-dir", str(tmp_path / "data")]), fragment)


def test_the_buildable_range_is_history_start_to_today():
    today = date(2026, 12, 4)
    assert check_buildable_day(HISTORY_START, today) == HISTORY_START
    assert check_buildable_day("2026-12-04", today) == "2026-12-04"
    with pytest.raises(ConfigError, match="2026-12-05 is in the future: days from 2013-01-01 to 2026-12-04"):
        check_buildable_day("2026-12-05", today)


def test_the_dagster_day_partitions_cover_the_whole_history():
    from assets.partitions import daily_partitions, day_exchange_partitions

    assert daily_partitions.get_first_partition_key() == HISTORY_START
    assert day_exchange_partitions.has_partition_key(f"{DAY}|okx")
    assert day_exchange_partitions.has_partition_key("2017-07-14|binance")
