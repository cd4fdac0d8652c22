"""Build a multipart email: plain text + HTML with inline (cid) images, plus attachments."""
from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str  # e.g. "text/csv", "application/pdf"


def build_message(*, subject: str, recipients: list[str], text: str, html: str | None = None,
                  inline_images: dict[str, bytes] | None = None, attachments: list[Attachment] = (),
                  sender: str | None = None, domain: str = "mmwatch.local") -> EmailMessage:
    """A message with a fresh Message-ID. `html` refers to each inline image as `cid:<key>` where
    `<key>` is its key in `inline_images` (PNG bytes); the keys become the parts' Content-IDs."""
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = ", ".join(recipients)
    if sender:
        message["From"] = sender
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
        html_part = message.get_payload()[-1]
        for content_id, png in (inline_images or {}).items():
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{content_id}>",
                                  filename=f"{content_id.split('@')[0]}.png", disposition="inline")
    for attachment in attachments:
        maintype, subtype = attachment.mime.split("/", 1)
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message
