"""The workspace folder: artifacts under generated names, never under names users chose.

Uploaded file names are untrusted (`../../etc/passwd`, `model.xml` twice ...), so every
artifact goes into a fresh folder named by a UUID; the original name is kept only as data.

The workspace is private to the user who runs the app: models, datasets and the database
are often confidential and the machine may be shared. Folders are made 0700 and files 0600
(the process umask is set to 077 by every process that writes there: app, CLI, supervisors,
job children), and the workspace folder itself is made 0700 when we create it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from core.config import get_settings

ARTIFACT_KINDS = ("models", "uploads", "datasets", "results", "exports", "tmp")
PRIVATE_UMASK = 0o077


def private_files() -> None:
    """New files 0600 and folders 0700 in this process (umask 077); idempotent and cheap."""
    os.umask(PRIVATE_UMASK)


def make_private_dir(folder: Path) -> Path:
    """Create `folder` (and missing parents) as 0700; an existing folder is left as it is."""
    private_files()
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for created in missing:
        try:
            os.chmod(created, 0o700)
        except OSError:
            pass
    return folder


def workspace_root() -> Path:
    root = get_settings().workspace
    private_files()
    if not root.is_dir():
        make_private_dir(root)
    return root


def new_artifact_dir(kind: str) -> Path:
    """A new empty folder `<workspace>/<kind>/<uuid>` for one artifact."""
    if kind not in ARTIFACT_KINDS:
        raise ValueError(f"unknown artifact kind {kind!r}")
    folder = workspace_root() / kind / uuid.uuid4().hex
    folder.parent.mkdir(exist_ok=True, mode=0o700)
    folder.mkdir(mode=0o700)
    return folder


def to_relative(path: Path | str) -> str:
    """Store paths relative to the workspace so the folder can be moved or mounted elsewhere."""
    path = Path(path).resolve()
    try:
        return path.relative_to(workspace_root()).as_posix()
    except ValueError:
        return str(path)  # outside the workspace (CLI on a user's own file): keep absolute


def resolve(relative: str | Path) -> Path:
    """Inverse of `to_relative`."""
    path = Path(relative)
    return path if path.is_absolute() else workspace_root() / path


def remove_artifact_dir(folder: Path) -> None:
    """Delete a folder only if it really is inside the workspace (never follow a bad path)."""
    folder = folder.resolve()
    root = workspace_root().resolve()
    if root in folder.parents and folder != root:
        shutil.rmtree(folder, ignore_errors=True)



def sweep_tmp(max_age_s: float = 6 * 3600) -> int:
    """Remove scratch folders under tmp/ untouched for `max_age_s` (left by killed jobs)."""
    import time

    folder = workspace_root() / "tmp"
    if not folder.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - max_age_s
    for entry in folder.iterdir():
        if entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
