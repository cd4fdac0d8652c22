"""`mmwatch import` and config errors through the CLI: clear messages, exit status 2, no traceback."""
from __future__ import annotations

import orjson
from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()


def test_import_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["import", str(tmp_path / "missing.jsonl"), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert "capture file not found" in result.output and "missing.jsonl" in result.output
    assert "Traceback" not in result.output


def test_import_reports_bad_lines_and_succeeds(tmp_path):
    path = tmp_path / "cap.jsonl"
    book = {"type": "orderbook", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT",
            "timestamp": None, "received_at": 1_763_683_200_000, "bids": [[1.0, 2.0]], "asks": []}
    path.write_bytes(orjson.dumps(book) + b"\n{broken\n")
    result = runner.invoke(app, ["import", str(path), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0
    assert "loaded 1 orderbook" in result.output and "rejected 1 line" in result.output
    assert "cap.jsonl:2: invalid JSON" in result.output


def test_collect_with_bad_config_exits_2(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("exchanges:\n  binanse:\n    markets: [BTC/USDT]\n")
    result = runner.invoke(app, ["collect", "--config", str(config), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert "unknown exchange 'binanse'" in result.output and "supported ids" in result.output
    missing = runner.invoke(app, ["record", "--config", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "x.jsonl")])
    assert missing.exit_code == 2 and "config file not found" in missing.output


def test_import_prints_a_summary_by_rule_and_the_rejects_file(tmp_path):
    book = {"type": "orderbook", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT",
            "timestamp": 1_763_683_200_000, "received_at": 1_763_683_200_000, "bids": [[1.0, 2.0]], "asks": []}
    lines = [orjson.dumps(book)]
    lines += [orjson.dumps({**book, "exchange": f"foo{i}"}) for i in range(3_000)]
    lines += [orjson.dumps({**book, "timestamp": 1_763_683_200 + i}) for i in range(2_000)]
    lines += [b"{broken"] * 654
    path = tmp_path / "cap.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = runner.invoke(app, ["import", str(path), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0
    output = result.output.splitlines()
    assert len(output) == 5, result.output
    assert "loaded 1 orderbook; rejected 5654 lines" in output[0]
    assert output[1].split()[:4] == ["3,000", "exchange", "not", "a"] and "e.g. cap.jsonl:2: 'exchange' 'foo0'" in output[1]
    assert output[2].split()[:4] == ["2,000", "timestamp", "in", "seconds"]
    assert "e.g. cap.jsonl:3002: 'timestamp' 1763683200 looks like seconds: multiply by 1000" in output[2]
    assert output[3].split()[:3] == ["654", "invalid", "JSON"]
    rejects = next((tmp_path / "data" / "landing" / "_rejects").glob("cap-*.txt"))
    assert output[4] == f"  all 5,654 rejected lines (file:line: reason): {rejects}"
    assert len(rejects.read_text().splitlines()) == 5_654
