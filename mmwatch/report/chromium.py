"""HTML printed to PDF by headless Chromium (Debian's `chromium` package): the statement's PDF is
the HTML a person can open, paginated by the page's own @page rules."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mmwatch.errors import MmwatchError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(given: str | os.PathLike | None = None) -> str:
    """The Chromium binary: `given`, else the first of CANDIDATES on PATH; MmwatchError saying how to
    get one otherwise."""
    if given:
        path = shutil.which(str(given))
        if path is None:
            raise MmwatchError(f"--chromium {given}: no such executable: give the path of a Chromium or Chrome binary")
        return path
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise MmwatchError("no Chromium found to print the PDF (looked for " + ", ".join(CANDIDATES) + " on PATH): "
                       "install Debian's chromium package or give --chromium PATH")


def print_pdf(html: Path, pdf: Path, chromium: str, timeout_s: float = 120) -> Path:
    """Print `html` to `pdf` (written under a temporary name, then renamed); MmwatchError with
    Chromium's last words when it wrote no PDF."""
    partial = pdf.with_name(f".{pdf.name}.partial")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="mmwatch-chromium-") as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer", "--print-to-pdf-no-header",
                   f"--print-to-pdf={partial}", html.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            partial.unlink(missing_ok=True)
            raise MmwatchError(f"{chromium} did not print {html} within {timeout_s:g} s: try again, or open the "
                               "HTML and print it from a browser") from None
    if not partial.is_file() or not partial.read_bytes()[:5] == b"%PDF-":
        partial.unlink(missing_ok=True)
        said = [line for line in (done.stderr or "").splitlines() if line.strip()]
        raise MmwatchError(f"{chromium} wrote no PDF of {html} (exit {done.returncode}"
                           + (f": {said[-1].strip()}" if said else "") + ")")
    os.replace(partial, pdf)
    return pdf
