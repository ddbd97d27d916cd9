"""Accuracy with labels (top-1/top-5) and without (agreement with the FP32 parent), real models."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openvino as ov
import pytest
from orientation_data import ORIENTATION_HINTS, orientation_ir, photo_paths, write_flat_photos, write_rotated_dataset

from core.accuracy import evaluate, headline, measure_accuracy
from core.accuracy.metrics import LabelAccuracy, TensorAgreement, classifier_output_index
from core.cli import main
from core.datasets import import_dataset, open_source, spec_from_model


@pytest.fixture(scope="module")
def orientation_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return orientation_ir(tmp_path_factory.mktemp("orientation"))


@pytest.fixture(scope="module")
def fp16_xml(orientation_xml: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    xml = tmp_path_factory.mktemp("fp16") / "orientation_fp16.xml"
    ov.save_model(ov.Core().read_model(orientation_xml), str(xml), compress_to_fp16=True)
    return xml


def test_label_accuracy_counts() -> None:
    acc = LabelAccuracy()
    scores = np.array([0.1, 0.5, 0.2, 0.05, 0.05, 0.1])
    acc.add(scores, 1)  # top-1 hit
    acc.add(scores, 2)  # top-5 hit only
    acc.add(scores, 3)  # in the top 5 too: 3 ties with 4 at 0.05 and argpartition picks one
    result = acc.result()
    assert result["samples"] == 3 and result["top1"] == pytest.approx(1 / 3)
    assert "top5" in result  # 6 classes: top-5 is meaningful


def test_tensor_agreement_figures() -> None:
    agreement = TensorAgreement()
    reference = np.array([[0.0, 1.0, 2.0, 3.0]])
    agreement.add(reference, reference)
    assert agreement.result()["psnr_db"] == "inf" and agreement.result()["cosine_mean"] == pytest.approx(1.0)
    agreement.add(reference + 0.1, reference)
    result = agreement.result()
    assert result["max_abs_diff"] == pytest.approx(0.1)
    assert result["mse"] == pytest.approx(0.01 / 2)  # half of all elements differ by 0.1
    assert result["psnr_db"] == pytest.approx(10 * math.log10(9 / 0.005))  # peak = range 3
    assert classifier_output_index([np.zeros((1, 4)), np.zeros((1, 3, 8, 8))]) == 0


def test_fp32_top1_on_rotated_real_photos(workspace: Path, tmp_path: Path, orientation_xml: Path) -> None:
    model = ov.Core().read_model(orientation_xml)
    dataset = import_dataset(write_rotated_dataset(tmp_path / "rot", photo_paths()[:4]))
    source = open_source(dataset, model, spec_from_model(model, ORIENTATION_HINTS))
    report = evaluate(model, source, reference=model)
    assert report["classifier"] and report["labelled"] and report["samples"] == 16
    # page.png, text.png (documents) and photos: the trained classifier is right far above chance (25%)
    assert report["model"]["top1"] >= 0.5
    assert report["reference"]["top1"] == report["model"]["top1"]
    assert report["agreement"]["top1_agreement"] == 1.0
    assert headline(report) == {"metric": "top1", "value": report["model"]["top1"], "reference_value": report["model"]["top1"]}


def test_fp16_agrees_with_fp32_without_labels(workspace: Path, tmp_path: Path, orientation_xml: Path,
                                             fp16_xml: Path) -> None:
    dataset = import_dataset(write_flat_photos(tmp_path / "photos"))
    accuracy = measure_accuracy(fp16_xml, dataset, reference_xml=orientation_xml, spec=None)
    assert accuracy["metric"] == "top1_agreement" and accuracy["value"] == 1.0
    output = next(iter(accuracy["report"]["agreement"]["outputs"].values()))
    assert output["cosine_mean"] > 0.9999
    assert 0 < output["max_abs_diff"] < 1e-2  # FP16 weights change outputs a little, not zero
    assert output["psnr_db"] > 40


def test_cli_accuracy(workspace: Path, tmp_path: Path, orientation_xml: Path, fp16_xml: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    photos = write_flat_photos(tmp_path / "photos")
    assert main(["accuracy", str(fp16_xml), "--data", str(photos), "--json"]) == 2
    error = json.loads(capsys.readouterr().out)
    assert "reference" in error["hint"]
    assert main(["accuracy", str(fp16_xml), "--reference", str(orientation_xml), "--data", str(photos),
                 "--mean-values", "123.675,116.28,103.53", "--scale-values", "58.395,57.12,57.375", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metric"] == "top1_agreement" and data["samples"] == len(photo_paths())
    assert data["preprocessing"]["mean"] == [123.675, 116.28, 103.53]


def test_npz_agreement_for_any_model(workspace: Path, tmp_path: Path) -> None:
    """A non-classifier with two inputs: per-output cosine / max-abs-diff / PSNR, from a .npz."""
    from models_onnx import make_two_input_onnx

    model = ov.Core().read_model(make_two_input_onnx(tmp_path / "two"))
    rng = np.random.default_rng(0)
    npz = tmp_path / "tensors.npz"
    np.savez(npz, image=rng.normal(size=(6, 3, 16, 16)).astype(np.float32),
             mask=rng.uniform(size=(6, 1, 16, 16)).astype(np.float32))
    fp16 = tmp_path / "two_fp16.xml"
    ov.save_model(model, str(fp16), compress_to_fp16=True)
    source = open_source(import_dataset(npz), model)
    report = evaluate(ov.Core().read_model(fp16), source, reference=model)
    assert not report["classifier"] and "model" not in report
    assert set(report["agreement"]["outputs"]) == {"features", "score"}
    assert headline(report)["metric"] == "cosine" and headline(report)["value"] > 0.999
