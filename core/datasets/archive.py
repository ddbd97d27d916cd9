"""Unpack an uploaded zip/tar without trusting a single name or size inside it.

Archives are the classic way to write outside a folder (`../../x`, absolute names, symlinks
pointing anywhere) or to fill a disk (a few KB that expand to terabytes). Every member is
checked before a byte is written: its resolved path must stay inside the target folder, only
regular files and folders are accepted, and member count, total size and compression ratio are
capped. Sizes are counted while writing too, because headers can lie.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.errors import UserError

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ExtractionLimits:
    max_members: int = 200_000
    max_total_bytes: int = 20 * 1024**3
    max_ratio: float = 200.0  # uncompressed/compressed per zip member; images compress far less
    ratio_floor_bytes: int = 10 * 1024**2  # small members may compress well (text, blank images)


def is_archive(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(suffix) for suffix in ARCHIVE_SUFFIXES)


def _safe_member_path(target: Path, name: str) -> Path | None:
    """Where a member may be written, or None for entries we skip (folders, macOS junk)."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or any(part == ".." for part in pure.parts) or (pure.parts and ":" in pure.parts[0]):
        raise UserError(
            f"The archive contains an unsafe path {name!r} (absolute or with '..').",
            "Re-create the archive from inside the folder you want to upload.",
        )
    parts = [p for p in pure.parts if p not in ("", ".")]
    if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("._"):
        return None
    destination = (target / Path(*parts)).resolve()
    if target not in destination.parents:
        raise UserError(f"The archive entry {name!r} would be written outside its folder.")
    return destination


def _copy_limited(source, destination: Path, budget: list[int], limits: ExtractionLimits) -> None:  # type: ignore[no-untyped-def]
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open(destination, "wb") as out:
        while chunk := source.read(_CHUNK):
            budget[0] += len(chunk)
            if budget[0] > limits.max_total_bytes:
                raise UserError(
                    f"The archive expands to more than {limits.max_total_bytes / 1024**3:.0f} GB.",
                    "Upload fewer or smaller files.",
                )
            out.write(chunk)


def _extract_zip(archive: Path, target: Path, limits: ExtractionLimits) -> int:
    budget = [0]
    written = 0
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        if len(members) > limits.max_members:
            raise UserError(f"The archive has {len(members)} entries; at most {limits.max_members} are accepted.")
        declared = sum(m.file_size for m in members)
        if declared > limits.max_total_bytes:
            raise UserError(f"The archive expands to {declared / 1024**3:.1f} GB; the limit is "
                            f"{limits.max_total_bytes / 1024**3:.0f} GB.")
        for member in members:
            mode = member.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UserError(f"The archive contains a symbolic link {member.filename!r}; links are not accepted.")
            destination = _safe_member_path(target, member.filename)
            if destination is None or member.is_dir():
                continue
            if (
                member.file_size > limits.ratio_floor_bytes
                and member.file_size > limits.max_ratio * max(1, member.compress_size)
            ):
                raise UserError(
                    f"The archive entry {member.filename!r} is compressed {member.file_size / max(1, member.compress_size):.0f}:1, "
                    "which looks like a zip bomb.",
                )
            with zf.open(member) as source:
                _copy_limited(source, destination, budget, limits)
            written += 1
    return written


def _extract_tar(archive: Path, target: Path, limits: ExtractionLimits) -> int:
    budget = [0]
    written = 0
    try:
        tf = tarfile.open(archive, "r:*")
    except tarfile.TarError as exc:
        raise UserError(f"{archive.name} is not a readable tar archive ({exc}).") from exc
    with tf:
        count = 0
        for member in tf:  # streamed: a huge member list is refused before it is all read
            count += 1
            if count > limits.max_members:
                raise UserError(f"The archive has more than {limits.max_members} entries.")
            if member.issym() or member.islnk():
                raise UserError(f"The archive contains a link {member.name!r}; links are not accepted.")
            if not (member.isfile() or member.isdir()):
                raise UserError(f"The archive contains a special file {member.name!r} (device or pipe).")
            destination = _safe_member_path(target, member.name)
            if destination is None or member.isdir():
                continue
            source = tf.extractfile(member)
            if source is None:
                continue
            with source:
                _copy_limited(source, destination, budget, limits)
            written += 1
    return written


def safe_extract(archive: Path, target: Path, limits: ExtractionLimits | None = None) -> int:
    """Extract `archive` into the existing folder `target`; returns the number of files.

    On any refusal the partly written content is removed, so nothing half-imported remains.
    """
    limits = limits or ExtractionLimits()
    target = target.resolve()
    target.mkdir(parents=True, exist_ok=True)
    try:
        if archive.name.lower().endswith(".zip"):
            try:
                return _extract_zip(archive, target, limits)
            except zipfile.BadZipFile as exc:
                raise UserError(f"{archive.name} is not a readable zip archive ({exc}).") from exc
        return _extract_tar(archive, target, limits)
    except BaseException:
        for child in target.iterdir():
            shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
        raise
