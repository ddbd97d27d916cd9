"""The IR as one downloadable zip (.xml + .bin), built when the user asks for it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def ir_zip_bytes(xml: Path) -> bytes:
    """Zip an IR pair. Stored, not deflated: weights barely compress and size would cost time."""
    xml = Path(xml)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.write(xml, xml.name)
        archive.write(xml.with_suffix(".bin"), xml.with_suffix(".bin").name)
    return buffer.getvalue()
