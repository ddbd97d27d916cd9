"""Issue 13: remote targets on the app's Dask cluster — real processes, nothing mocked.

The app's cluster listens with mutual TLS on 127.0.0.1 (certificates made by the test), and
targets join with `python -m core target join` as separate processes, each with its own work
folder outside the app's workspace and no database; one is pinned to a single core
(`taskset -c 0`), so its figures differ. Jobs run on the app host and measure on the targets.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmark_models import conv_net

ROOT = Path(__file__).resolve().parents[1]
JOIN_TIMEOUT_S = 90
LEASE_S = 15  # a measurement nobody asks about for this long is stopped on the target (app polls every 2 s)
# f32 compute where figures are compared (the device default may be bf16 on one CPU, f32 on another).
F32 = {"device": "CPU", "infer_precision": "f32", "hint": "throughput"}


def run_coroutine(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: earlier tests in the session (Playwright's sync API) may
    leave an event loop running in this thread, where asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _target_env() -> dict[str, str]:
    """A target's environment: nothing of the app's (no workspace, no database, no scheduler)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVWB_")}
    env["PYTHONPATH"] = str(ROOT)
    env["OVWB_TARGET_LEASE_S"] = str(LEASE_S)
    return env


class Target:
    """One `python -m core target join` process with its own folder."""

    def __init__(self, name: str, address: str, bundle: Path, folder: Path, pin_core: int | None = None) -> None:
        self.name, self.address, self.bundle, self.folder, self.pin_core = name, address, bundle, folder, pin_core
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.folder.with_name(self.folder.name + ".log")

    def start(self) -> Target:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "core", "target", "join", self.address, "--name", self.name,
                   "--certs", str(self.bundle), "--dir", str(self.folder)]
        if self.pin_core is not None:
            command = ["taskset", "-c", str(self.pin_core), *command]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=_target_env(),
                                            cwd=str(self.folder), start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL the whole target (the worker and its measuring child): a machine pulled off the network."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def runner_pids(parent: int) -> set[int]:
    """The measuring children (core.targets.runner) of a target's process."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and "core.targets.runner" in command:
            found.add(int(entry.name))
    return found


def _states() -> dict[str, dict[str, Any]]:
    from core.targets import list_targets

    return {t["name"]: t for t in list_targets()}


def wait_state(name: str, state: str, timeout_s: float = JOIN_TIMEOUT_S, target: Target | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        seen = _states().get(name) or {}
        if seen.get("state") == state:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"{name} not {state} after {timeout_s} s: {seen.get('state')}\n{target.log() if target else ''}")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app side: a workspace, certificates, and its cluster listening on tls://127.0.0.1."""
    from core.jobs.cluster import get_client, shutdown_client
    from core.store import init_db
    from core.targets import create_certs

    base = tmp_path_factory.mktemp("targets")
    workspace = base / "workspace"
    port = _free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OVWB_WORKSPACE", str(workspace))
        patch.setenv("OVWB_NO_SAMPLE", "1")
        patch.setenv("OVWB_DASK_WORKERS", "1")
        patch.setenv("OVWB_CLUSTER_LISTEN", f"tls://127.0.0.1:{port}")
        patch.delenv("OVWB_DATABASE_URL", raising=False)
        patch.delenv("OVWB_DASK_SCHEDULER", raising=False)
        patch.delenv("OVWB_CLUSTER_INSECURE", raising=False)
        init_db()
        made = create_certs()
        # The bundle as a user copies it to a lab machine: outside the app's workspace.
        bundle = base / "lab" / "bundle"
        shutil.copytree(made["target_bundle"], bundle)
        shutdown_client()
        from core.targets import start_listening

        state = start_listening()  # as the app does at startup: targets may join before the first job
        assert state is not None and state["listen"] == f"tls://127.0.0.1:{port}" and not state["insecure"]
        client = get_client()
        targets: list[Target] = []
        try:
            yield {"base": base, "workspace": workspace, "address": f"tls://127.0.0.1:{port}", "bundle": bundle,
                   "client": client, "targets": targets, "certs": Path(made["folder"])}
        finally:
            for target in targets:
                target.stop()
            shutdown_client()


def new_target(app: dict[str, Any], name: str, pin_core: int | None = None) -> Target:
    target = Target(name, app["address"], app["bundle"], app["base"] / "lab" / name, pin_core)
    app["targets"].append(target)
    return target.start()


@pytest.fixture(scope="module")
def two_targets(app: dict[str, Any]) -> dict[str, Target]:
    """"fast" (every core) and "slow" (pinned to core 0), joined and reported."""
    fast = new_target(app, "fast")
    slow = new_target(app, "slow", pin_core=0)
    wait_state("fast", "online", target=fast)
    wait_state("slow", "online", target=slow)
    return {"fast": fast, "slow": slow}


@pytest.fixture(scope="module")
def variant(app: dict[str, Any]) -> int:
    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    folder = new_artifact_dir("models")
    xml = conv_net(folder, "net", dynamic_batch=False, size=64)
    model_id = create_model("conv net", "ir", task="classification")
    return register_variant(model_id, xml, precision="FP32", method="imported")


def _benchmark(variant_id: int, host: str, settings: dict[str, Any], wait: bool = True) -> Any:
    from core.benchmark.requests import BenchmarkRequest
    from core.jobs import submit_job, wait_for_job

    # The request's job as a page submits it, unchecked: some tests send it to a target that is gone.
    spec = BenchmarkRequest(**settings, variant_id=variant_id, target=host).job()
    job_id = submit_job(spec.kind, spec.entrypoint, spec.params, target="net", variant_id=variant_id, host=spec.host)
    return wait_for_job(job_id, timeout_s=240) if wait else job_id


def _run(spec: Any) -> Any:
    """A request's job run inline (the CLI's way), returning the job row whatever its end."""
    from core.jobs import run_job_inline

    return run_job_inline(spec.kind, spec.entrypoint, spec.params, target=spec.target, variant_id=spec.variant_id,
                          host=spec.host, timeout_s=240)


def benchmark_result(variant_id: int, host: str, settings: dict[str, Any]) -> int:
    """One benchmark request run inline on `host` ("" = this machine); the stored result's id."""
    from core.benchmark.requests import BenchmarkRequest

    job = _run(BenchmarkRequest(**settings, variant_id=variant_id, target=host).job())
    assert job.state == "done", (host, job.error, job.error_hint)
    return int(job.result["id"])


def test_certificates_are_private_and_signed_by_the_cluster_ca(app: dict[str, Any]) -> None:
    from cryptography import x509

    certs: Path = app["certs"]
    for path in [certs, certs / "target", *certs.rglob("*.pem")]:
        assert (path.stat().st_mode & 0o777) == (0o700 if path.is_dir() else 0o600), path
    ca = x509.load_pem_x509_certificate((certs / "ca.pem").read_bytes())
    for leaf in (certs / "scheduler.pem", certs / "target" / "target.pem"):
        cert = x509.load_pem_x509_certificate(leaf.read_bytes())
        cert.verify_directly_issued_by(ca)
    from core.errors import UserError
    from core.targets import create_certs

    with pytest.raises(UserError, match="already exist"):  # never silently lock out joined targets
        create_certs()


def test_targets_join_report_their_host_and_list_from_the_cli(app: dict[str, Any], two_targets: dict[str, Target]) -> None:
    states = _states()
    assert list(states)[0] == "local" and states["local"]["state"] in ("online", "busy")
    for name in ("fast", "slow"):
        info = states[name]["info"]
        assert states[name]["state"] == "online" and not states[name]["insecure"]
        assert "CPU" in states[name]["devices"]
        assert info["machine"]["cpu"] and info["memory_mb"] and info["machine"]["openvino"]
        assert info["cpu_flags"] and info["resources"] == {"device-CPU": 1}
        cpu = next(d for d in info["devices"] if d["device"] == "CPU")
        assert cpu["properties"]["FULL_DEVICE_NAME"]
    assert states["slow"]["info"]["usable_cpus"] == 1
    assert states["fast"]["info"]["usable_cpus"] == len(os.sched_getaffinity(0))
    # The CLI (another process) reaches the same scheduler with the app's certificates.
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "core", "target", "list", "--json"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = {item["name"]: item["state"] for item in json.loads(done.stdout)["items"]}
    assert listed["fast"] == "online" and listed["slow"] == "online" and "local" in listed
    # Nothing of the app's reached the targets' folders: their own model cache and work only.
    for target in two_targets.values():
        assert {p.name for p in target.folder.iterdir()} <= {"blobs", "models", "runs", "workspace", "dask"}


def test_the_same_model_measured_on_each_target(app: dict[str, Any], two_targets: dict[str, Target],
                                                variant: int) -> None:
    from core.benchmark.results import get_result

    settings = {**F32, "duration_s": 4, "nthreads": None}
    jobs = {name: _benchmark(variant, name, settings) for name in ("fast", "slow")}
    results = {}
    for name, job in jobs.items():
        assert job.state == "done", (name, job.error, job.error_hint)
        assert job.host == name
        row = get_result(job.result["id"])
        assert row.machine["target"] == name, row.machine
        assert row.metrics["target"]["name"] == name
        assert row.metrics["compute_precision"] == "f32"
        assert row.metrics["precision_label"] == "FP32 weights · f32 compute"
        results[name] = row
    # The model travelled once per target; a second run sends nothing.
    assert results["fast"].metrics["target"]["model_bytes_sent"] > 0
    again = _benchmark(variant, "fast", {**settings, "duration_s": 1})
    assert again.state == "done", again.error
    assert get_result(again.result["id"]).metrics["target"]["model_bytes_sent"] == 0
    fps = {name: row.metrics["throughput_fps"] for name, row in results.items()}
    print("FPS per target:", fps)
    if len(os.sched_getaffinity(0)) > 1:
        assert fps["fast"] > fps["slow"] * 1.15, fps  # one core against all of them


def test_one_measurement_per_device_per_target_and_cancel(app: dict[str, Any], two_targets: dict[str, Target],
                                                           variant: int) -> None:
    from core.jobs import cancel_job, get_job, wait_for_job

    first = _benchmark(variant, "slow", {**F32, "duration_s": 20}, wait=False)
    second = _benchmark(variant, "slow", {**F32, "duration_s": 2}, wait=False)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        a, b = get_job(first), get_job(second)
        if "Measuring" in (a.message or "") and "Waiting for CPU on slow" in (b.message or ""):
            break
        time.sleep(0.5)
    else:
        raise AssertionError((a.message, b.message))
    assert _states()["slow"]["state"] == "busy"
    measuring = runner_pids(two_targets["slow"].process.pid)
    assert len(measuring) == 1, measuring  # one measurement on the device; the other waits in Dask
    cancel_job(first)
    assert wait_for_job(first, timeout_s=60).state == "cancelled"
    deadline = time.monotonic() + 20
    while measuring & runner_pids(two_targets["slow"].process.pid):  # the remote child was stopped
        assert time.monotonic() < deadline, "the cancelled job's measurement still runs on the target"
        time.sleep(0.3)
    done = wait_for_job(second, timeout_s=120)  # the device is free again: the waiting one runs
    assert done.state == "done", (done.error, done.error_hint)
    wait_state("slow", "online", timeout_s=30)


def test_a_target_killed_mid_job_fails_the_job_and_shows_lost_then_rejoins(app: dict[str, Any], variant: int) -> None:
    from core.jobs import get_job, wait_for_job

    doomed = new_target(app, "doomed")
    wait_state("doomed", "online", target=doomed)
    job_id = _benchmark(variant, "doomed", {**F32, "duration_s": 60}, wait=False)
    deadline = time.monotonic() + 120
    while "Measuring" not in (get_job(job_id).message or ""):
        assert time.monotonic() < deadline, get_job(job_id).message
        time.sleep(0.5)
    doomed.kill()
    job = wait_for_job(job_id, timeout_s=60)
    assert job.state == "failed", (job.state, job.error)
    assert job.error.startswith("Target doomed lost at "), job.error
    assert "target join" in job.error_hint
    lost = wait_state("doomed", "lost", timeout_s=30)
    assert lost["lost_at"]
    from core.errors import UserError
    from core.targets import forget_target

    assert forget_target("nowhere") == {"name": "nowhere", "forgotten": False}
    doomed.start()  # the same command again: it comes back
    back = wait_state("doomed", "online", target=doomed)
    assert back["lost_at"] is None

    # The other way round: the job's process on the app host dies (SIGKILL) mid-measurement.
    # Nobody asks about that measurement any more, so the target stops it (no orphan holding the device).
    job_id = _benchmark(variant, "doomed", {**F32, "duration_s": 120}, wait=False)
    deadline = time.monotonic() + 120
    while "Measuring" not in (get_job(job_id).message or ""):
        assert time.monotonic() < deadline, get_job(job_id).message
        time.sleep(0.5)
    measuring = runner_pids(doomed.process.pid)
    assert len(measuring) == 1, measuring
    os.kill(int(get_job(job_id).process["child"]["pid"]), signal.SIGKILL)
    assert wait_for_job(job_id, timeout_s=60).state == "failed"
    deadline = time.monotonic() + LEASE_S + 30
    while measuring & runner_pids(doomed.process.pid):
        assert time.monotonic() < deadline, "the orphaned measurement still runs on the target"
        time.sleep(0.5)
    wait_state("doomed", "online", timeout_s=30)
    with pytest.raises(UserError, match="is connected"):
        forget_target("doomed")
    doomed.stop()
    wait_state("doomed", "lost", timeout_s=30)
    assert forget_target("doomed") == {"name": "doomed", "forgotten": True}
    assert "doomed" not in _states()


def test_only_holders_of_the_cluster_certificates_connect(app: dict[str, Any], two_targets: dict[str, Target]) -> None:
    from distributed import Client
    from distributed.security import Security

    from core.cluster.certs import create_certs

    from core.cluster.certs import target_security

    address = app["address"]
    attempts = {
        "plain tcp": (address.replace("tls://", "tcp://"), None),
        "tls without a certificate": (address, None),
        "tls with another key pair": (address, Security.temporary()),
        # A target's bundle joins as a worker, never as a client that submits code to the app host.
        "a target's certificate as a client": (address, target_security(app["bundle"])),
    }
    for label, (where, security) in attempts.items():
        ran = None
        try:  # what an intruder would do: connect and run code
            intruder = Client(where, security=security, timeout="5s", set_as_default=False)
            ran = intruder.submit(sum, [1, 2]).result(timeout=5)
        except BaseException as exc:  # noqa: BLE001 - each refusal has its own type (OSError, PermissionError, ...)
            print(f"{label}: refused ({type(exc).__name__}: {str(exc)[:120]})")
        assert ran is None, label
    # One target cannot ask another anything (run code there): a target's worker answers the app side only.
    from distributed.core import rpc

    fast_address = _states()["fast"]["address"]

    async def ask(security: Security) -> Any:
        async with rpc(fast_address, connection_args=security.get_connection_args("client"), timeout=10) as peer:
            return await peer.identity()

    with pytest.raises(Exception, match="not allowed"):
        run_coroutine(ask(target_security(app["bundle"])))
    from core.cluster.certs import app_security

    assert run_coroutine(ask(app_security(app["certs"])))["type"] == "Worker"  # the app side is answered
    # The target bundle cannot make a worker that would receive the app's own work (job
    # supervisors carry the database URL): only ovwb-target:* names with device resources register.
    from distributed import Worker

    async def rogue_worker(name: str, resources: dict[str, float]) -> None:
        worker = Worker(address, name=name, resources=resources, security=target_security(app["bundle"]), nthreads=1,
                        dashboard_address="127.0.0.1:0", memory_limit=0)
        try:
            await asyncio.wait_for(worker, 15)
        finally:
            await worker.close()

    from core.jobs.cluster import APP_RESOURCE

    for name, resources in (("ovwb-target:evil", {APP_RESOURCE: 1000}), ("plain-worker", {"device-CPU": 1})):
        with pytest.raises(Exception):  # noqa: PT011 - refused registration (its type is Dask's)
            run_coroutine(rogue_worker(name, resources))
    assert "evil" not in _states()
    # A would-be target with a bundle of another CA never joins.
    other = Path(create_certs(app["base"] / "other-ca")["target_bundle"])
    rogue = Target("rogue", address, other, app["base"] / "lab" / "rogue").start()
    try:
        time.sleep(8)
        assert "rogue" not in _states()
        assert "joined" not in rogue.log(), rogue.log()[-2000:]
    finally:
        rogue.kill()


def test_plain_tcp_off_loopback_is_refused_without_insecure(app: dict[str, Any]) -> None:
    from core.errors import UserError
    from core.cluster.address import check_address

    with pytest.raises(UserError, match="Plain tcp:// on 0.0.0.0 is refused"):
        check_address("tcp://0.0.0.0:8786")
    assert check_address("tcp://127.0.0.1:8786").insecure  # loopback: allowed, and recorded as insecure
    assert check_address("tcp://0.0.0.0:8786", insecure=True).host == "0.0.0.0"
    env = dict(_target_env())
    done = subprocess.run([sys.executable, "-m", "core", "target", "join", "tcp://192.0.2.10:8786", "--name", "x",
                           "--dir", str(app["base"] / "lab" / "x"), "--json"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert "refused" in json.loads(done.stdout.splitlines()[0])["error"]
    # The app side too: a cluster that would listen on plain tcp off loopback never starts.
    env = dict(os.environ, OVWB_CLUSTER_LISTEN="tcp://0.0.0.0:0", PYTHONPATH=str(ROOT))
    code = "from core.jobs.cluster import get_client\nget_client()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode != 0 and "Plain tcp:// on 0.0.0.0 is refused" in done.stderr


def test_profile_and_sweep_on_a_target_store_their_rows_here(app: dict[str, Any], two_targets: dict[str, Target],
                                                            variant: int) -> None:
    from core.benchmark.requests import ProfileRequest, SweepRequest
    from core.benchmark.results import get_result
    from core.store import Result, session_scope

    profile = _run(ProfileRequest(**F32, variant_id=variant, iterations=5, repeats=2, target="slow").job())
    assert profile.state == "done", (profile.error, profile.error_hint)
    row = get_result(profile.result["id"])
    assert row.kind == "profile" and row.machine["target"] == "slow" and row.metrics["layers"]
    sweep = _run(SweepRequest(**F32, duration_s=1, variant_id=variant, nstreams_values=[1, 2], target="fast").job())
    assert sweep.state == "done", (sweep.error, sweep.error_hint)
    with session_scope() as s:
        rows = [r for r in s.query(Result).filter(Result.job_id == sweep.id)]
    assert sorted(r.kind for r in rows) == ["benchmark", "benchmark", "sweep"]
    assert {r.machine["target"] for r in rows} == {"fast"}
    summary = next(r for r in rows if r.kind == "sweep")
    assert [p["result_id"] for p in summary.metrics["points"]] == sorted(r.id for r in rows if r.kind == "benchmark")
    assert "point_runs" not in summary.metrics


@pytest.fixture(scope="module")
def classifier(app: dict[str, Any]) -> dict[str, Any]:
    """A trained classifier (FP32 parent, FP16 child) and labelled photos, in the app's workspace."""
    import openvino as ov
    from orientation_data import ORIENTATION_HINTS, orientation_ir, photo_paths, write_rotated_dataset

    from core.datasets import import_dataset, spec_from_model
    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    folder = new_artifact_dir("models")
    fp32 = orientation_ir(folder)
    fp16 = folder / "orientation_fp16.xml"
    ov.save_model(ov.Core().read_model(fp32), str(fp16), compress_to_fp16=True)
    model_id = create_model("orientation", "onnx", task="classification")
    parent = register_variant(model_id, fp32, "FP32", "converted", name="FP32")
    child = register_variant(model_id, fp16, "FP16", "fp16", name="FP16", parent_id=parent)
    photos = write_rotated_dataset(app["base"] / "photos", photo_paths()[:3])
    spec = spec_from_model(ov.Core().read_model(fp32), ORIENTATION_HINTS)
    return {"parent": parent, "child": child, "dataset": import_dataset(photos), "spec": spec.to_dict()}


def test_accuracy_on_a_target_is_the_figure_measured_here(app: dict[str, Any], two_targets: dict[str, Target],
                                                          classifier: dict[str, Any]) -> None:
    """The dataset's samples (packed) and the reference travel with the model; the figure is the
    local one (f32 on both machines), the row names the target, and a second run sends nothing."""
    from core.accuracy.requests import AccuracyRequest
    from core.store import Result, session_scope

    def accuracy(target: str) -> Any:
        request = AccuracyRequest(variant_id=classifier["child"], dataset_id=classifier["dataset"], limit=9,
                                  preprocessing=classifier["spec"], target=target)
        request.check()
        job = _run(request.job())
        assert job.state == "done", (target, job.error, job.error_hint)
        assert (job.host or "") == target
        with session_scope() as s:
            return s.get(Result, job.result["result_id"])

    here, there = accuracy(""), accuracy("fast")
    assert "target" not in (here.machine or {}) and there.machine["target"] == "fast"
    assert there.config["target"] == "fast" and there.config["device"] == "CPU"
    for key in ("metric", "value", "reference_value", "samples", "compute_precision", "preprocessing", "dataset_id"):
        assert there.metrics[key] == here.metrics[key], key
    assert there.metrics["report"]["per_image"] == here.metrics["report"]["per_image"]
    sent = there.metrics["target"]["model_bytes_sent"]
    assert sent > 0  # the FP16 model, its FP32 reference and the pack of 9 photos
    assert accuracy("fast").metrics["target"]["model_bytes_sent"] == 0  # all cached on the target by digest
    # The CLI measures a variant on a target the same way (its job), and refuses a plain file there.
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "core", "accuracy", str(classifier["child"]), "--data", str(classifier["dataset"]),
               "--target", "slow", "--limit", "5", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["target"]["name"] == "slow" and data["samples"] == 5 and len(data["per_image"]) == 5
    assert data["compute_precision"] == "f32" and data["result_id"] and data["job_id"]
    from core.variants import get_variant, variant_xml

    command[4] = str(variant_xml(get_variant(classifier["child"])))
    refused = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=240)
    assert refused.returncode == 2 and "A target measures a workspace variant" in refused.stdout, refused.stdout


def test_a_dataset_input_benchmark_on_a_target(app: dict[str, Any], two_targets: dict[str, Target],
                                               classifier: dict[str, Any]) -> None:
    from core.benchmark.requests import BenchmarkRequest
    from core.benchmark.results import get_result
    from core.errors import UserError

    request = BenchmarkRequest(**F32, duration_s=1, variant_id=classifier["parent"], input="dataset",
                               dataset_id=classifier["dataset"], target="slow")
    request.check()
    job = _run(request.job())
    assert job.state == "done", (job.error, job.error_hint)
    row = get_result(job.result["id"])
    assert row.machine["target"] == "slow" and row.config["input"] == str(classifier["dataset"])
    assert row.metrics["target"]["model_bytes_sent"] > 0 and row.metrics["throughput_fps"] > 0
    with pytest.raises(UserError, match="Target slow has no NPU"):
        BenchmarkRequest(**{**F32, "device": "NPU"}, variant_id=classifier["parent"], target="slow").check()


def test_a_job_on_a_target_that_is_not_connected_says_so(app: dict[str, Any], variant: int) -> None:
    job = _benchmark(variant, "nowhere", {**F32, "duration_s": 1})
    assert job.state == "failed" and job.error == "Target nowhere is not connected.", job.error


def test_plain_tcp_on_loopback_works_and_is_recorded_as_insecure(tmp_path: Path) -> None:
    """A developer's single machine: tcp on 127.0.0.1 without certificates, flagged for the page."""
    code = (
        "import json, subprocess, sys, time\n"
        "from core.store import init_db\n"
        "from core.targets import start_listening, list_targets\n"
        "init_db()\n"
        "state = start_listening()\n"
        "address = state['listen']\n"
        "join = subprocess.Popen([sys.executable, '-m', 'core', 'target', 'join', address, '--name', 'dev',\n"
        f"                         '--dir', {str(tmp_path / 'dev')!r}], stdout=subprocess.DEVNULL)\n"
        "try:\n"
        "    for _ in range(180):\n"
        "        items = {t['name']: t for t in list_targets()}\n"
        "        if items.get('dev', {}).get('state') == 'online':\n"
        "            break\n"
        "        time.sleep(0.5)\n"
        "    print(json.dumps({'state': state, 'dev': items.get('dev', {}).get('state'),\n"
        "                      'dev_insecure': items.get('dev', {}).get('insecure')}))\n"
        "finally:\n"
        "    join.terminate(); join.wait(20)\n"
    )
    env = dict(os.environ, OVWB_WORKSPACE=str(tmp_path / "ws"), OVWB_NO_SAMPLE="1", OVWB_DASK_WORKERS="1",
               OVWB_CLUSTER_LISTEN="tcp://127.0.0.1:0", PYTHONPATH=str(ROOT))
    env.pop("OVWB_CLUSTER_INSECURE", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["state"]["insecure"] is True and seen["state"]["loopback_only"] is True and seen["state"]["certs"] is None
    assert seen["dev"] == "online" and seen["dev_insecure"] is True


def test_a_bundle_made_for_one_target_joins_as_that_target_only(app: dict[str, Any]) -> None:
    from distributed import Worker

    from core.cluster.certs import create_target_bundle, target_security

    made = Path(create_target_bundle("named")["target_bundle"])
    bundle = app["base"] / "lab" / "named-bundle"
    shutil.copytree(made, bundle)
    named = Target("named", app["address"], bundle, app["base"] / "lab" / "named")
    app["targets"].append(named)
    named.start()
    wait_state("named", "online", target=named)

    async def impostor() -> None:
        worker = Worker(app["address"], name="ovwb-target:someone-else", resources={"device-CPU": 1},
                        security=target_security(bundle), nthreads=1, dashboard_address="127.0.0.1:0", memory_limit=0)
        try:
            await asyncio.wait_for(worker, 15)
        finally:
            await worker.close()

    with pytest.raises(Exception):  # noqa: PT011 - refused registration (its type is Dask's)
        run_coroutine(impostor())
    assert "someone-else" not in _states()
    named.stop()


def test_targets_come_back_by_themselves_when_the_app_restarts(app: dict[str, Any],
                                                               two_targets: dict[str, Target]) -> None:
    """Runs last: it restarts the app's cluster on the same address; `target join` rejoins on its own."""
    from core.jobs.cluster import shutdown_client
    from core.targets import start_listening

    shutdown_client()
    time.sleep(1)
    assert start_listening() is not None
    for name, target in two_targets.items():
        wait_state(name, "online", timeout_s=60, target=target)
        assert target.process.poll() is None
