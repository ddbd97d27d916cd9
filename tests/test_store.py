"""The database and workspace: real SQLite files and a real PostgreSQL server (tests/postgres.py),
restarts, concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path

import onnx
import openvino as ov
import pytest

from core.errors import UserError
from core.store import Dataset, Job, Model, Result, Variant, reset_engine, session_scope
from core.variants import create_model, get_variant, list_models, register_variant
from core.workspace import new_artifact_dir, remove_artifact_dir, resolve, to_relative

pytestmark = pytest.mark.both_stores


def _tiny_ir(folder: Path) -> Path:
    from openvino import opset13 as ops

    x = ops.parameter([1, 4], ov.Type.f32, name="x")
    y = ops.relu(ops.add(x, ops.constant([[1.0, 2.0, 3.0, 4.0]], ov.Type.f32)))
    path = folder / "tiny.xml"
    ov.save_model(ov.Model([y], [x], "tiny"), str(path))
    return path


def test_variants_with_lineage_survive_a_restart(workspace: Path) -> None:
    model_id = create_model("tiny", "ir", task="other")
    folder = new_artifact_dir("models")
    parent = register_variant(model_id, _tiny_ir(folder), "FP32", "imported", params={"a": 1})
    child_dir = new_artifact_dir("models")
    child = register_variant(model_id, _tiny_ir(child_dir), "FP16", "fp16", parent_id=parent, params={"compress_to_fp16": True})

    reset_engine()  # as if the process restarted: nothing cached in memory
    (model,) = list_models()
    assert [v.precision for v in model.variants] == ["FP32", "FP16"]
    variant = get_variant(child)
    assert variant.parent_id == parent and variant.params == {"compress_to_fp16": True}
    assert resolve(variant.xml_path).is_file() and not Path(variant.xml_path).is_absolute()
    assert variant.size_bytes > 0


def test_register_variant_refuses_an_ir_without_bin(workspace: Path) -> None:
    model_id = create_model("tiny", "ir")
    xml = _tiny_ir(new_artifact_dir("models"))
    xml.with_suffix(".bin").unlink()
    with pytest.raises(UserError, match="incomplete"):
        register_variant(model_id, xml, "FP32", "imported")
    with session_scope() as s:
        assert s.query(Variant).count() == 0


def test_artifacts_get_generated_names_inside_the_workspace(workspace: Path) -> None:
    a, b = new_artifact_dir("uploads"), new_artifact_dir("uploads")
    assert a != b and a.parent == b.parent == workspace / "uploads"
    assert to_relative(a).startswith("uploads/")
    with pytest.raises(ValueError):
        new_artifact_dir("../etc")
    outside = workspace.parent / "outside"
    outside.mkdir()
    remove_artifact_dir(outside)  # refuses silently: not inside the workspace
    assert outside.exists()


def test_concurrent_writers_do_not_lock_each_other_out(workspace: Path) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(30):
                with session_scope() as s:
                    s.add(Result(kind="benchmark", device="CPU", metrics={"writer": n, "i": i}))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with session_scope() as s:
        assert s.query(Result).count() == 120


def test_json_columns_round_trip(workspace: Path) -> None:
    with session_scope() as s:
        s.add(Dataset(name="d", kind="npz", path="datasets/x/d.npz", classes=["a", "b"], info={"inputs": {"x": [1, 3]}}))
        s.add(Model(name="m", source_format="onnx", labels=["cat"], info={"k": [1, 2]}))
    reset_engine()
    with session_scope() as s:
        assert s.query(Dataset).one().info == {"inputs": {"x": [1, 3]}}
        assert s.query(Model).one().labels == ["cat"]
    assert onnx.__version__  # the onnx wheel is part of the runtime set


def test_state_written_by_one_process_is_read_back_by_a_new_one(workspace: Path) -> None:
    """A restart for real: another Python process (the CLI) reads what this one stored."""
    import json
    import os
    import subprocess
    import sys

    model_id = create_model("restart-me", "ir", task="other")
    register_variant(model_id, _tiny_ir(new_artifact_dir("models")), "FP32", "imported", params={"why": "restart"})
    reset_engine()
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    shown = subprocess.run([sys.executable, "-m", "core", "models", "--json"], env=env, cwd=str(root),
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    (model,) = json.loads(shown.stdout)["items"]
    assert model["name"] == "restart-me" and [v["precision"] for v in model["variants"]] == ["FP32"]


def test_non_finite_floats_in_json_columns_round_trip(workspace: Path) -> None:
    """Metrics hold inf (the SNR of identical outputs) and NaN; PostgreSQL's JSON refuses both."""
    import math

    metrics = {"snr_db": math.inf, "low": -math.inf, "cosine": math.nan, "layers": [{"snr": math.inf}], "fps": 12.5}
    with session_scope() as s:
        s.add(Result(kind="analysis", metrics=metrics, config={"text": "NaN", "$float": "as given"},
                     machine={"$float": "not a number"}))
    reset_engine()
    with session_scope() as s:
        row = s.query(Result).one()
        assert row.metrics["snr_db"] == math.inf and row.metrics["low"] == -math.inf
        assert math.isnan(row.metrics["cosine"]) and row.metrics["layers"] == [{"snr": math.inf}]
        assert row.metrics["fps"] == 12.5
        assert row.config == {"text": "NaN", "$float": "as given"}  # strings stay strings
        assert row.machine == {"$float": "not a number"}


def test_a_database_an_older_version_made_gets_its_new_columns(workspace: Path) -> None:
    """`_add_missing_columns` on either store: a column dropped as if an older version had
    made the table comes back (nullable), and rows written before keep their values."""
    from sqlalchemy import inspect, text

    from core.jobs.api import create_job
    from core.store.db import get_engine

    job_id = create_job("test", "tests.jobfns:count", {"n": 1})
    with get_engine().begin() as connection:
        connection.execute(text("ALTER TABLE jobs DROP COLUMN process"))
    reset_engine()
    from core.store import init_db

    engine = init_db()
    columns = {c["name"] for c in inspect(engine).get_columns("jobs")}
    assert "process" in columns
    with session_scope() as s:
        job = s.get(Job, job_id)
        assert job.params == {"n": 1} and job.process is None
    assert create_job("test", "tests.jobfns:count") == job_id + 1


def test_database_clock_is_utc_whatever_the_server_time_zone(workspace: Path) -> None:
    """db_now reads the server's clock (PostgreSQL's test server runs at UTC+14) as naive UTC."""
    from core.store import db_now
    from core.store.models import utcnow

    with session_scope() as s:
        first = db_now(s)
        second = db_now(s)  # within one transaction: still the clock, not the transaction start
    assert first.tzinfo is None
    assert abs((first - utcnow()).total_seconds()) < 5
    assert second >= first


def test_a_plain_postgresql_url_works_and_its_password_is_never_shown(postgres_server, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`postgresql://` (what psql and hosting panels write) means the pinned psycopg 3 driver; a
    wrong password is a UserError that names the server, never the password."""
    from core.config import get_settings, masked_url

    monkeypatch.setenv("OVWB_WORKSPACE", str(tmp_path / "workspace"))
    name = postgres_server.new_database()
    try:
        plain = postgres_server.url(name, driver="postgresql")
        monkeypatch.setenv("OVWB_DATABASE_URL", plain)
        assert get_settings().database_url.startswith("postgresql+psycopg://")
        reset_engine()
        create_model("plain-url", "onnx")
        assert [m.name for m in list_models()] == ["plain-url"]
        assert postgres_server.password not in masked_url(get_settings().database_url)
        from core.system_info import store_summary  # what `python -m core info` prints

        summary = store_summary()
        assert summary["kind"] == "postgresql" and postgres_server.password not in repr(summary)
        assert "ovwb:***@127.0.0.1" in summary["database"]
        from core.config import DatabaseUrl  # how the URL travels in a Dask task's arguments

        assert postgres_server.password not in repr(DatabaseUrl(plain)) + str(DatabaseUrl(plain))

        wrong = plain.replace(postgres_server.password, "not-the-password")
        monkeypatch.setenv("OVWB_DATABASE_URL", wrong)
        with pytest.raises(UserError) as raised:
            list_models()
        said = f"{raised.value} {raised.value.hint}"
        assert "not-the-password" not in said and "***" in said and "password authentication failed" in said
    finally:
        reset_engine()
        postgres_server.drop_database(name)


def test_long_names_and_multi_gigabyte_sizes_fit(workspace: Path) -> None:
    """SQLite ignores VARCHAR lengths and stores 64-bit integers; PostgreSQL enforces both: a
    file name longer than 200 characters or an IR over 2 GiB (an LLM) must fit there too."""
    name = "a-model-exported-by-a-tool-that-likes-long-names-" * 10
    with session_scope() as s:
        model = Model(name=name, source_format="onnx")
        s.add(model)
        s.flush()
        s.add(Variant(model_id=model.id, name=name, precision="INT4", method="compressed", xml_path="m/x.xml",
                      bin_path="m/x.bin", size_bytes=7 * 1024**3))
        s.add(Result(kind="benchmark", device="HETERO:" + ",".join(["GPU.0", "GPU.1", "NPU", "CPU"] * 8)))
    reset_engine()
    with session_scope() as s:
        assert s.query(Model).one().name == name
        assert s.query(Variant).one().size_bytes == 7 * 1024**3


def test_processes_opening_a_fresh_postgresql_database_at_once_all_succeed(postgres_server, tmp_path: Path) -> None:
    """The app, its Dask workers and the CLI may all open a new server database in the same
    second: the tables are made under an advisory lock, so no process sees "already exists"."""
    import os
    import subprocess
    import sys

    name = postgres_server.new_database()
    try:
        root = Path(__file__).resolve().parents[1]
        env = dict(os.environ, PYTHONPATH=str(root), OVWB_WORKSPACE=str(tmp_path / "workspace"),
                   OVWB_DATABASE_URL=postgres_server.url(name))
        script = "import sys, time; time.sleep(float(sys.argv[1]) - time.time()); from core.store import init_db; init_db()"
        import time

        at = str(time.time() + 4)  # all of them past their imports, then at the same moment
        runs = [subprocess.Popen([sys.executable, "-c", script, at], env=env, cwd=str(root), stderr=subprocess.PIPE,
                                 text=True) for _ in range(4)]
        errors = [run.communicate(timeout=120)[1] for run in runs]
        assert [run.returncode for run in runs] == [0] * 4, errors
    finally:
        postgres_server.drop_database(name)
