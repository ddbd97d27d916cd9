"""Issue 16, item 7: messages that say the real reason, whole, and a --json stdout that
carries only JSON. Every case runs `python -m core ...` as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str | bytes, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), PYTHONPATH=str(ROOT), OVWB_NO_SAMPLE="1")
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          errors="replace", timeout=300)


def test_quantize_json_stdout_is_only_json_while_nncf_logs(workspace: Path, tmp_path: Path) -> None:
    from tests.quantize_models import outlier_classifier

    xml, data = outlier_classifier(tmp_path / "m")
    done = run_cli("quantize", str(xml), "-o", str(tmp_path / "out"), "--data", str(data), "--subset-size", "20",
                   "--accuracy-aware", "--metric", "agreement", "--max-drop", "0.05", "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)  # nothing but the JSON document
    assert Path(result["xml"]).is_file(), result
    assert "INFO:nncf" in done.stderr  # accuracy control logs every step — on stderr now


def test_if_branch_without_samples_says_so_and_what_to_do(workspace: Path, tmp_path: Path) -> None:
    from tests.quantize_models import one_sided_if_model

    xml = one_sided_if_model(tmp_path / "m")
    done = run_cli("quantize", str(xml), "-o", str(tmp_path / "out"), "--data", "random", "--json", workspace=workspace)
    assert done.returncode == 2, done.stderr[-2000:]
    error = json.loads(done.stdout)
    assert "If" in error["error"] and "received 0" in error["error"] and '"then" branch' in error["error"]
    assert "must not be empty" not in error["error"]
    assert "ignored scope" not in error["hint"]
    assert "condition" in error["hint"] and "weight compression" in error["hint"]


def _model_with_many_failing_ops(folder: Path) -> Path:
    """Two operations no frontend knows and two whose conversion fails, each with a reason."""
    nodes = [
        helper.make_node("Relu", ["x"], ["t0"]),
        helper.make_node("Einsum", ["t0"], ["t1"], equation="ij->jiz", name="bad_einsum"),
        helper.make_node("Resize", ["t1", "", "", ""], ["t2"], mode="bogus", name="bad_resize"),
        helper.make_node("FancyOp", ["t2"], ["t3"], domain="com.example", name="custom"),
        helper.make_node("OtherFancyOp", ["t3"], ["t4"], domain="com.example", name="custom2"),
    ]
    graph = helper.make_graph(nodes, "failing", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
                              [helper.make_tensor_value_info("t4", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, folder / "failing.onnx")
    return folder / "failing.onnx"


def test_conversion_error_lists_every_failing_operation(workspace: Path, tmp_path: Path) -> None:
    done = run_cli("convert", str(_model_with_many_failing_ops(tmp_path)), "--json", workspace=workspace)
    assert done.returncode == 2, done.stderr[-2000:]
    message = json.loads(done.stdout)["error"]
    for name in ("com.example.FancyOp", "com.example.OtherFancyOp", "Einsum", "Resize"):
        assert name in message, message
    assert "interpolation mode is not supported" in message and "Einsum equation" in message


def test_a_non_utf8_file_name_is_a_clear_user_error(workspace: Path, tmp_path: Path) -> None:
    from tests.models_onnx import make_tiny_cnn_onnx

    model = make_tiny_cnn_onnx(tmp_path / "src")
    latin1 = os.fsencode(tmp_path / "src") + b"/mod\xe8le.onnx"  # "modèle" written by a Latin-1 system
    os.rename(model, latin1)
    done = run_cli("import", latin1, "--json", workspace=workspace)
    assert done.returncode == 2, done.stderr[-2000:]
    error = json.loads(done.stdout)
    assert "not valid UTF-8" in error["error"] and "mod" in error["error"]
    assert "Rename" in error["hint"]
    assert "Traceback" not in done.stderr and "UnicodeEncodeError" not in done.stderr
