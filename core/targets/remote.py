"""Measuring on a remote target, from inside a job's child on the app host (`JobContext.measure`).

1. The IR is content-addressed (sha256 of .xml and .bin); the target says which blobs it
   lacks and only those travel, in chunks, checked on arrival and kept in its cache. Files
   the adapter needs besides (`Travels`: a reference IR, a sample pack) travel the same way.
2. One Dask task restricted to the target's worker and to its `device-<DEV>` resources runs
   the adapter (core/benchmark/measure.py) in a child process there and returns JSON metrics.
3. Every 2 s the progress is read from the target and relayed to the job; cancel or SIGTERM
   stops the remote child; a target whose worker leaves the scheduler fails the job with
   "Target NAME lost at TIME" and is marked lost.
Only the model files, sample packs, the adapter's name and JSON settings travel: never the
database URL or an app path (checked before sending).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.config import get_settings
from core.devices import VIRTUAL_DEVICES
from core.errors import UserError
from core.jobs.supervisor import crash_reason
from core.targets import on_target
from core.targets.registry import cluster_client, mark_lost, target_workers
from core.targets.runner import ALLOWED_FUNCTIONS
from core.targets.travels import Travels
from core.workspace import make_private_dir

log = logging.getLogger("ovwb.job")
POLL_S = 2.0
CHUNK_BYTES = 8 << 20
RUN_TIMEOUT_S = 30.0  # for one client.run call (progress read, blob chunk)
LOST_HINT = ("The target's worker left the cluster (machine off, network down, or `target join` stopped). "
             "Start `python -m core target join` there again; it shows as online once it is back.")


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def cached_digest(path: Path) -> str:
    """sha256 of a file, remembered by (path, size, mtime) in the workspace: every job on a target
    needs the IR's digests, and hashing a large .bin each time would cost ~0.5 s per 100 MB."""
    import json
    import os

    info = path.stat()
    stamp = f"{path.resolve()}|{info.st_size}|{info.st_mtime_ns}"
    folder = get_settings().workspace / "cluster" / "digests"
    note = folder / f"{hashlib.sha1(str(path.resolve()).encode()).hexdigest()}.json"
    try:
        data = json.loads(note.read_text())
        if data.get("stamp") == stamp:
            return str(data["sha256"])
    except (OSError, ValueError, KeyError):
        pass
    digest = file_digest(path)
    try:
        make_private_dir(folder)
        tmp = note.with_name(f"{note.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"stamp": stamp, "sha256": digest}))
        os.replace(tmp, note)
    except OSError:
        pass
    return digest


def send_files(client: Any, address: str, files: list[Path],
               progress: Callable[[float | None, str], None] | None = None) -> tuple[list[str], int]:
    """Put these files on the target (only the blobs it lacks); returns (their digests, bytes sent)."""
    digests = [cached_digest(p) for p in files]
    missing = set(client.run(on_target.missing_blobs, digests, workers=[address])[address])
    total = sum(p.stat().st_size for p, d in zip(files, digests) if d in missing)
    sent = 0
    for path, digest in zip(files, digests):
        if digest not in missing:
            continue
        missing.discard(digest)  # the same file twice (a reference equal to the model) travels once
        token = uuid.uuid4().hex
        with open(path, "rb") as handle:
            offset = 0
            for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
                client.run(on_target.put_chunk, digest, token, offset, chunk, workers=[address])
                offset += len(chunk)
                sent += len(chunk)
                if progress is not None and total:
                    progress(None, f"Sending the model and its data: {sent >> 20}/{total >> 20} MB")
        if not client.run(on_target.finish_blob, digest, token, workers=[address])[address]:
            raise UserError(f"{path.name} arrived damaged on the target (checksum differs).", "Run the job again.")
    return digests, sent


def send_model(client: Any, address: str, xml_path: Path,
               progress: Callable[[float | None, str], None] | None = None) -> tuple[str, int]:
    """Put the IR on the target (only the blobs it lacks); returns (model key, bytes sent)."""
    xml_path = Path(xml_path)
    digests, sent = send_files(client, address, [xml_path, xml_path.with_suffix(".bin")], progress)
    key = client.run(on_target.materialize_model, digests[0], digests[1], workers=[address])[address]
    return key, sent


def send_travelling(client: Any, address: str, kwargs: dict[str, Any],
                    progress: Callable[[float | None, str], None] | None = None) -> tuple[dict[str, Any], int]:
    """The adapter's arguments with each `Travels` file sent and replaced by its marker."""
    sent = 0
    replaced = dict(kwargs)
    for key, value in kwargs.items():
        if not isinstance(value, Travels):
            continue
        if value.model:
            model_key, count = send_model(client, address, value.path, progress)
            replaced[key] = on_target.MODEL_MARK + model_key
        else:
            (digest,), count = send_files(client, address, [Path(value.path)], progress)
            replaced[key] = on_target.BLOB_MARK + digest
        sent += count
    return replaced, sent


def device_resources(device: str, resources: dict[str, Any]) -> dict[str, float]:
    """The target's `device-*` resources a (possibly virtual) device name occupies.

    "GPU" is GPU.0 when the target lists numbered GPUs; AUTO/MULTI without a list take every
    device of the target; a device the target lacks is a UserError naming what it has."""
    present = [r.removeprefix("device-") for r in resources if str(r).startswith("device-")]
    head, _, rest = device.partition(":")
    listed = [d.strip() for d in rest.split(",") if d.strip()] if head.upper() in VIRTUAL_DEVICES else [device]
    if head.upper() in VIRTUAL_DEVICES and not listed:
        listed = present
    wanted = []
    for name in listed:
        if name in present:
            wanted.append(name)
        elif f"{name}.0" in present:
            wanted.append(f"{name}.0")
        else:
            raise UserError(f"This target has no {name}.", f"Devices there: {', '.join(present) or 'none'}.")
    return {f"device-{name}": 1 for name in wanted}


def _check_portable(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The settings as they may travel: no app path, no database URL, no dataset of the app's."""
    settings = dict(kwargs.get("settings") or {})
    if str(settings.get("input", "random")) not in ("", "random", "None") and not isinstance(kwargs.get("samples"), Travels):
        raise ValueError("a dataset input on a target needs its samples packed (samples=Travels(pack))")
    settings.pop("cache_dir", None)  # an app path; `cache` uses the target's own model cache
    portable = {**kwargs, "settings": settings} if "settings" in kwargs else dict(kwargs)
    app = get_settings()
    forbidden = [str(app.workspace), app.database_url]

    def walk(value: Any) -> None:
        if isinstance(value, Travels):
            return  # sent as a file, replaced by the target's own path
        if isinstance(value, str) and any(f and f in value for f in forbidden):
            raise UserError("A setting names a path of the app's workspace, which a target cannot see.",
                            "Remove that setting for a remote run.")
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(portable)
    return portable


def _lost(name: str) -> UserError:
    when = mark_lost(name)
    return UserError(f"Target {name} lost at {when:%Y-%m-%d %H:%M:%S} UTC.", LOST_HINT)


def measure_remote(ctx: Any, function: Callable[..., dict[str, Any]], xml_path: Path, device: str,
                   kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run `function` (an adapter of runner.ALLOWED_FUNCTIONS) on target `ctx.host`; its metrics dict."""
    name = ctx.host
    entry = f"{function.__module__}:{function.__name__}"
    if entry not in ALLOWED_FUNCTIONS:
        raise ValueError(f"{entry} is not a measurement a target runs")
    portable = _check_portable(kwargs)
    client = cluster_client()
    worker = target_workers(client).get(name)
    if worker is None:
        raise UserError(f"Target {name} is not connected.",
                        f"Start `python -m core target join ... --name {name}` on that machine, or pick another target.")
    address = worker["address"]
    resources = device_resources(device, worker["resources"])
    ctx.progress(0.0, f"Sending the model to {name}", force=True)
    started = time.monotonic()
    try:
        model_key, sent = send_model(client, address, Path(xml_path), ctx.progress)
        portable, extra_sent = send_travelling(client, address, portable, ctx.progress)
        sent += extra_sent
    except UserError:
        raise
    except Exception:  # noqa: BLE001 - the worker vanished while we sent
        if address not in client.scheduler_info(n_workers=-1)["workers"]:
            raise _lost(name) from None
        raise
    ctx.log("model and data on %s: %.1f MB sent in %.2f s", name, sent / 1e6, time.monotonic() - started)
    run_key = f"ovwb-measure-{ctx.job_id}-{uuid.uuid4().hex[:12]}"
    future = client.submit(on_target.run_measurement, run_key, entry, model_key, device, portable, key=run_key,
                           workers=[address], resources=resources, allow_other_workers=False, pure=False, retries=0)
    said_waiting = False
    try:
        while True:
            try:
                outcome = future.result(timeout=POLL_S)
                break
            except TimeoutError:
                pass
            if address not in client.scheduler_info(n_workers=-1)["workers"]:
                raise _lost(name)
            try:
                status = client.run(on_target.read_run, run_key, workers=[address],
                                    on_error="return")[address]
            except Exception:  # noqa: BLE001 - it left between the two calls
                status = {}
            if isinstance(status, BaseException):
                status = {}
            if status.get("started"):
                if said_waiting:
                    ctx.resume_running(f"{device} on {name} is free, starting")
                said_waiting = False
                if status.get("message"):
                    ctx.progress(status.get("fraction"), f"{status['message']} (on {name})")
                else:
                    ctx.check_cancelled()
            elif status == {"started": False} and not said_waiting:
                # Dask holds the task until the target's device-<DEV> resource is free: say so, queued.
                ctx.wait_queued(f"Waiting for {device} on {name}: another measurement is using it")
                said_waiting = True
            else:
                ctx.check_cancelled()
    except BaseException:
        # Cancel, SIGTERM from the supervisor, or a lost target: stop whatever runs there.
        try:
            future.cancel()
            if address in client.scheduler_info(n_workers=-1)["workers"]:
                client.run(on_target.stop_run, run_key, workers=[address], on_error="return")
        except Exception:  # noqa: BLE001 - best effort: the target may be gone
            pass
        raise
    for line in (outcome.get("log_tail") or "").splitlines()[-40:]:
        ctx.log("[%s] %s", name, line)
    result = outcome.get("result")
    if not result:
        message, hint = crash_reason(int(outcome.get("returncode") or 1))
        raise UserError(f"On target {name}: {message}", hint)
    if not result.get("ok"):
        raise UserError(result.get("error") or f"The measurement failed on target {name}.", result.get("hint"))
    metrics = dict(result["metrics"])
    machine = {**(outcome.get("machine") or {}), "target": name}
    metrics["target"] = {"name": name, "machine": machine, "model_bytes_sent": sent}
    ctx.measured_on = machine
    return metrics
