"""Issue 16, items 5 and 9: the device lock is host-wide (two workspaces, two apps, one
machine: measurements take turns), and workspace files are private to their user."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.locks import file_lock, lock_dir, lock_path

ROOT = Path(__file__).resolve().parents[1]

HOLD = """
import json, sys
from core.store import init_db
from core.jobs import run_job_inline
init_db()
job = run_job_inline("test", "tests.jobfns:hold_device", {"seconds": 2.0, "resource": sys.argv[1]})
print(json.dumps({"state": job.state, **(job.result or {})}))
"""


def _env(workspace: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), PYTHONPATH=str(ROOT), OVWB_NO_SAMPLE="1", **extra)
    env.pop("OVWB_LOCK_DIR", None)
    env.update(extra)
    return env


def test_two_workspaces_on_one_host_take_turns_on_the_device(tmp_path: Path) -> None:
    """Two apps with their own workspaces measure "the same CPU": the second waits."""
    resource = f"device-TEST-{uuid.uuid4().hex[:8]}"  # this machine is shared: our own device name
    runs = [
        subprocess.Popen([sys.executable, "-c", HOLD, resource], env=_env(tmp_path / f"ws{i}"), cwd=str(ROOT),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in (1, 2)
    ]
    outcomes = []
    try:
        for run in runs:
            out, err = run.communicate(timeout=180)
            assert run.returncode == 0, err[-2000:]
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        lock_path(resource).unlink(missing_ok=True)
    assert [o["state"] for o in outcomes] == ["done", "done"]
    first, second = sorted((o["start"], o["end"]) for o in outcomes)
    assert second[0] >= first[1] - 0.01, f"the two measurements overlapped: {first} {second}"
    assert not (tmp_path / "ws1" / "locks").exists()  # not a per-workspace lock any more


def test_the_lock_folder_is_system_wide_and_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OVWB_LOCK_DIR", raising=False)
    monkeypatch.setenv("OVWB_WORKSPACE", str(tmp_path / "a"))
    first = lock_path("device-CPU")
    monkeypatch.setenv("OVWB_WORKSPACE", str(tmp_path / "b"))
    assert lock_path("device-CPU") == first  # the same file whatever the workspace
    assert tmp_path not in first.parents
    info = os.lstat(lock_dir())
    assert stat.S_ISDIR(info.st_mode)
    if info.st_mode & stat.S_IWOTH:
        assert info.st_mode & stat.S_ISVTX  # shared like /tmp: nobody removes another's locks
    monkeypatch.setenv("OVWB_LOCK_DIR", str(tmp_path / "locks"))
    assert lock_path("device-CPU").parent == tmp_path / "locks"


def test_a_planted_symlink_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a shared folder, a lock file name pointing elsewhere must not clobber the target."""
    monkeypatch.setenv("OVWB_LOCK_DIR", str(tmp_path / "locks"))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock_path("device-X").parent.mkdir(parents=True, exist_ok=True)
    lock_path("device-X").symlink_to(victim)
    with pytest.raises(OSError):
        with file_lock("device-X"):
            pass
    assert victim.read_text() == "precious"


def _modes(root: Path) -> tuple[list[str], list[str]]:
    """Paths under `root` (root included) that others could read or enter."""
    open_dirs, open_files = [], []
    for folder, dirs, files in os.walk(root):
        if os.stat(folder).st_mode & 0o077:
            open_dirs.append(f"{folder} {oct(os.stat(folder).st_mode & 0o777)}")
        for name in files:
            path = Path(folder) / name
            if path.stat().st_mode & 0o077:
                open_files.append(f"{path} {oct(path.stat().st_mode & 0o777)}")
    return open_dirs, open_files


def test_workspace_files_are_private_after_a_real_import(tmp_path: Path) -> None:
    from tests.models_onnx import make_tiny_cnn_onnx

    model = make_tiny_cnn_onnx(tmp_path / "src")
    workspace = tmp_path / "fresh-workspace"
    done = subprocess.run(
        [sys.executable, "-m", "core", "convert", str(model), "--json"],
        env=_env(workspace), cwd=str(ROOT), capture_output=True, text=True, timeout=300,
        preexec_fn=lambda: os.umask(0o022),  # a usual login umask: the app must not rely on it
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (workspace / "ovwb.sqlite").is_file()
    assert any((workspace / "models").rglob("*.xml"))
    assert stat.S_IMODE(os.stat(workspace).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(workspace / "ovwb.sqlite").st_mode) == 0o600
    assert _modes(workspace) == ([], [])


def test_job_logs_and_results_of_a_job_are_private(workspace: Path) -> None:
    from core.jobs import run_job_inline

    old = os.umask(0o022)
    try:
        job = run_job_inline("test", "tests.jobfns:count", {"steps": 2})
    finally:
        os.umask(old)
    assert job.state == "done"
    assert _modes(workspace) == ([], [])

