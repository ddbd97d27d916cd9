"""The database and workspace: real SQLite files, restarts, concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path

import onnx
import openvino as ov
import pytest

from core.errors import UserError
from core.store import Dataset, Model, Result, Variant, reset_engine, session_scope
from core.variants import create_model, get_variant, list_models, register_variant
from core.workspace import new_artifact_dir, remove_artifact_dir, resolve, to_relative


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
