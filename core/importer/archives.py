"""Unpack uploaded .zip / .tar(.gz) archives without trusting anything inside them.

An archive is attacker-controlled data: member names can climb out of the target folder
(`../../x`, `/etc/x`, `C:\\x` — "zip-slip"), members can be symlinks or devices that later
redirect a write, and a few kilobytes can expand to terabytes (zip bomb). So every member
is checked before anything is written, sizes are counted while writing (headers can lie),
and nothing is extracted with extractall. Any violation rejects the whole archive.
"""

from __future__ import annotations

import os
import shutil
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
# Model weights and images compress at most ~10:1; hundreds to one only happens with padding
# made to explode. The ratio is over the whole archive (all members against the archive's
# size on disk), so twenty 60 MB members of zeros cannot each stay under a per-member rule.
MAX_RATIO = 200
# Below this much output, any ratio is harmless (a small zip of a text file can reach 100:1).
RATIO_FLOOR_BYTES = 64 * 1024 * 1024
COPY_CHUNK = 1024 * 1024
MB = 1024 * 1024


@dataclass(frozen=True)
class ExtractLimits:
    max_total_bytes: int
    max_members: int = MAX_MEMBERS
    max_ratio: float = MAX_RATIO
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES

    @classmethod
    def from_settings(cls) -> ExtractLimits:
        """OVWB_MAX_EXTRACT_MB (default: 4 x the upload limit) caps what one archive may expand to;
        OVWB_MAX_EXTRACT_RATIO (default 200) caps expanded size / archive size."""
        default_mb = 4 * get_settings().max_upload_mb
        return cls(
            max_total_bytes=int(os.environ.get("OVWB_MAX_EXTRACT_MB", default_mb)) * MB,
            max_ratio=float(os.environ.get("OVWB_MAX_EXTRACT_RATIO", MAX_RATIO)),
        )


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


def _mb(size: int | float) -> str:
    return f"{size / MB:,.1f} MB"


class _Expansion:
    """Counts what an archive expands to, across all members, and stops it at either limit.

    `check(total, how)` is called with declared totals before writing (headers) and with the
    bytes actually written while writing (headers can lie), so the numbers in the message are
    what was seen: "declares" or "wrote at least".
    """

    def __init__(self, archive: Path, limits: ExtractLimits) -> None:
        self.archive = archive
        self.limits = limits
        self.archive_size = max(1, archive.stat().st_size)
        self.written = 0

    def check(self, total: int, how: str, members: int | None = None) -> None:
        limits = self.limits
        counted = f"{how} {_mb(total)}" + (f" in {members} member{'s' if members != 1 else ''}" if members else "")
        if total > limits.max_total_bytes:
            raise UserError(
                f"The archive {self.archive.name} expands to more than {limits.max_total_bytes // MB} MB, "
                f"the limit: it {counted}.",
                "It looks like a zip bomb, or the model is larger than allowed: raise OVWB_MAX_EXTRACT_MB if it is genuine.",
            )
        ratio = total / self.archive_size
        if total > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise UserError(
                f"The archive {self.archive.name} ({_mb(self.archive_size)}) {counted}: a {ratio:,.0f}:1 expansion, "
                f"over the limit of {limits.max_ratio:g}:1.",
                "Real models and images compress far less; this looks like a zip bomb. "
                "Raise OVWB_MAX_EXTRACT_RATIO if the archive is genuine.",
            )

    def copy(self, source: BinaryIO, target: Path) -> None:
        """Stream one member to disk in small chunks (never a whole member in memory)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as out:
            while chunk := source.read(COPY_CHUNK):
                self.written += len(chunk)
                self.check(self.written, "wrote at least")
                out.write(chunk)


def _extract_zip(archive: Path, dest: Path, limits: ExtractLimits) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"{archive.name} is not a readable zip archive ({exc}).", "The file may be truncated: upload it again.") from exc
    expansion = _Expansion(archive, limits)
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
            planned.append((info, target))
        expansion.check(declared, "declares", len(planned))  # all members together, before writing
        for info, target in planned:
            try:
                with zf.open(info) as source:
                    expansion.copy(source, target)
            except FileExistsError as exc:
                raise UserError(f"The archive {archive.name} holds {info.filename} twice.") from exc
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise UserError(
                    f"The archive {archive.name} is damaged ({info.filename}: {exc}).", "Upload it again."
                ) from exc


def _extract_tar(archive: Path, dest: Path, limits: ExtractLimits) -> None:
    """One forward pass: headers are checked as they come and members are copied in 1 MB
    chunks. Mode "r:*" (GzipFile) decompresses with bounded output; the stream mode "r|*"
    inflates each 10 KB read in full (~10 MB for zeros) and peaked ~7x higher on a bomb."""
    expansion = _Expansion(archive, limits)
    try:
        tf = tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UserError(f"{archive.name} is not a readable tar archive ({exc}).", "The file may be truncated: upload it again.") from exc
    with tf:
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
                expansion.check(expansion.written + member.size, "declares at least")
                source = tf.extractfile(member)
                if source is None:
                    continue
                with source:
                    try:
                        expansion.copy(source, target)
                    except FileExistsError as exc:
                        raise UserError(f"The archive {archive.name} holds {member.name} twice.") from exc
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise UserError(f"The archive {archive.name} is damaged or truncated ({exc}).", "Upload it again.") from exc


def extract_archive(archive: Path, dest: Path, limits: ExtractLimits | None = None) -> Path:
    """Unpack `archive` into the new folder `dest` (created); raise UserError on anything unsafe."""
    limits = limits or ExtractLimits.from_settings()
    dest.mkdir(parents=True, exist_ok=False)
    try:
        if archive.name.lower().endswith(".zip"):
            _extract_zip(archive, dest, limits)
        else:
            _extract_tar(archive, dest, limits)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)  # a refused archive leaves nothing behind
        raise
    return dest
