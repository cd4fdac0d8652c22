"""Reading a received report email back: its parts, the CSV, the images, the PDF text;
expectations come from direct queries of the marts, never from the report code."""
from __future__ import annotations

import csv
import io
import re
from email.message import EmailMessage

import duckdb
import pypdf


def daily_rows(warehouse, day: str) -> dict[str, dict]:
    """fct_mm_compliance_daily's rows of `day` by obligation, with dim_obligations.market_has_data."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select daily.*, dim.market_has_data from fct_mm_compliance_daily daily "
                             "join dim_obligations dim using (obligation_id) where day = cast(? as date)", [day])
        names = [d[0] for d in cursor.description]
        return {row[names.index("obligation_id")]: dict(zip(names, row)) for row in cursor.fetchall()}


def parts(message: EmailMessage) -> dict:
    """html, text, csv (text), pdf (bytes) and images {content-id: bytes} of a report email."""
    found = {"images": {}}
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/html":
            found["html"] = part.get_content()
        elif kind == "text/plain" and not part.get_filename():
            found["text"] = part.get_content()
        elif kind == "text/csv":
            found["csv"] = part.get_content()
        elif kind == "application/pdf":
            found["pdf"] = part.get_content()
        elif kind == "image/png":
            found["images"][part["Content-ID"].strip("<>")] = part.get_content()
    return found


def csv_by_obligation(text: str) -> dict[str, dict]:
    return {row["obligation_id"]: row for row in csv.DictReader(io.StringIO(text))}


def table_row(html: str, obligation_id: str) -> str:
    match = re.search(rf'<tr data-obligation="{re.escape(obligation_id)}">(.*?)</tr>', html, re.S)
    assert match, f"no table row for {obligation_id}"
    return match.group(1)


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def assert_images_referenced_and_present(html: str, images: dict[str, bytes]) -> None:
    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    assert referenced and referenced == set(images), (referenced, set(images))
    for content_id, png in images.items():
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000, content_id
