"""Model card figures checked against known values of real architectures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openvino as ov
import pytest
from openvino import opset13 as ops

from core.card import model_card
from core.card_service import card_for_path, card_for_variant
from core.importer import import_paths
from core.store import Variant, session_scope
from tests.models_onnx import light_zoo_model, make_qdq_onnx, make_tiny_cnn_ir, make_tiny_cnn_onnx


def test_resnet50_gflops_and_parameters() -> None:
    """ResNet-50 at 224x224: 4.1 G multiply-adds = 8.2 GFLOPs, 25.5 M parameters."""
    card = card_for_path(light_zoo_model("light_resnet50"))
    assert card["gflops"] == pytest.approx(8.18, rel=0.02)
    assert card["parameters"] == pytest.approx(25.5e6, rel=0.01)
    assert card["weights_bytes"]["f32"] == pytest.approx(4 * card["parameters"], rel=0.01)
    assert card["task"] == "classification" and card["ops"]["Convolution"] == 53
    assert card["inputs"][0]["shape"] == "[1,3,224,224]" and card["quantized"] is False


def test_squeezenet_classification_from_nx1x1_output() -> None:
    card = card_for_path(light_zoo_model("light_squeezenet"))
    assert card["outputs"][0]["shape"] == "[1,1000,1,1]" and card["task"] == "classification"
    assert card["gflops"] == pytest.approx(0.70, rel=0.05)


def test_qdq_model_is_flagged_quantized(tmp_path: Path) -> None:
    card = card_for_path(make_qdq_onnx(tmp_path))
    assert card["quantized"] is True and card["precision"] == "INT8"
    assert card["fake_quantize"] + int(card["low_precision_weights"]) >= 1


def test_ir_card_has_version_opsets_and_file_sizes(tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path)
    card = card_for_path(xml)
    assert card["ir_version"] == 11 and "opset1" in card["opsets"]
    assert card["files"] == {"tiny_cnn.xml": xml.stat().st_size, "tiny_cnn.bin": xml.with_suffix(".bin").stat().st_size}
    assert card["flops_note"].startswith("measured at batch 1")


def _model(output_shape: list[int], output_name: str, extra_dynamic: bool = False) -> ov.Model:
    shape = [1, 3, -1, -1] if extra_dynamic else [1, 3, 64, 64]
    data = ops.parameter(shape, ov.Type.f32, name="image")
    data.output(0).get_tensor().set_names({"image"})
    conv = ops.convolution(data, ops.constant(np.ones((output_shape[1], 3, 1, 1), np.float32)), [1, 1], [0, 0], [0, 0], [1, 1])
    result = ops.result(conv)
    result.output(0).get_tensor().set_names({output_name})
    return ov.Model([result], [data], "synthetic")


def test_task_guess_segmentation_and_detection() -> None:
    segmentation = model_card(_model([1, 21, 64, 64], "logits"))
    assert segmentation["task"] == "segmentation"
    detection = model_card(_model([1, 4, 64, 64], "boxes"))
    assert detection["task"] == "detection" and "boxes" in detection["task_reason"]


def test_flops_not_guessed_for_dynamic_spatial_dims() -> None:
    card = model_card(_model([1, 8, -1, -1], "out", extra_dynamic=True))
    assert card["gflops"] is None and "dynamic dimensions besides the batch" in card["flops_note"]


def test_card_is_stored_once_with_the_variant(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path)
    variant_id = import_paths([xml, xml.with_suffix(".bin")])["variant_id"]
    with session_scope() as s:
        stored = s.get(Variant, variant_id).card
    assert card_for_variant(variant_id) == stored and stored["parameters"] == 314


def test_onnx_card_lists_source_file(tmp_path: Path) -> None:
    onnx_path = make_tiny_cnn_onnx(tmp_path)
    card = card_for_path(onnx_path)
    assert card["files"] == {"tiny_cnn.onnx": onnx_path.stat().st_size} and card["source_format"] == "onnx"
    assert card["ir_version"] is None
