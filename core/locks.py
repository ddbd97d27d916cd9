"""Host-wide exclusive resources (a device being measured), as file locks shared by every
workspace and every user on this machine.

Two measurements on one device corrupt each other's numbers, whoever starts them: two apps
with two workspaces, a CLI run, a script. So the lock files live in one system-wide folder,
not in the workspace: OVWB_LOCK_DIR if set, else /run/ovwb or /var/lock/ovwb when we may
create them, else `<system temp>/ovwb-locks`. Lock file names carry the host name, so a lock
folder shared over the network (OVWB_LOCK_DIR on NFS) still locks per host, and jobs on other
machines never wait for this one's device.

The folder may be shared between users, so it is made like /tmp (sticky, 1777: nobody
removes another's lock file), lock files are opened without following symlinks and never
truncated (a planted symlink cannot make us clobber a file), and they stay readable (0644)
because flock needs only a read-only descriptor.
"""

from __future__ import annotations

import fcntl
import os
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_S = 0.5
SYSTEM_LOCK_DIRS = (Path("/run/ovwb"), Path("/var/lock/ovwb"))
SHARED_DIR_MODE = 0o1777
LOCK_FILE_MODE = 0o644


def _usable_shared_dir(folder: Path) -> bool:
    """Create `folder` (sticky, world-writable) if missing; True if it is a real directory
    we can create lock files in and that others cannot swap under us."""
    try:
        folder.mkdir(mode=0o755)
        os.chmod(folder, SHARED_DIR_MODE)
    except FileExistsError:
        pass
    except OSError:
        return False
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False  # a symlink or a file planted there: not ours to trust
    world_writable = bool(info.st_mode & stat.S_IWOTH)
    if world_writable and not info.st_mode & stat.S_ISVTX:
        return False  # anyone could delete or replace our lock files
    if info.st_uid not in (0, os.geteuid()) and not world_writable:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def lock_dir() -> Path:
    """The host-wide folder of lock files (see the module docstring for the order)."""
    configured = os.environ.get("OVWB_LOCK_DIR")
    if configured:
        folder = Path(configured).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    for candidate in SYSTEM_LOCK_DIRS:
        if candidate.parent.is_dir() and _usable_shared_dir(candidate):
            return candidate
    fallback = Path(tempfile.gettempdir()) / "ovwb-locks"
    if _usable_shared_dir(fallback):
        return fallback
    # Someone else's folder we may not use: a per-user one (still host-wide for this user).
    personal = Path(tempfile.gettempdir()) / f"ovwb-locks-{os.geteuid()}"
    personal.mkdir(mode=0o700, exist_ok=True)
    return personal


def lock_path(resource: str) -> Path:
    host = socket.gethostname() or "localhost"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{host}-{resource}")
    return lock_dir() / f"{safe}.lock"


def _open_lock_file(path: Path) -> int:
    """Open (or create) the lock file, read-only: enough for flock.

    An existing file is opened without O_CREAT: with fs.protected_regular (the default on
    most distributions) O_CREAT on another user's file in a sticky shared folder is refused,
    so the second user would fail instead of waiting their turn.
    """
    flags = os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    while True:
        try:
            return os.open(path, flags)
        except FileNotFoundError:
            pass
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, LOCK_FILE_MODE)
        except FileExistsError:
            continue  # another process created it just now: open theirs
        try:  # our umask is 077 (private workspace): let other users open it to wait their turn
            os.fchmod(fd, LOCK_FILE_MODE)
        except OSError:
            pass
        return fd


@contextmanager
def file_lock(
    resource: str,
    on_wait: Callable[[str], None] | None = None,
    timeout_s: float | None = None,
) -> Iterator[None]:
    """Hold `resource` exclusively on this host; `on_wait(resource)` is called while another
    holder has it (it may raise, e.g. JobCancelled, to give up waiting)."""
    fd = _open_lock_file(lock_path(resource))
    try:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if on_wait is not None:
                    on_wait(resource)
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"{resource} stayed busy for {timeout_s:.0f} s") from None
                time.sleep(POLL_S)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
