"""QR codes of links, as SVG data: URIs for an ``<img>`` (the pages' CSP allows data: images)."""

from __future__ import annotations

import asyncio
import base64

import qrcode
import qrcode.image.svg


def qr_image(text: str) -> str:
    """A QR code of ``text``."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


async def qr_code(text: str) -> str:
    """:func:`qr_image` in a worker thread, not holding up other requests.

    A code takes a tenth of a second or more to draw, so a page draws one, never a batch's.
    """
    return await asyncio.to_thread(qr_image, text)
