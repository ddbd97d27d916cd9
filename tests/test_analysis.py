"""INT8 analysis on real models: layer error ranking, outputs side by side, re-quantize from the ranking.

Models are built in code (tests/analysis_models.py) or are the real orientation classifier;
images are scikit-image's photos. Every number is the runtime's own; nothing is mocked.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from analysis_models import SSD_SIZE, conv_chain_ir, segmentation_ir, ssd_detector_ir
from orientation_data import CLASSES, photo_paths, write_flat_photos

from core.analysis.drawing import class_colour
from core.analysis.inputs import open_inputs, store_image
from core.analysis.jobs import run_layer_error, run_outputs
from core.analysis.layer_error import LayerScope
from core.analysis.outputs import yolo_boxes
from core.analysis.requests import LayerErrorRequest, Layout, OutputsRequest, RequantizeRequest
from core.cli import main
from core.datasets import import_dataset
from core.errors import UserError
from core.store import Result, session_scope
from core.workspace import resolve


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_flat_photos(tmp_path_factory.mktemp("photos") / "photos", count=6)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("chain")
    return conv_chain_ir(folder / "parent"), conv_chain_ir(folder / "damaged", damaged="conv3")


def test_layer_error_ranks_the_damaged_layer_first(workspace: Path, chain: tuple[Path, Path], photos: Path) -> None:
    parent, damaged = chain
    dataset = import_dataset(photos)
    request = LayerErrorRequest(parent=str(parent), variant=str(damaged), dataset_id=dataset, samples=4)
    request.check()
    report = run_layer_error(request)
    assert report["samples"] == 4 and report["scope"] == "chains"
    first = report["ranking"][0]
    assert first["anchor"] == "conv3/WithoutBiases" and first["anchor_type"] == "Convolution"
    assert report["suggested_ignored_names"][0] == "conv3/WithoutBiases"
    by_name = {row["name"]: row for row in report["layers"]}
    assert by_name["relu1"]["relative_error"] < 1e-6 and by_name["relu2"]["relative_error"] < 1e-6  # before the damage
    assert by_name["relu3"]["relative_error"] > 0.05 and by_name["relu3"]["inputs"] == ["relu2"]
    assert by_name["relu3"]["chain"] == ["conv3/WithoutBiases", "conv3", "relu3"]
    assert [row["order"] for row in report["layers"]] == sorted(row["order"] for row in report["layers"])
    assert report["peak_rss_mb"] > 0 and report["layers"][0]["snr_db"] is None and report["layers"][0]["identical"]  # no infinity in JSON
    assert not by_name["relu3"]["identical"] and by_name["relu3"]["snr_db"] > 0
    every_op = run_layer_error(LayerErrorRequest(parent=str(parent), variant=str(damaged), dataset_id=dataset,
                                                 samples=2, scope=LayerScope.ALL))
    assert every_op["ranking"][0]["name"] == "conv3/WithoutBiases"
    assert every_op["layers_compared"] > report["layers_compared"]


def test_layer_error_cli_runs_a_job_and_stores_the_result(workspace: Path, chain: tuple[Path, Path], photos: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    parent, damaged = chain
    assert main(["layer-error", str(parent), str(damaged), "--data", str(photos), "--samples", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["samples"] == 3 and result["ranking"][0]["anchor"] == "conv3/WithoutBiases"
    with session_scope() as s:
        row = s.get(Result, result["result_id"])
        assert row.kind == "layer_error" and len(row.metrics["layers"]) == result["layers_compared"]
    from core.jobs import get_job, read_job_log

    assert "sample 3/3" in read_job_log(get_job(result["job_id"]))
    with pytest.raises(UserError, match="same model"):
        LayerErrorRequest(parent=str(parent), variant=str(parent), dataset_id=1).check()
    assert main(["layer-error", str(parent), str(damaged), "--data", str(photos), "--samples", "0", "--json"]) == 2


def test_ssd_boxes_are_drawn_where_the_runtime_puts_them(workspace: Path, tmp_path: Path) -> None:
    a, b = ssd_detector_ir(tmp_path / "a"), ssd_detector_ir(tmp_path / "b", shift=0.2)
    image = store_image((photo_paths()[2]).read_bytes(), "astronaut.png")
    request = OutputsRequest(model_a=str(a), model_b=str(b), image_path=image, threshold=0.5)
    request.check()
    report = run_outputs(request)
    assert report["layout"] == "ssd" and report["samples"] == 1 and report["items"][0]["name"] == "astronaut.png"
    item = report["items"][0]
    # the runtime's own detections for the same preprocessed input
    import openvino as ov

    source = open_inputs(request, request.refs()[0])
    rows = ov.Core().compile_model(str(a), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})(source.inputs(0))[0].reshape(-1, 7)
    expected = [r for r in rows if r[0] >= 0 and r[2] >= 0.5]
    assert len(expected) == 2 and len(item["a"]) == 2
    for box, row in zip(sorted(item["a"], key=lambda x: x["label"]), sorted(expected, key=lambda r: r[1])):
        assert box["label"] == int(row[1]) and box["score"] == pytest.approx(float(row[2]), abs=1e-6)
        assert box["box"] == pytest.approx([float(v) * SSD_SIZE for v in row[3:7]], abs=1e-3)
    picture = cv2.imdecode(np.fromfile(resolve(item["picture_a"]), np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape[:2] == (SSD_SIZE, SSD_SIZE)
    for box in item["a"]:
        x1, y1, x2, y2 = (int(round(v)) for v in box["box"])
        assert tuple(int(c) for c in picture[(y1 + y2) // 2, x1]) == class_colour(box["label"])  # left edge
        assert tuple(int(c) for c in picture[y2, (x1 + x2) // 2]) == class_colour(box["label"])  # bottom edge
    assert item["box_agreement"] == 0.0 and item["disagreement"] == 1.0  # b's boxes moved by 0.2 of the image
    with pytest.raises(UserError, match="either a dataset or one image"):
        OutputsRequest(model_a=str(a), model_b=str(b)).check()
    with pytest.raises(UserError, match="Unknown layout .boxes."):
        OutputsRequest.from_params({"model_a": str(a), "model_b": str(b), "image_path": image, "layout": "boxes"})


def test_segmentation_masks_and_explicit_layout_from_the_cli(workspace: Path, tmp_path: Path, photos: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    seg = segmentation_ir(tmp_path / "seg")
    assert main(["outputs", str(seg), str(seg), "--data", str(photos), "--limit", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["layout"] == "segmentation" and report["samples"] == 3 and report["pixel_agreement"] == 1.0
    with session_scope() as s:
        items = s.get(Result, report["result_id"]).metrics["items"]
    assert all(resolve(item["picture_a"]).is_file() and resolve(item["picture_diff"]).is_file() for item in items)
    assert sum(entry["pixels"] for entry in items[0]["a"]) == 32 * 32
    # the same data read as raw outputs: a heat-map and a histogram of the (zero) difference
    assert main(["outputs", str(seg), str(seg), "--data", str(photos), "--limit", "1", "--layout", "raw", "--json"]) == 0
    raw = json.loads(capsys.readouterr().out)
    with session_scope() as s:
        item = s.get(Result, raw["result_id"]).metrics["items"][0]
    assert raw["layout"] == "raw" and item["outputs"][0]["max_abs_diff"] == 0.0
    assert sum(item["outputs"][0]["histogram"]["counts"]) == 4 * 32 * 32


def test_yolo_rows_either_way_round_with_nms() -> None:
    rows = np.zeros((1, 12, 7), np.float32)  # 12 candidates (more than values per box, as in real YOLO), 4 box values + 3 classes
    rows[0, 0] = [20, 20, 10, 10, 0.9, 0.0, 0.0]
    rows[0, 1] = [21, 20, 10, 10, 0.8, 0.0, 0.0]  # overlaps the first, same class: suppressed
    rows[0, 2] = [40, 40, 8, 8, 0.0, 0.7, 0.0]
    rows[0, 3] = [50, 10, 8, 8, 0.0, 0.0, 0.3]  # below the threshold
    for output in (rows, rows.transpose(0, 2, 1)):
        boxes = yolo_boxes(output, 0.5, 64, 64, ["a", "b", "c"])
        assert [(b["name"], round(b["score"], 2)) for b in boxes] == [("a", 0.9), ("b", 0.7)]
        assert boxes[0]["box"] == pytest.approx([15, 15, 25, 25])


@pytest.mark.slow
def test_requantize_from_the_ranking_keeps_that_layer_in_float(workspace: Path, photos: Path, tmp_path: Path) -> None:
    """Orientation classifier: INT8 job, layer error, then the quantize job again with the worst layer in float."""
    import openvino as ov
    from orientation_data import orientation_ir, register_orientation_variant, write_rotated_dataset

    from core.jobs import run_job_inline
    from core.quantize.layers import precision_summary
    from core.variants import get_variant, variant_xml

    fp32 = register_orientation_variant(orientation_ir(tmp_path / "orientation"))
    rotated = import_dataset(write_rotated_dataset(tmp_path / "rotated", photos=photo_paths()[:3]))
    job = run_job_inline("quantize", "core.quantize.jobs:quantize_job",
                         {"variant_id": fp32, "dataset_id": rotated, "options": {"subset_size": 6}}, variant_id=fp32)
    assert job.state == "done", job.error
    int8 = job.result["variant_id"]
    report = run_layer_error(LayerErrorRequest(parent=str(fp32), variant=str(int8), dataset_id=rotated, samples=3))
    worst = report["suggested_ignored_names"][0]
    outputs = run_outputs(OutputsRequest(model_a=str(fp32), model_b=str(int8), dataset_id=rotated, top_k=2, limit=4))
    assert outputs["layout"] == "classification" and outputs["items"][0]["a"][0]["name"] in CLASSES
    assert outputs["items"][0]["disagreement"] >= outputs["items"][-1]["disagreement"]  # worst first

    request = RequantizeRequest(parent=fp32, previous=int8, ignored_names=[worst])
    request.check()
    spec = request.job()
    assert spec.kind == "quantize" and spec.params["subset_size"] == 6 and spec.params["dataset_id"] == rotated  # flat: QuantizeRequest params
    again = run_job_inline(spec.kind, spec.entrypoint, spec.params, target=spec.target, variant_id=spec.variant_id)
    assert again.state == "done", again.error
    fixed = get_variant(again.result["variant_id"])
    assert fixed.parent_id == fp32 and fixed.params["options"]["ignored_names"] == [worst]
    summary = precision_summary(ov.Core().read_model(variant_xml(fixed)))
    if report["ranking"][0]["anchor_type"] in ("Convolution", "GroupConvolution", "MatMul"):
        assert worst in [layer["name"] for layer in summary["float_layers"]]
    op = next(o for o in ov.Core().read_model(variant_xml(fixed)).get_ordered_ops() if o.get_friendly_name() == worst)
    assert all(i.get_source_output().get_node().get_type_name() != "FakeQuantize" for i in op.inputs())
    with pytest.raises(UserError, match="no layer"):
        RequantizeRequest(parent=fp32, previous=int8, ignored_names=["no_such_layer"]).check()


def test_requantize_cli_reuses_the_previous_settings(workspace: Path, chain: tuple[Path, Path], photos: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from core.jobs import run_job_inline
    from core.variants import create_model, get_variant, register_variant

    model = create_model("Conv chain", "onnx")
    parent = register_variant(model, chain[0], "FP32", "converted", name="FP32")
    dataset = import_dataset(photos)
    job = run_job_inline("quantize", "core.quantize.jobs:quantize_job",
                         {"variant_id": parent, "dataset_id": dataset, "options": {"subset_size": 4, "preset": "mixed"}},
                         variant_id=parent)
    assert job.state == "done", job.error
    int8 = job.result["variant_id"]
    assert main(["requantize", str(parent), "--previous", str(int8), "--ignore", "conv2/WithoutBiases",
                 "--ignore-types", "MatMul", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    fixed = get_variant(result["variant_id"])
    options = fixed.params["options"]
    assert (options["preset"], options["subset_size"], fixed.params["dataset_id"]) == ("mixed", 4, dataset)  # as before
    assert options["ignored_names"] == ["conv2/WithoutBiases"] and options["ignored_types"] == ["MatMul"]
    assert sorted(result["float_layers"]) == ["conv2/WithoutBiases", "fc/WithoutBiases"]
    assert main(["requantize", str(parent), "--previous", str(int8), "--json"]) == 2  # nothing to change
    assert "Nothing to change" in capsys.readouterr().out


def test_layer_error_job_reports_samples_and_stops_on_cancel(workspace: Path, chain: tuple[Path, Path],
                                                             tmp_path: Path) -> None:
    import time

    from core.jobs import cancel_job, get_job, submit_job, wait_for_job

    images = np.random.default_rng(0).uniform(-2, 2, (1000, 3, 32, 32)).astype(np.float32)
    np.savez(tmp_path / "many.npz", image=images)
    dataset = import_dataset(tmp_path / "many.npz")
    request = LayerErrorRequest(parent=str(chain[0]), variant=str(chain[1]), dataset_id=dataset, samples=1000,
                                scope=LayerScope.ALL)
    request.check()
    spec = request.job()
    job_id = submit_job(spec.kind, spec.entrypoint, spec.params, target=spec.target)
    deadline = time.monotonic() + 120
    while "sample" not in (get_job(job_id).message or "") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "sample" in get_job(job_id).message and "/1000" in get_job(job_id).message
    cancel_job(job_id)
    job = wait_for_job(job_id, timeout_s=60)
    assert job.state == "cancelled"
    with session_scope() as s:
        assert s.query(Result).filter_by(kind="layer_error").count() == 0


def test_cli_options_carry_the_requests_defaults() -> None:
    """One place owns defaults and choices: the CLI flags are built from the request types."""
    import argparse
    from dataclasses import fields

    from core.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for command, request, flags in (
        ("outputs", OutputsRequest, {"top_k": "top_k", "layout": "layout", "threshold": "threshold", "limit": "limit"}),
        ("layer-error", LayerErrorRequest, {"samples": "samples", "scope": "scope"}),
    ):
        defaults = {f.name: f.default for f in fields(request)}
        actions = {a.dest: a for a in commands[command]._actions}
        for field_name, dest in flags.items():
            assert str(actions[dest].default) == str(defaults[field_name]), (command, field_name)
        if "layout" in flags:
            assert actions["layout"].choices == [layout.value for layout in Layout]


def test_detections_on_tensor_data_are_scaled_to_the_input_size(workspace: Path, tmp_path: Path) -> None:
    a = ssd_detector_ir(tmp_path / "a")
    np.savez(tmp_path / "t.npz", image=np.random.default_rng(0).uniform(0, 255, (5, 3, SSD_SIZE, SSD_SIZE)).astype(np.float32))
    report = run_outputs(OutputsRequest(model_a=str(a), model_b=str(a), dataset_id=import_dataset(tmp_path / "t.npz")))
    assert report["layout"] == "ssd" and report["samples"] == 5 and report["box_agreement"] == 1.0
    box = report["items"][0]["a"][0]["box"]
    assert max(box) > 20 and "picture_a" not in report["items"][0]  # pixels of the 64x64 input; no picture to draw on


def test_layer_error_is_painted_on_the_graph(workspace: Path, chain: tuple[Path, Path], photos: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The Graph page's "error" colouring: the damaged chain is the hottest node, layers before it
    are near zero, and the CLI paints the same stored analysis."""
    from core.analysis.results import load_layer_error_rows
    from core.graph import colour_scene, graph_from_file, lay_out

    parent, damaged = chain
    assert main(["layer-error", str(parent), str(damaged), "--data", str(photos), "--samples", "2", "--json"]) == 0
    result_id = json.loads(capsys.readouterr().out)["result_id"]
    rows = load_layer_error_rows(result_id)
    graph = graph_from_file(damaged)
    scene = lay_out(graph)
    colouring = colour_scene(scene, "error", layer_error=rows)
    names = {v.id: {graph.node(m).name for m in v.members} for v in scene.view.nodes}
    damaged_nodes = [v for v, members in names.items() if members & {"conv3/WithoutBiases", "conv3", "relu3"}]
    before = [v for v, members in names.items() if members & {"relu1", "conv1", "relu2"}]
    assert damaged_nodes and before
    assert all(colouring.raw[v] > 0.05 for v in damaged_nodes)  # hot from the damage on ...
    assert all(colouring.raw[v] < 1e-6 for v in before)  # ... cold before it
    assert colouring.summary["largest_jump_at"] in {"conv3/WithoutBiases", "conv3", "relu3"}
    assert "relative error" in colouring.text[damaged_nodes[0]] and "jump rank 1" in colouring.text[damaged_nodes[0]]
    with pytest.raises(UserError, match="layer-error analysis"):
        colour_scene(scene, "error")
    with pytest.raises(UserError, match="no layer-error result"):
        load_layer_error_rows(10_000)
    assert main(["graph", str(damaged), "--layer-error", str(result_id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["colour_by"].startswith("Relative error")
