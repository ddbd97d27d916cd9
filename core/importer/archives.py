"""Unpack uploaded .zip / .tar(.gz) archives without trusting anything inside them.

An archive is attacker-controlled data: member names can climb out of the target folder
(`../../x`, `/etc/x`, `C:\\x` — "zip-slip"), members can be symlinks or devices that later
redirect a write, and a few kilobytes can expand to terabytes (zip bomb). So every member
is checked before anything is written, sizes are counted while writing (headers can lie),
and nothing is extracted with extractall. Any violation rejects the whole archive.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from core.config import get_settings
from core.errors import UserError

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
MAX_MEMBERS = 20_000
# Model weights compress at most ~10:1; 1000:1 only happens with padding made to explode.
MAX_RATIO = 1000
RATIO_CHECK_MIN_BYTES = 64 * 1024 * 1024
COPY_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class ExtractLimits:
    max_total_bytes: int
    max_members: int = MAX_MEMBERS

    @classmethod
    def from_settings(cls) -> ExtractLimits:
        """OVWB_MAX_EXTRACT_MB (default: 4 x the upload limit) caps what one archive may expand to."""
        default_mb = 4 * get_settings().max_upload_mb
        return cls(max_total_bytes=int(os.environ.get("OVWB_MAX_EXTRACT_MB", default_mb)) * 1024 * 1024)


def is_archive(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and name.endswith(ARCHIVE_SUFFIXES)


def archive_stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or "archive"
    return path.stem


def _safe_member_path(archive: Path, member: str, dest: Path) -> Path | None:
    """Where a member goes inside `dest`; None for entries to skip (the archive's root)."""
    raw = member.replace("\\", "/")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":") or raw.startswith("//"):
        raise UserError(
            f"The archive {archive.name} contains an absolute path ({member}).",
            "Archives must hold relative paths only; re-create it from inside the model's folder.",
        )
    parts = [p for p in PurePosixPath(raw).parts if p not in ("", ".")]
    if ".." in parts:
        raise UserError(
            f"The archive {archive.name} contains a path that leaves its folder ({member}).",
            "This is how 'zip-slip' attacks work; re-create the archive without '../' paths.",
        )
    if any(any(ord(ch) < 32 for ch in part) for part in parts):
        raise UserError(f"The archive {archive.name} contains a file name with control characters.")
    if not parts:
        return None
    target = dest.joinpath(*parts)
    if dest.resolve() not in target.resolve().parents:
        raise UserError(f"The archive {archive.name} contains a path that leaves its folder ({member}).")
    return target


def _too_big(archive: Path, limits: ExtractLimits) -> UserError:
    return UserError(
        f"The archive {archive.name} expands to more than {limits.max_total_bytes // (1024 * 1024)} MB.",
        "It looks like a zip bomb, or the model is larger than allowed: raise OVWB_MAX_EXTRACT_MB if it is genuine.",
    )


def _copy_counted(source: BinaryIO, target: Path, budget: list[int], archive: Path, limits: ExtractLimits) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as out:
        while chunk := source.read(COPY_CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _too_big(archive, limits)
            out.write(chunk)


def _extract_zip(archive: Path, dest: Path, limits: ExtractLimits) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"{archive.name} is not a readable zip archive ({exc}).", "The file may be truncated: upload it again.") from exc
    with zf:
        members = zf.infolist()
        if len(members) > limits.max_members:
            raise UserError(f"The archive {archive.name} holds {len(members)} entries (limit {limits.max_members}).")
        planned: list[tuple[zipfile.ZipInfo, Path]] = []
        declared = 0
        for info in members:
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UserError(
                    f"The archive {archive.name} contains a symbolic link ({info.filename}).",
                    "Links in uploaded archives are refused; archive the real files instead.",
                )
            target = _safe_member_path(archive, info.filename, dest)
            if target is None or info.is_dir():
                continue
            declared += info.file_size
            ratio = info.file_size / max(1, info.compress_size)
            if declared > limits.max_total_bytes or (info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_RATIO):
                raise _too_big(archive, limits)
            planned.append((info, target))
        budget = [limits.max_total_bytes]
        for info, target in planned:
            try:
                with zf.open(info) as source:
                    _copy_counted(source, target, budget, archive, limits)
            except FileExistsError as exc:
                raise UserError(f"The archive {archive.name} holds {info.filename} twice.") from exc
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise UserError(
                    f"The archive {archive.name} is damaged ({info.filename}: {exc}).", "Upload it again."
                ) from exc


def _extract_tar(archive: Path, dest: Path, limits: ExtractLimits) -> None:
    try:
        tf = tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UserError(f"{archive.name} is not a readable tar archive ({exc}).", "The file may be truncated: upload it again.") from exc
    with tf:
        budget = [limits.max_total_bytes]
        count = 0
        try:
            for member in tf:  # streaming: a gzip bomb is stopped while it expands
                count += 1
                if count > limits.max_members:
                    raise UserError(f"The archive {archive.name} holds more than {limits.max_members} entries.")
                if member.issym() or member.islnk():
                    raise UserError(
                        f"The archive {archive.name} contains a link ({member.name} -> {member.linkname}).",
                        "Links in uploaded archives are refused; archive the real files instead.",
                    )
                if not (member.isfile() or member.isdir()):
                    raise UserError(f"The archive {archive.name} contains a special file ({member.name}).")
                target = _safe_member_path(archive, member.name, dest)
                if target is None or member.isdir():
                    continue
                if member.size > budget[0]:
                    raise _too_big(archive, limits)
                source = tf.extractfile(member)
                if source is None:
                    continue
                with source:
                    try:
                        _copy_counted(source, target, budget, archive, limits)
                    except FileExistsError as exc:
                        raise UserError(f"The archive {archive.name} holds {member.name} twice.") from exc
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise UserError(f"The archive {archive.name} is damaged or truncated ({exc}).", "Upload it again.") from exc


def extract_archive(archive: Path, dest: Path, limits: ExtractLimits | None = None) -> Path:
    """Unpack `archive` into the new folder `dest` (created); raise UserError on anything unsafe."""
    limits = limits or ExtractLimits.from_settings()
    dest.mkdir(parents=True, exist_ok=False)
    if archive.name.lower().endswith(".zip"):
        _extract_zip(archive, dest, limits)
    else:
        _extract_tar(archive, dest, limits)
    return dest
