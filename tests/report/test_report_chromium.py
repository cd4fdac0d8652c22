"""The saved report HTML (images as files next to it) rendered by headless Chromium: a PNG kept in
test-artifacts/ for a person to look at, and every <img> loaded (naturalWidth > 0)."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from mmwatch.report.delivery import run_reports
from mmwatch.report.groups import ReportGroup
from mmwatch.report.ledger import ReportLedger

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PROBE = """<script>
window.addEventListener('load', () => {
  const images = [...document.images].map(i => ({src: i.getAttribute('src'), width: i.naturalWidth}));
  const out = document.createElement('pre'); out.id = 'probe'; out.textContent = JSON.stringify(images);
  document.body.appendChild(out);
});
</script>"""


def _chromium(binary: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--virtual-time-budget=5000", *args], capture_output=True, text=True, timeout=120, check=True)


def test_report_renders_without_broken_images(built_day, tmp_path, chromium):
    """The built day with its lake: the failing market's order-book views (heat map, depth by band) too."""
    group = ReportGroup(name="desk", recipients=["desk@exchange.test"], timezone="Europe/Berlin")
    [outcome] = run_reports(built_day.warehouse, built_day.day, [group], tmp_path / "out", ReportLedger(tmp_path / "sent.sqlite3"))
    html = next(p for p in outcome.files if p.suffix == ".html")
    srcs = re.findall(r'<img src="([^"]+)"', html.read_text())
    assert srcs and all((html.parent / s).is_file() for s in srcs)
    assert {"heatmap-01.png", "depth-bands-01.png"} <= set(srcs)
    probe = html.with_name("probe.html")
    probe.write_text(html.read_text().replace("</body>", PROBE + "</body>"))
    dom = _chromium(chromium, "--dump-dom", probe.as_uri()).stdout
    images = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1))
    assert [i["src"] for i in images] == srcs
    assert all(i["width"] > 0 for i in images), images  # a broken image has naturalWidth 0
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report-email.png"
    screenshot.unlink(missing_ok=True)
    _chromium(chromium, f"--screenshot={screenshot}", "--window-size=1400,3400", html.as_uri())
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 20_000
