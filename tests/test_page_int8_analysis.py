"""The INT8 analysis page in AppTest through the real router: outputs side by side, layer error
with the damaged layer ranked first, re-quantize keeping it in float, before/after jobs."""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_models import conv_chain_ir
from orientation_data import write_flat_photos

from core.analysis.requests import LayerErrorRequest, OutputsRequest, RequantizeRequest
from core.datasets import import_dataset
from core.jobs import wait_for_job
from core.variants import create_model, get_variant, register_variant, variant_xml
from tests.conftest import open_page, page_text
from tests.one_shape import assert_page_offers

PAGE = "pages/int8_analysis.py"


def _pair(folder: Path) -> tuple[int, int]:
    parent_xml, damaged_xml = conv_chain_ir(folder / "parent"), conv_chain_ir(folder / "damaged", damaged="conv3")
    model = create_model("Conv chain", "onnx", task="classification", labels=[f"class {i}" for i in range(10)])
    parent = register_variant(model, parent_xml, "FP32", "converted", name="FP32")
    damaged = register_variant(model, damaged_xml, "FP32", "edited", name="conv3 damaged", parent_id=parent)
    return parent, damaged


def _frame(at, column: str):  # type: ignore[no-untyped-def]
    """The table that has `column` (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _click_and_wait(at, button: str, job_key: str, timeout: float = 300):  # type: ignore[no-untyped-def]
    at.button(key=button).click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    job = wait_for_job(at.session_state[job_key], timeout_s=timeout)
    at.run()
    assert job.state == "done", job.error
    assert not at.exception, at.exception  # the result view rendered
    return job


def test_outputs_layer_error_and_requantize_from_the_page(workspace: Path, tmp_path: Path) -> None:
    parent, damaged = _pair(tmp_path)
    dataset = import_dataset(write_flat_photos(tmp_path / "photos", count=6), "photos")
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert at.selectbox(key="analysis_variant").value == damaged and at.selectbox(key="analysis_reference").value == parent
    assert at.button(key="analysis_outputs").disabled  # no image yet
    at.radio(key="analysis_input_mode").set_value("A dataset").run()
    assert at.selectbox(key="analysis_dataset").value == dataset
    assert_page_offers(at, OutputsRequest, "analysis")
    assert_page_offers(at, LayerErrorRequest, "analysis")
    at.number_input(key="analysis_limit").set_value(3).run()

    _click_and_wait(at, "analysis_outputs", "analysis_outputs_job")
    text = page_text(at)
    assert "Images compared 3" in text and "Output layout classification" in text
    assert any("class " in str(df.value.get("Class", pd_empty()).tolist()) for df in at.dataframe)
    assert len(at.get("image")) == 3  # the model view of each image

    at.number_input(key="analysis_samples").set_value(3).run()
    _click_and_wait(at, "analysis_layers", "analysis_layers_job")
    ranking = _frame(at, "Keep in float")
    assert ranking.iloc[0]["Keep in float"] == "conv3/WithoutBiases"
    assert "Where the error jumps" in page_text(at)
    at.number_input(key="analysis_keep_count").set_value(1).run()
    assert_page_offers(at, RequantizeRequest, "analysis_requant", skip=("ignored_names", "ignored_types"))
    assert at.multiselect(key="analysis_keep_1").value == ["conv3/WithoutBiases"]

    _click_and_wait(at, "analysis_requant", "analysis_requant_job")
    job_result = wait_for_job(at.session_state["analysis_requant_job"]).result
    fixed = get_variant(job_result["variant_id"])
    assert fixed.parent_id == parent and fixed.precision == "INT8"
    assert fixed.params["options"]["ignored_names"] == ["conv3/WithoutBiases"] and fixed.params["dataset_id"] == dataset
    import openvino as ov

    from core.quantize.layers import precision_summary

    floats = [layer["name"] for layer in precision_summary(ov.Core().read_model(variant_xml(fixed)))["float_layers"]]
    assert floats == ["conv3/WithoutBiases"]
    assert "New variant" in page_text(at)
    rows = _frame(at, "Kept in float")
    assert len(rows) == 3 and rows.iloc[2]["Kept in float"] == "conv3/WithoutBiases"

    # The same analysis painted on the Graph page of the analysed variant.
    at.button(key="analysis_to_graph").click().run()
    assert at.session_state["graph_colour"] == "error" and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="graph_layer_error").value == at.session_state["graph_layer_error"]
    assert "Largest layer errors" in page_text(at)
    errors = _frame(at, "relative error")
    assert errors.iloc[0]["relative error"] > 0.05  # the damaged chain and what follows it


def pd_empty():  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.Series([], dtype=object)


@pytest.mark.slow
def test_before_after_measures_accuracy_and_fps_with_the_existing_jobs(workspace: Path, tmp_path: Path) -> None:
    parent, damaged = _pair(tmp_path)
    import_dataset(write_flat_photos(tmp_path / "photos", count=6), "photos")
    at = open_page(PAGE)
    at.radio(key="analysis_input_mode").set_value("A dataset").run()
    at.button(key="analysis_measure").click().run()
    assert not at.exception, at.exception
    job_ids = at.session_state["analysis_measure_jobs"]
    from core.jobs import get_job

    assert sorted((get_job(i).kind, get_job(i).variant_id) for i in job_ids) == sorted(
        [("accuracy", damaged), ("benchmark", parent), ("benchmark", damaged)])
    for job_id in job_ids:
        assert wait_for_job(job_id, timeout_s=300).state == "done", get_job(job_id).error
    at.run()
    rows = _frame(at, "Kept in float")
    assert rows.iloc[0]["FPS"] > 0 and rows.iloc[1]["FPS"] > 0
    assert "top-1 agreement with parent" in rows.iloc[1]["Accuracy"]


def test_an_empty_workspace_says_what_is_needed(workspace: Path) -> None:
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert "Two variants are needed" in page_text(at)


def test_uploaded_image_shows_both_models_boxes(workspace: Path, tmp_path: Path) -> None:
    from analysis_models import ssd_detector_ir
    from orientation_data import photo_paths

    model = create_model("SSD toy", "onnx", task="detection", labels=["background", "cat", "rocket", "cup"])
    a = register_variant(model, ssd_detector_ir(tmp_path / "a"), "FP32", "converted", name="FP32")
    register_variant(model, ssd_detector_ir(tmp_path / "b", shift=0.05), "INT8", "quantized", name="moved", parent_id=a)
    at = open_page(PAGE)
    photo = photo_paths()[4]
    at.file_uploader(key="analysis_upload").set_value((photo.name, photo.read_bytes(), "image/png")).run()
    assert not at.exception, at.exception
    assert not at.button(key="analysis_outputs").disabled
    _click_and_wait(at, "analysis_outputs", "analysis_outputs_job")
    text = page_text(at)
    assert "Output layout ssd" in text and "A (reference)" in text and "B (optimized)" in text
    boxes = [df.value for df in at.dataframe if "Box (x1, y1, x2, y2)" in df.value.columns]
    assert len(boxes) == 2 and sorted(boxes[0]["Class"]) == ["cat", "rocket"]  # names from the model record
    assert len(at.get("image")) == 2  # one drawn picture per model
    assert "Layer error runs over a few samples of a dataset" in text


def test_masks_and_difference_maps_on_a_dataset(workspace: Path, tmp_path: Path) -> None:
    from analysis_models import segmentation_ir

    model = create_model("Segmenter", "onnx", task="segmentation")
    a = register_variant(model, segmentation_ir(tmp_path / "a"), "FP32", "converted", name="FP32")
    register_variant(model, segmentation_ir(tmp_path / "b", classes=4), "FP32", "copy", name="copy", parent_id=a)
    import_dataset(write_flat_photos(tmp_path / "photos", count=3), "photos")
    at = open_page(PAGE)
    at.radio(key="analysis_input_mode").set_value("A dataset").run()
    _click_and_wait(at, "analysis_outputs", "analysis_outputs_job")
    text = page_text(at)
    assert "Output layout segmentation" in text and "Agreement 100.0 %" in text
    assert len(at.get("image")) == 6  # a mask overlay per model and image
    at.selectbox(key="analysis_layout").set_value("raw").run()
    _click_and_wait(at, "analysis_outputs", "analysis_outputs_job")
    assert not at.exception, at.exception
    text = page_text(at)
    assert "Output layout raw" in text and "max |B-A| 0" in text
    assert len(at.get("plotly_chart")) == 3 and len(at.get("image")) == 3  # histogram + heat-map per image
