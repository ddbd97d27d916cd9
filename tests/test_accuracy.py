"""Accuracy with labels (top-1/top-5) and without (agreement with the FP32 parent), real models."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openvino as ov
import pytest
from orientation_data import (
    ORIENTATION_HINTS,
    imagenet_classifier_ir,
    orientation_ir,
    photo_paths,
    write_flat_photos,
    write_rotated_dataset,
)

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
    same = agreement.result()
    assert same["psnr_db"] is None and same["identical"] is True  # JSON has no infinity
    assert same["cosine_mean"] == pytest.approx(1.0)
    agreement.add(reference + 0.1, reference)
    result = agreement.result()
    assert result["identical"] is False
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
    from models_onnx import make_two_input_onnx, two_input_tensors

    model = ov.Core().read_model(make_two_input_onnx(tmp_path / "two"))
    npz = two_input_tensors(tmp_path / "tensors.npz")
    fp16 = tmp_path / "two_fp16.xml"
    ov.save_model(model, str(fp16), compress_to_fp16=True)
    source = open_source(import_dataset(npz), model)
    report = evaluate(ov.Core().read_model(fp16), source, reference=model)
    assert not report["classifier"] and "model" not in report
    assert set(report["agreement"]["outputs"]) == {"features", "score"}
    assert headline(report)["metric"] == "cosine" and headline(report)["value"] > 0.999


@pytest.fixture(scope="module")
def imagenet_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imagenet_classifier_ir(tmp_path_factory.mktemp("zoo"))


def _predictions(xml: Path, photos: Path) -> dict[str, int]:
    model = ov.Core().read_model(xml)
    rows = evaluate(model, open_source(import_dataset(photos), model), reference=model)["per_image"]
    return {row["file"]: row["prediction"] for row in rows}


def _write_annotations(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_set_labels_score_higher_than_single_labels(workspace: Path, tmp_path: Path, imagenet_xml: Path) -> None:
    """Same images, same model: a set of acceptable classes counts a prediction that is in the
    set but is not its first class; one label per image does not."""
    photos = write_flat_photos(tmp_path / "photos")
    predicted = _predictions(imagenet_xml, photos)
    single, sets = [], []
    for n, (file, prediction) in enumerate(sorted(predicted.items())):
        other = (prediction + 1) % 1000
        if n % 3 == 0:  # right with either annotation
            single.append(f"{file} {prediction}")
            sets.append(f"{file} {prediction}")
        else:  # the first label is another class; the set also accepts the prediction
            single.append(f"{file} {other}")
            sets.append(f"{file} {other} {prediction}")
    right_alone = sum(n % 3 == 0 for n in range(len(predicted))) / len(predicted)
    single_id = import_dataset(photos, annotations=_write_annotations(tmp_path / "single.txt", single))
    sets_id = import_dataset(photos, annotations=_write_annotations(tmp_path / "sets.txt", sets))
    one = measure_accuracy(imagenet_xml, single_id)
    several = measure_accuracy(imagenet_xml, sets_id)
    assert one["metric"] == several["metric"] == "top1"
    assert one["value"] == pytest.approx(right_alone) and several["value"] == 1.0 > one["value"]
    assert several["report"]["set_labels"] == len(predicted) - sum(n % 3 == 0 for n in range(len(predicted)))
    assert several["report"]["model"]["top5"] == 1.0
    rows = several["report"]["per_image"]
    assert all(row["correct"] and row["prediction"] in row["labels"] for row in rows)
    wrong = [row for row in one["report"]["per_image"] if not row["correct"]]
    assert len(wrong) == round(len(predicted) * (1 - right_alone))
    assert one["report"]["per_image"][: len(wrong)] == wrong  # the wrong answers first


def test_per_image_rows_worst_disagreements_first(workspace: Path, tmp_path: Path, imagenet_xml: Path) -> None:
    """Two different classifiers of the same shape disagree on some photos: those come first,
    least confident first; every row has file, prediction, confidence and the reference's answer."""
    reference_xml = imagenet_classifier_ir(tmp_path / "zoo", "light_densenet121")
    photos = write_flat_photos(tmp_path / "photos")
    accuracy = measure_accuracy(imagenet_xml, import_dataset(photos), reference_xml=reference_xml)
    rows = accuracy["report"]["per_image"]
    assert len(rows) == len(photo_paths()) and {row["file"] for row in rows} == {f"{p.stem}.jpg" for p in photo_paths()}
    assert all({"prediction", "confidence", "reference_prediction", "agree"} <= set(row) for row in rows)
    agree = [row["agree"] for row in rows]
    assert False in agree and True in agree and agree == sorted(agree)  # disagreements first
    for group in (False, True):
        confidences = [row["confidence"] for row in rows if row["agree"] is group]
        assert confidences == sorted(confidences) and all(0 < c <= 1 for c in confidences)
    assert accuracy["metric"] == "top1_agreement"
    assert accuracy["value"] == pytest.approx(agree.count(True) / len(agree))


def test_cli_accuracy_json_has_per_image_rows(workspace: Path, tmp_path: Path, imagenet_xml: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    photos = write_flat_photos(tmp_path / "photos")
    predicted = _predictions(imagenet_xml, photos)
    annotations = _write_annotations(tmp_path / "truth.csv", ["file,labels"] + [
        f"{file},{prediction};{(prediction + 5) % 1000}" for file, prediction in predicted.items()])
    capsys.readouterr()
    assert main(["accuracy", str(imagenet_xml), "--data", str(photos), "--annotations", str(annotations),
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metric"] == "top1" and data["value"] == 1.0
    assert len(data["per_image"]) == len(predicted) and "per_image" not in data["report"]
    row = data["per_image"][0]
    assert row["file"] in predicted and row["labels"] == sorted([predicted[row["file"]], (predicted[row["file"]] + 5) % 1000])


def test_unfit_dataset_is_never_scored(workspace: Path, tmp_path: Path, imagenet_xml: Path, orientation_xml: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The sample's orientation labels on an ImageNet model: refused with the reason, no 0.00 %."""
    from core.errors import UserError

    docs = import_dataset(write_rotated_dataset(tmp_path / "rot", photo_paths()[:2]))
    with pytest.raises(UserError, match="names 4 classes .* the model scores 1000 classes"):
        measure_accuracy(imagenet_xml, docs, reference_xml=imagenet_xml)
    index_folder = tmp_path / "index"
    for index in ("1", "999"):
        write_flat_photos(index_folder / index, 3)
    capsys.readouterr()
    assert main(["accuracy", str(orientation_xml), "--data", str(index_folder), "--json"]) == 2
    error = json.loads(capsys.readouterr().out)
    assert "class index 999" in error["error"] and "only 4 classes" in error["error"]


def test_reference_of_another_model_is_refused(workspace: Path, tmp_path: Path, imagenet_xml: Path,
                                               orientation_xml: Path) -> None:
    from core.errors import UserError

    photos = import_dataset(write_flat_photos(tmp_path / "photos"))
    with pytest.raises(UserError, match="not variants of one model"):
        measure_accuracy(orientation_xml, photos, reference_xml=imagenet_xml)


def test_accuracy_job_in_the_device_default_compute_stores_what_the_model_used(
        workspace: Path, tmp_path: Path, orientation_xml: Path, fp16_xml: Path) -> None:
    """compute_precision "default" asks nothing of the device: the stored figure names the compute
    precision read back from the compiled model (the device default), the f32 run names f32, and
    where the default is f32 the two figures are the same numbers."""
    from core.jobs import run_job_inline
    from core.precision import device_compute
    from core.store import Result, session_scope
    from core.variants import create_model, get_variant, register_variant

    model = create_model("Orientation", "onnx")
    parent = register_variant(model, orientation_xml, "FP32", "converted", name="FP32")
    child = register_variant(model, fp16_xml, "FP16", "fp16", name="FP16", parent_id=parent)
    dataset = import_dataset(write_rotated_dataset(tmp_path / "rot", photo_paths()[:3]))
    figures = {}
    for compute in ("f32", "default"):
        job = run_job_inline("accuracy", "core.accuracy.jobs:accuracy_job",
                             {"variant_id": child, "dataset_id": dataset, "compute_precision": compute}, variant_id=child)
        assert job.state == "done", job.error
        with session_scope() as s:
            row = s.get(Result, job.result["result_id"])
            figures[compute] = (row.metrics, row.config)
    default = device_compute("CPU")["default"]
    f32_metrics, f32_config = figures["f32"]
    default_metrics, default_config = figures["default"]
    assert f32_metrics["compute_precision"] == "f32" and f32_metrics["report"]["inference_precision"] == "f32"
    assert f32_config["compute_precision"] == "f32" and default_config["compute_precision"] == "default"
    assert default_metrics["compute_precision"] == default  # read back, whatever this device defaults to
    assert default_metrics["report"]["compute_precision"] == default_metrics["report"]["inference_precision"] == default
    assert default_metrics["report"]["compute_requested"] == "default"
    if default == "f32":
        assert default_metrics["value"] == f32_metrics["value"]
        assert default_metrics["report"]["per_image"] == f32_metrics["report"]["per_image"]
    # the variant's headline is the f32 one (measured first here), the reference stayed f32 in both runs
    assert get_variant(child).accuracy["compute_precision"] == "f32"
    assert default_metrics["reference_value"] == f32_metrics["reference_value"]


def test_a_compute_precision_the_device_lacks_is_a_user_error(workspace: Path, tmp_path: Path,
                                                              orientation_xml: Path) -> None:
    from core.accuracy.evaluate import check_compute_option
    from core.errors import UserError
    from core.precision import device_compute

    native = device_compute("CPU")["native"]
    for missing in ("bf16", "f16"):
        if missing not in native:
            with pytest.raises(UserError, match="native"):
                check_compute_option(missing)
        else:
            assert check_compute_option(missing) == missing
    with pytest.raises(UserError, match="not one of"):
        check_compute_option("int8")


def test_cli_accuracy_compute_precision(workspace: Path, tmp_path: Path, orientation_xml: Path, fp16_xml: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from core.precision import device_compute

    photos = write_flat_photos(tmp_path / "photos")
    assert main(["accuracy", str(fp16_xml), "--reference", str(orientation_xml), "--data", str(photos),
                 "--compute-precision", "default", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["compute_precision"] == device_compute("CPU")["default"]
    assert data["report"]["compute_requested"] == "default"
    assert main(["accuracy", str(fp16_xml), "--reference", str(orientation_xml), "--data", str(photos), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["compute_precision"] == "f32"  # unchanged default
