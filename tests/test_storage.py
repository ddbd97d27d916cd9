"""Issue 16 item 4: what uses disk, deleting with dependants, abandoned upload stages, and the
dataset upload that is unpacked by a job and leaves no copy behind.

Real workspace, real IR files (openvino), real benchmark measurements, real jobs, the real CLI
and the Storage page in AppTest through the router.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.benchmark import BenchmarkSettings, run_benchmark, save_result
from core.datasets.uploads import DATASET_UPLOAD_ENTRYPOINT, stage_dataset_upload
from core.errors import UserError
from core.importer import import_paths
from core.jobs import run_job_inline
from core.jobs.api import create_job
from core.storage import delete_item, delete_plan, storage_report, sweep_abandoned
from core.store import Job, Result, Variant, session_scope
from core.variants import get_variant, register_variant, variant_xml
from core.workspace import new_artifact_dir, resolve
from tests.conftest import ROOT, open_page, page_text
from tests.models_onnx import make_tiny_cnn_ir


def _bytes(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths)


def _child(parent_id: int, name: str) -> int:
    """A real FP16 copy of the parent's IR in its own models/ folder, registered as its child."""
    import openvino as ov

    parent = get_variant(parent_id)
    xml = new_artifact_dir("models") / f"{name}.xml"
    ov.save_model(ov.Core().read_model(str(variant_xml(parent))), str(xml), compress_to_fp16=True)
    return register_variant(parent.model_id, xml, "FP16", "fp16", name=name, parent_id=parent_id)


def _benchmark(variant_id: int) -> int:
    settings = BenchmarkSettings.from_params({"duration_s": 0.3, "hint": "latency"})
    xml = variant_xml(get_variant(variant_id))
    return save_result("benchmark", {**settings.to_config(), "model_path": str(xml)}, run_benchmark(xml, settings),
                       variant_id, None, settings.device)


@pytest.fixture
def family(workspace: Path, tmp_path: Path) -> dict[str, int]:
    """An imported IR (FP32, in its upload folder) -> child -> grandchild, each benchmarked."""
    xml = make_tiny_cnn_ir(tmp_path / "ir")
    imported = import_paths([xml, xml.with_suffix(".bin")], name="tiny")
    fp32 = imported["variant_id"]
    child = _child(fp32, "child")
    grandchild = _child(child, "grandchild")
    return {"model": imported["model_id"], "fp32": fp32, "child": child, "grandchild": grandchild,
            "r_fp32": _benchmark(fp32), "r_child": _benchmark(child), "r_grandchild": _benchmark(grandchild)}


def test_report_attributes_space_and_dependants(family: dict[str, int], workspace: Path) -> None:
    report = storage_report()
    variants = {v["id"]: v for v in report["variants"]}
    child_xml = variant_xml(get_variant(family["child"]))
    assert variants[family["child"]]["bytes"] == _bytes(child_xml, child_xml.with_suffix(".bin"))
    assert variants[family["fp32"]]["children"] == [family["child"]]
    assert variants[family["child"]]["children"] == [family["grandchild"]]
    assert variants[family["child"]]["results"] == [family["r_child"]]
    model = next(m for m in report["models"] if m["id"] == family["model"])
    upload = workspace / model["upload_dir"]
    expected = sum(p.stat().st_size for p in upload.rglob("*") if p.is_file()) + variants[family["child"]]["bytes"] \
        + variants[family["grandchild"]]["bytes"]
    assert model["bytes"] == expected and model["variants"] == [family["fp32"], family["child"], family["grandchild"]]
    areas = {a["area"]: a["bytes"] for a in report["areas"]}
    assert areas["models"] == variants[family["child"]]["bytes"] + variants[family["grandchild"]]["bytes"]
    assert report["total_bytes"] >= sum(areas.values())


def test_delete_lists_dependants_first_and_takes_them_only_when_asked(family: dict[str, int], workspace: Path) -> None:
    child_folder = variant_xml(get_variant(family["child"])).parent
    grandchild_folder = variant_xml(get_variant(family["grandchild"])).parent
    with pytest.raises(UserError) as refused:
        delete_item("variant", family["child"])
    assert f"variants #{family['grandchild']}" in refused.value.message
    assert f"#{family['r_child']}" in refused.value.message and f"#{family['r_grandchild']}" in refused.value.message
    assert child_folder.is_dir()  # nothing happened

    # a running job on the grandchild blocks it
    job_id = create_job("benchmark", "tests.jobfns:count", target="grandchild", variant_id=family["grandchild"])
    with session_scope() as s:
        s.get(Job, job_id).state = "running"
    with pytest.raises(UserError, match=f"in use by job\\(s\\) {job_id}"):
        delete_item("variant", family["child"], with_dependants=True)
    with session_scope() as s:
        s.get(Job, job_id).state = "done"

    plan = delete_plan("variant", family["child"])
    assert plan["variants"] == [family["grandchild"], family["child"]]  # deepest first
    assert plan["bytes"] == sum(p.stat().st_size for f in (child_folder, grandchild_folder) for p in f.iterdir())
    done = delete_item("variant", family["child"], with_dependants=True)
    assert done["deleted"] and not child_folder.exists() and not grandchild_folder.exists()
    with session_scope() as s:
        assert s.get(Variant, family["child"]) is None and s.get(Variant, family["grandchild"]) is None
        assert s.get(Result, family["r_child"]) is None and s.get(Result, family["r_fp32"]) is not None
        assert s.get(Job, job_id).variant_id is None  # the job's history stays
    assert variant_xml(get_variant(family["fp32"])).is_file()  # the parent is untouched


def test_delete_model_removes_its_upload_variants_and_results(family: dict[str, int], workspace: Path) -> None:
    upload = resolve(next(m for m in storage_report()["models"] if m["id"] == family["model"])["upload_dir"])
    assert upload.is_dir()
    delete_item("model", family["model"], with_dependants=True)
    assert not upload.exists() and not any((workspace / "models").iterdir())
    report = storage_report()
    assert report["models"] == [] and report["variants"] == [] and report["results"] == []


def _npz_bytes() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, image=np.zeros((4, 3, 8, 8), np.float32), labels=np.arange(4))
    return buffer.getvalue()


def test_dataset_upload_runs_as_a_job_and_leaves_no_copy(workspace: Path) -> None:
    upload = stage_dataset_upload(io.BytesIO(_npz_bytes()), "tensors.npz")
    assert resolve(upload).is_file()
    job = run_job_inline("dataset", DATASET_UPLOAD_ENTRYPOINT, {"upload": upload, "name": "tensors"}, timeout_s=120)
    assert job.state == "done", (job.error, job.error_hint)
    assert not resolve(upload).parent.exists()  # the staging copy is gone
    assert list((workspace / "uploads").iterdir()) == []
    dataset_id = job.result["dataset_id"]

    # a bad archive fails with its reason, and its stage is removed too
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("a.jpg", b"not an image")
    upload = stage_dataset_upload(io.BytesIO(broken.getvalue()), "broken.zip")
    job = run_job_inline("dataset", DATASET_UPLOAD_ENTRYPOINT, {"upload": upload, "name": "broken"}, timeout_s=120)
    assert job.state == "failed" and "cannot be decoded" in (job.error or "")
    assert list((workspace / "uploads").iterdir()) == []

    # deleting the dataset lists the results measured with it, keeps them, frees its folder
    result_id = save_result("accuracy", {"dataset_id": dataset_id}, {"top1": 1.0}, None, None, "CPU")
    plan = delete_plan("dataset", dataset_id)
    assert plan["kept_results"] == [result_id] and plan["bytes"] > 0
    folder = workspace / plan["folders"][0]
    delete_item("dataset", dataset_id)
    assert not folder.exists() and storage_report()["datasets"] == []
    with session_scope() as s:
        assert s.get(Result, result_id) is not None


def test_abandoned_stages_are_swept_by_age_owned_uploads_stay(family: dict[str, int], workspace: Path) -> None:
    old = time.time() - 7 * 3600
    abandoned = new_artifact_dir("uploads")
    (abandoned / "model.onnx").write_bytes(b"x" * 1000)
    young = new_artifact_dir("uploads")
    (young / "model.onnx").write_bytes(b"y")
    owned = resolve(next(m for m in storage_report()["models"] if m["id"] == family["model"])["upload_dir"])
    for path in (abandoned, owned):
        for item in [path, *path.rglob("*")]:
            os.utime(item, (old, old))
    swept = sweep_abandoned()
    assert swept["removed_uploads"] == [f"uploads/{abandoned.name}"] and swept["freed_bytes"] == 1000
    assert not abandoned.exists() and young.exists() and owned.exists()


def _cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), OVWB_NO_SAMPLE="1", PYTHONPATH=str(ROOT))
    env.pop("OVWB_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_cli_storage_and_delete(family: dict[str, int], workspace: Path) -> None:
    listed = _cli(workspace, "storage", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert [v["id"] for v in data["variants"]] == [family["fp32"], family["child"], family["grandchild"]]
    human = _cli(workspace, "storage")
    assert human.returncode == 0 and "by area:" in human.stdout and "'grandchild'" in human.stdout
    refused = _cli(workspace, "storage", "delete", "variant", str(family["child"]), "--json")
    assert refused.returncode == 2 and "has dependants" in json.loads(refused.stdout)["error"]
    done = _cli(workspace, "storage", "delete", "variant", str(family["child"]), "--with-dependants", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["variants"] == [family["grandchild"], family["child"]]
    assert [v["id"] for v in storage_report()["variants"]] == [family["fp32"]]


def test_storage_page_shows_sizes_and_deletes_with_dependants(family: dict[str, int], workspace: Path) -> None:
    at = open_page("pages/storage.py")
    assert not at.exception, at.exception
    text = page_text(at)
    assert "By area" in text and "Abandoned uploads" in text
    variants = next(df.value for df in at.dataframe if "Children" in df.value.columns)
    assert set(variants["Name"]) == {"FP32 (imported IR)", "child", "grandchild"} or len(variants) == 3
    at.radio(key="storage_kind").set_value("variant").run()
    at.selectbox(key="storage_variant_id").set_value(family["child"]).run()
    plan = next(df.value for df in at.dataframe if list(df.value.columns) == ["What", "Which"])
    assert {f"#{family['grandchild']}", f"#{family['r_child']}", f"#{family['r_grandchild']}"} <= set(plan["Which"])
    assert at.button(key="storage_delete").disabled  # dependants: asked first
    at.checkbox(key=f"storage_confirm_variant_{family['child']}").check().run()
    at.button(key="storage_delete").click().run()
    assert not at.exception, at.exception
    assert any(f"Deleted variant #{family['child']}" in s.value for s in at.success)
    assert [v["id"] for v in storage_report()["variants"]] == [family["fp32"]]


def test_import_page_stage_is_removed_when_emptied_and_consumed_by_import(workspace: Path, tmp_path: Path) -> None:
    from core.jobs import wait_for_job
    from tests.models_onnx import make_tiny_cnn_onnx

    onnx_path = make_tiny_cnn_onnx(tmp_path)
    upload = [(onnx_path.name, onnx_path.read_bytes(), "application/octet-stream")]
    at = open_page("pages/import.py")
    at.file_uploader[0].set_value(upload).run()
    stage = workspace / at.session_state["imp_staged_uploads"]["folder"]
    assert (stage / onnx_path.name).is_file()
    at.file_uploader[0].set_value([]).run()  # the user removes the file: the stage goes with it
    assert not stage.exists() and "imp_staged_uploads" not in at.session_state
    assert list((workspace / "uploads").iterdir()) == []

    at.file_uploader[0].set_value(upload).run()
    at.button(key="imp_import").click().run()
    job = wait_for_job(at.session_state["imp_import_job"], timeout_s=180)
    assert job.state == "done", job.error
    at.run()
    assert "ready to import" not in page_text(at)
    # the only upload folder left is the imported model's (nothing abandoned to sweep)
    folders = list((workspace / "uploads").iterdir())
    assert [f"uploads/{f.name}" for f in folders] == [job.result["upload_dir"]]
    assert storage_report()["abandoned_uploads"] == []
