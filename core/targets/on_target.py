"""Functions the app runs inside a target's worker process (via `client.run` / `client.submit`).

They touch only the target's own work folder (OVWB_TARGET_DIR, set by `target join`):
    blobs/<sha256>                  content-addressed model files, sent once and kept
    models/<xml-sha>-<bin-sha>/     model.xml + model.bin, hard links to the blobs
    runs/<key>/                     one measurement: spec, progress, result, log (removed after)
    workspace/                      OVWB_WORKSPACE of the measuring child (OpenVINO cache, temp)
Nothing here opens a database or an app path; every answer is plain JSON-able data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from core.devices import device_info
from core.jobs.supervisor import _die_with_parent
from core.ov_core import core_instance
from core.system_info import machine_summary

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEX64 = re.compile(r"^[0-9a-f]{64}$")
RUN_KEY = re.compile(r"^ovwb-measure-[0-9]+-[0-9a-f]{8,32}$")
LOG_TAIL_BYTES = 6000
STOP_GRACE_S = 3.0
# The app reads a run's progress every 2 s. If nobody asked for this long, the job that wanted
# it is gone (its process killed with the app host, or the app lost the network): stop measuring,
# so an orphan does not hold the device for the rest of its run.
LEASE_S = 60.0  # OVWB_TARGET_LEASE_S overrides (tests)


def lease_s() -> float:
    try:
        return float(os.environ.get("OVWB_TARGET_LEASE_S") or LEASE_S)
    except ValueError:
        return LEASE_S
# The measuring children of this worker, by run key (client.run executes in this same process).
_runs: dict[str, subprocess.Popen[bytes]] = {}
_stopped: set[str] = set()
_runs_lock = threading.Lock()
_asked: dict[str, float] = {}  # run key -> when the app last read its progress (monotonic)


# How a file sent for an adapter (core/targets/travels.Travels) is named in its arguments.
MODEL_MARK = "ovwb-target-model:"
BLOB_MARK = "ovwb-target-blob:"
MODEL_KEY = re.compile(r"^[0-9a-f]{64}-[0-9a-f]{64}$")


def work_dir() -> Path:
    folder = os.environ.get("OVWB_TARGET_DIR")
    if not folder:
        raise RuntimeError("this worker is not an OV Workbench target (no OVWB_TARGET_DIR)")
    return Path(folder)


def _blob_path(digest: str) -> Path:
    if not HEX64.match(digest):
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return work_dir() / "blobs" / digest


def missing_blobs(digests: list[str]) -> list[str]:
    """Which of these files the target does not hold yet."""
    return [d for d in digests if not _blob_path(d).is_file()]


def put_chunk(digest: str, token: str, offset: int, data: bytes) -> int:
    """Write one chunk of a blob being sent (to a part file named by the sender's token)."""
    path = _blob_path(digest)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = path.with_name(f"{digest}.{re.sub(r'[^0-9a-f]', '', token)[:32]}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(part, flags, 0o600)
    try:
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)
    return len(data)


def finish_blob(digest: str, token: str) -> bool:
    """Check the sent blob's sha256 and keep it under its digest; False (and dropped) if it differs."""
    path = _blob_path(digest)
    part = path.with_name(f"{digest}.{re.sub(r'[^0-9a-f]', '', token)[:32]}.part")
    if not part.exists():  # an empty file: no chunk was sent
        part.touch(mode=0o600)
    sha = hashlib.sha256()
    with open(part, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    if sha.hexdigest() != digest:
        part.unlink(missing_ok=True)
        return False
    os.replace(part, path)
    return True


def materialize_model(xml_digest: str, bin_digest: str) -> str:
    """The model folder key for these two blobs, made once (hard links, or copies across devices)."""
    key = f"{xml_digest}-{bin_digest}"
    folder = work_dir() / "models" / key
    if (folder / "model.xml").is_file() and (folder / "model.bin").is_file():
        return key
    tmp = folder.with_name(f"{key}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
    for digest, name in ((xml_digest, "model.xml"), (bin_digest, "model.bin")):
        source = _blob_path(digest)
        if not source.is_file():
            raise FileNotFoundError(f"blob {digest} is not on this target")
        try:
            os.link(source, tmp / name)
        except OSError:
            shutil.copyfile(source, tmp / name)
    try:
        os.replace(tmp, folder)
    except OSError:  # another job made it first
        shutil.rmtree(tmp, ignore_errors=True)
    return key


def resolve_travelled(kwargs: dict[str, Any]) -> dict[str, Any]:
    """An adapter's arguments with each sent-file marker replaced by the path of this target's copy."""
    resolved = dict(kwargs)
    for key, value in kwargs.items():
        if isinstance(value, str) and value.startswith(MODEL_MARK):
            model_key = value.removeprefix(MODEL_MARK)
            if not MODEL_KEY.match(model_key):
                raise ValueError(f"bad model key {model_key!r}")
            resolved[key] = str(work_dir() / "models" / model_key / "model.xml")
        elif isinstance(value, str) and value.startswith(BLOB_MARK):
            resolved[key] = str(_blob_path(value.removeprefix(BLOB_MARK)))
    return resolved


def host_report() -> dict[str, Any]:
    """What the Targets page shows of this machine: CPU, ISA flags, memory, OpenVINO, devices."""
    flags: list[str] = []
    memory_mb = None
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = sorted(line.split(":", 1)[1].split())
                    break
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory_mb = round(int(line.split()[1]) / 1024)
                    break
    except OSError:
        pass
    devices = []
    for name in core_instance().available_devices:
        try:
            devices.append(device_info(name))
        except Exception as exc:  # noqa: BLE001 - one odd plugin must not hide the others
            devices.append({"device": name, "full_name": name, "error": str(exc)[:300]})
    try:
        usable_cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable_cpus = os.cpu_count()
    return {
        "machine": machine_summary(),
        "hostname": machine_summary().get("host"),
        "cpu_flags": flags,
        "usable_cpus": usable_cpus,
        "memory_mb": memory_mb,
        "devices": devices,
        "target_name": os.environ.get("OVWB_TARGET_NAME", ""),
    }


def _child_env(run_dir: Path) -> dict[str, str]:
    """The measuring child's environment: the target's own folder, no database, no app paths."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OVWB_DATABASE", "OVWB_DASK", "OVWB_CLUSTER"))}
    workspace = work_dir() / "workspace"
    workspace.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = run_dir / "tmp"
    tmp.mkdir(exist_ok=True, mode=0o700)
    env.update(
        OVWB_WORKSPACE=str(workspace),
        # Anything that tried to open a database here would fail loudly instead of making one.
        OVWB_DATABASE_URL="unavailable+on-a-target://",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        TMPDIR=str(tmp),
    )
    return env


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def run_measurement(run_key: str, function: str, model_key: str, device: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The Dask task: measure in a child process of this worker and return its JSON outcome.

    A child, as core.jobs.child on the app host: a crash or a hang costs one process, and a
    stop request (stop_run) can always end it. JSON in and out; nothing is unpickled from files.
    """
    if not RUN_KEY.match(run_key) or not MODEL_KEY.match(model_key):
        raise ValueError("bad run or model key")
    run_dir = work_dir() / "runs" / run_key
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    xml_path = work_dir() / "models" / model_key / "model.xml"
    spec = {"function": function, "xml_path": str(xml_path), "device": device, "kwargs": kwargs}
    (run_dir / "spec.json").write_text(json.dumps(spec))
    log_path = run_dir / "log.txt"
    started = time.monotonic()
    try:
        with _runs_lock:
            if run_key in _stopped:
                return {"returncode": 143, "result": None, "log_tail": "stopped before it started", "machine": {}}
            with open(log_path, "ab") as log:
                child = subprocess.Popen(
                    [sys.executable, "-m", "core.targets.runner", str(run_dir)],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=str(PROJECT_ROOT),
                    env=_child_env(run_dir), preexec_fn=_die_with_parent,
                )
            _runs[run_key] = child
            _asked[run_key] = time.monotonic()
        while True:
            try:
                returncode = child.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                pass
            with _runs_lock:
                silent = time.monotonic() - _asked.get(run_key, time.monotonic())
            if silent > lease_s():
                stop_run(run_key)
                returncode = child.wait()
                break
        result = None
        try:
            result = json.loads((run_dir / "result.json").read_text())
        except (OSError, ValueError):
            pass
        return {"returncode": returncode, "result": result, "log_tail": _tail(log_path),
                "machine": machine_summary(), "seconds": round(time.monotonic() - started, 3)}
    finally:
        with _runs_lock:
            _runs.pop(run_key, None)
            _stopped.discard(run_key)
            _asked.pop(run_key, None)
        shutil.rmtree(run_dir, ignore_errors=True)


def read_run(run_key: str) -> dict[str, Any]:
    """How a measurement is doing: started yet (else it waits for its device), last progress."""
    with _runs_lock:
        child = _runs.get(run_key)
        if child is not None:
            _asked[run_key] = time.monotonic()
    if child is None:
        return {"started": False}
    try:
        progress = json.loads((work_dir() / "runs" / run_key / "progress.json").read_text())
    except (OSError, ValueError):
        progress = {}
    return {"started": True, "pid": child.pid, "fraction": progress.get("fraction"), "message": progress.get("message")}


def stop_run(run_key: str) -> bool:
    """Stop a measurement: SIGTERM (the child unwinds), SIGKILL after a grace. True if one ran."""
    with _runs_lock:
        _stopped.add(run_key)
        child = _runs.get(run_key)
    if child is None:
        return False

    def stop() -> None:
        try:
            child.send_signal(signal.SIGTERM)
            child.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            child.kill()
        except OSError:
            pass

    threading.Thread(target=stop, daemon=True).start()  # never block the worker's event loop
    return True
