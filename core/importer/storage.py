"""Uploaded files go straight to disk in a fresh workspace folder, under checked names.

The folder is a UUID (see core.workspace), so a hostile name can never leave it; inside,
we keep the file's own base name because formats refer to their siblings by name (an ONNX
model names its external-data file, an IR .xml pairs with the .bin of the same stem).
Names that could mean something else to a file system are refused, not rewritten.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import BinaryIO

from core.config import get_settings
from core.errors import UserError

COPY_CHUNK = 4 * 1024 * 1024
MAX_NAME_LENGTH = 200


def checked_file_name(name: str) -> str:
    """The base name of an upload, or a UserError when it is not a plain file name."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base in (".", "..") or len(base) > MAX_NAME_LENGTH:
        raise UserError(f"The file name {name!r} cannot be used.", "Rename the file to a plain name like model.onnx.")
    if any(ord(ch) < 32 for ch in base) or "\x7f" in base or ":" in base:
        raise UserError(
            f"The file name {name!r} contains control characters or ':'.",
            "Rename the file to a plain name like model.onnx.",
        )
    return base


def upload_limit_bytes() -> int:
    return get_settings().max_upload_mb * 1024 * 1024


def _unique_target(folder: Path, base: str) -> Path:
    target = folder / base
    if not target.exists():
        return target
    raise UserError(
        f"Two uploaded files are both named {base}.",
        "Upload each model's files once, or put the models in separate archives.",
    )


def store_stream(stream: BinaryIO, name: str, folder: Path, budget: list[int] | None = None) -> Path:
    """Copy an open upload into `folder` in chunks (never whole in memory).

    `budget` is a one-item list with the bytes still allowed for this upload batch; it is
    decremented, so several files share one limit.
    """
    target = _unique_target(folder, checked_file_name(name))
    remaining = budget if budget is not None else [upload_limit_bytes()]
    with open(target, "wb") as out:
        while True:
            chunk = stream.read(COPY_CHUNK)
            if not chunk:
                break
            remaining[0] -= len(chunk)
            if remaining[0] < 0:
                out.close()
                target.unlink(missing_ok=True)
                limit_mb = get_settings().max_upload_mb
                raise UserError(
                    f"The upload is larger than the limit of {limit_mb} MB.",
                    "Raise OVWB_MAX_UPLOAD_MB (and restart the app) to accept larger models.",
                )
            out.write(chunk)
    return target


def store_path(source: Path, folder: Path, budget: list[int] | None = None) -> Path:
    """Copy a user's file or folder (CLI import) into `folder`; folders keep their layout."""
    source = Path(source)
    if not source.exists():
        raise UserError(f"{source} does not exist.", "Check the path.")
    if source.is_dir():
        target = _unique_target(folder, checked_file_name(source.name))
        remaining = budget if budget is not None else [upload_limit_bytes()]
        for item in source.rglob("*"):
            if item.is_symlink():
                raise UserError(f"{item} is a symbolic link.", "Copy the real file into the folder instead of a link.")
            if item.is_file():
                remaining[0] -= item.stat().st_size
        if remaining[0] < 0:
            raise UserError(
                f"{source} is larger than the upload limit of {get_settings().max_upload_mb} MB.",
                "Raise OVWB_MAX_UPLOAD_MB to import larger models.",
            )
        shutil.copytree(source, target, symlinks=False)
        return target
    with open(source, "rb") as stream:
        return store_stream(stream, source.name, folder, budget)
