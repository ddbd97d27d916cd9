"""Comparison on real measurements: FP32, FP16 and INT8 (NNCF on random data) variants of a conv
net, benchmarked and profiled with issue 5's library; layer matching on the real FP32/INT8
profiles, ratios, Pareto front, recommendation, report, CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openvino as ov
import pytest

from benchmark_models import conv_net
from compare_data import Measured, measured_workspace
from core.compare.comparison import Limits, build_comparison, layers_of
from core.compare.layers import compare_profiles, match_layers
from core.compare.report import to_csv, to_html
from core.compare.selection import load_entries, load_profile
from core.errors import UserError
from core.precision import device_compute

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Measured]:
    root = tmp_path_factory.mktemp("compare")
    source = conv_net(root / "source", "conv", dynamic_batch=False, size=48)
    yield from measured_workspace(root, source)


def _executed_ms(layers: list[dict]) -> float:  # type: ignore[type-arg]
    return sum(row["real_ms"] for row in layers if row["status"] == "executed")


# ---------------------------------------------------------------- layer matching (real profiles)


def test_layers_match_across_fp32_and_int8_by_covered_ir_layers(measured: Measured) -> None:
    fp32, int8 = load_profile(measured.profiles["FP32"]), load_profile(measured.profiles["INT8"])
    groups = match_layers(fp32.layers, int8.layers)

    # every kernel with time or IR layers is in exactly one group, on its own side
    for side, profile in (("layers_a", fp32), ("layers_b", int8)):
        placed = [name for g in groups for name in getattr(g, side)]
        kernels = [row["name"] for row in profile.layers if not row.get("fused_into")
                   and (row["original_layers"] or row["status"] == "executed")]
        assert sorted(placed) == sorted(kernels)
    # no time is lost or counted twice
    assert sum(g.time_a_ms for g in groups) == pytest.approx(_executed_ms(fp32.layers))
    assert sum(g.time_b_ms for g in groups) == pytest.approx(_executed_ms(int8.layers))

    # both convolutions are matched although INT8 fused quantizers into them; INT8 runs them in 8 bits
    convs = [g for g in groups if g.type == "Convolution"]
    assert len(convs) == 2 and all(g.side == "both" for g in convs)
    assert all(g.precision_a == "f32" and g.precision_b in {"u8", "i8"} for g in convs)
    for group in convs:
        assert group.ratio == pytest.approx(group.time_b_ms / group.time_a_ms)
        assert group.diff_ms == pytest.approx(group.time_b_ms - group.time_a_ms)
    # the renamed reduction kernel (ReduceMean_12 -> ..._original on INT8) is still matched
    reduce_group = next(g for g in groups if any("ReduceMean" in n for n in g.layers_a))
    assert reduce_group.side == "both"
    # the input Reorders the plugin inserted (no IR layer) pair up by the convolution they feed
    reorders = [g for g in groups if g.type == "Reorder"]
    assert reorders and all(g.side == "both" and g.ir_layers == [] for g in reorders)
    first_conv = convs[0].layers_a[0]  # OpenVINO numbers auto-named ops per process: read the name
    assert all(a.endswith(f"_{first_conv}") and b.endswith(f"_{first_conv}")
               for g in reorders for a, b in zip(g.layers_a, g.layers_b))


def test_one_sided_layers_are_named(measured: Measured) -> None:
    fp32, int8 = load_profile(measured.profiles["FP32"]), load_profile(measured.profiles["INT8"])
    result = compare_profiles(fp32.layers, int8.layers)
    covered_a = {n for row in fp32.layers for n in row["original_layers"]}
    covered_b = {n for row in int8.layers for n in row["original_layers"]}
    assert result["only_a_ir_layers"] == sorted(covered_a - covered_b)
    assert result["only_b_ir_layers"] == sorted(covered_b - covered_a)
    # NNCF's quantizers exist on the INT8 side only
    assert any("fq" in name.lower() for name in result["only_b_ir_layers"])
    int8_ir = {op.get_friendly_name() for op in ov.Core().read_model(int8.config["model_path"]).get_ops()}
    assert any(name in int8_ir for name in result["only_b_ir_layers"])
    one_sided = [g for g in result["groups"] if g["side"] != "both"]
    assert one_sided and all(g["note"] for g in one_sided) and all(g["ratio"] is None for g in one_sided)
    # the quantizer on the input is a kernel of B only, with its own time
    assert any(g["side"] == "b" and g["time_b_ms"] > 0 for g in result["groups"])


def test_per_type_sums_and_ir_ratio_map(measured: Measured) -> None:
    fp32, int8 = load_profile(measured.profiles["FP32"]), load_profile(measured.profiles["INT8"])
    result = compare_profiles(fp32.layers, int8.layers)
    assert sum(t["time_a_ms"] for t in result["by_type"]) == pytest.approx(result["total_a_ms"])
    assert sum(t["time_b_ms"] for t in result["by_type"]) == pytest.approx(result["total_b_ms"])
    conv = next(t for t in result["by_type"] if t["type"] == "Convolution")
    assert conv["count_a"] == conv["count_b"] == 2
    assert conv["ratio"] == pytest.approx(conv["time_b_ms"] / conv["time_a_ms"])
    assert result["total_ratio"] == pytest.approx(result["total_b_ms"] / result["total_a_ms"])
    for group in result["groups"]:
        if group["ratio"] is not None:
            assert all(result["ir_layer_ratio"][name] == group["ratio"] for name in group["ir_layers"])
    # same profile on both sides: everything matched, ratio 1
    same = compare_profiles(fp32.layers, fp32.layers)
    assert same["only_a_ir_layers"] == same["only_b_ir_layers"] == []
    assert all(g["side"] == "both" for g in same["groups"]) and same["total_ratio"] == pytest.approx(1.0)


# ---------------------------------------------------------------- the comparison document


def test_entries_carry_size_lineage_and_accuracy(measured: Measured) -> None:
    ids = [measured.benchmarks[p] for p in ("FP32", "FP16", "INT8")]
    fp32, fp16, int8 = load_entries(ids)
    assert (fp32.precision, fp16.precision, int8.precision) == ("FP32", "FP16", "INT8")
    assert fp16.parent_id == int8.parent_id == fp32.variant_id
    assert fp16.size_bytes < fp32.size_bytes  # FP16 weights
    # INT8 accuracy was measured by the quantizer against its FP32 parent (agreement on random inputs)
    assert int8.accuracy is not None and not int8.accuracy.derived
    assert int8.accuracy.metric in {"top1_agreement", "cosine"} and 0 <= int8.accuracy.value <= 1
    # FP32 was never measured itself: it is the reference of INT8's measurement
    assert fp32.accuracy is not None and fp32.accuracy.derived and fp32.accuracy.value == 1.0
    assert fp16.accuracy is None


def test_ratios_are_the_stored_numbers_divided(measured: Measured) -> None:
    ids = [measured.benchmarks[p] for p in ("FP32", "FP16", "INT8", "INT8-latency")]
    doc = build_comparison(ids, baseline_id=measured.benchmarks["FP32"])
    rows = {row["result_id"]: row for row in doc["rows"]}
    base = rows[measured.benchmarks["FP32"]]
    assert base["is_baseline"] and base["ratios"]["speedup"] == 1.0 and base["ratios"]["size_reduction"] == 1.0
    for row in doc["rows"]:
        assert row["ratios"]["speedup"] == pytest.approx(row["throughput_fps"] / base["throughput_fps"])
        assert row["ratios"]["latency_ratio"] == pytest.approx(row["latency_ms"]["median"] / base["latency_ms"]["median"])
        assert row["ratios"]["size_reduction"] == pytest.approx(base["size_bytes"] / row["size_bytes"])
    int8 = rows[measured.benchmarks["INT8"]]
    assert int8["ratios"]["accuracy_change_pts"] == pytest.approx((int8["accuracy_value"] - 1.0) * 100)
    assert rows[measured.benchmarks["FP16"]]["ratios"]["accuracy_change_pts"] is None  # not measured
    # another baseline flips the direction
    flipped = build_comparison(ids, baseline_id=measured.benchmarks["INT8"])
    fp32_row = next(r for r in flipped["rows"] if r["result_id"] == measured.benchmarks["FP32"])
    assert fp32_row["ratios"]["speedup"] == pytest.approx(base["throughput_fps"] / int8["throughput_fps"])


def test_front_recommendation_and_limits(measured: Measured) -> None:
    ids = [measured.benchmarks[p] for p in ("FP32", "FP16", "INT8", "INT8-latency")]
    doc = build_comparison(ids)
    rows = {row["result_id"]: row for row in doc["rows"]}
    assert doc["front"] and all(rows[key]["on_front"] for key in doc["front"])
    winner = rows[doc["recommendation"]["result_id"]]
    assert winner["result_id"] == doc["front"][0]
    # the winner is the fastest result among those with a comparable accuracy
    placed = [r for r in doc["rows"] if r["accuracy_value"] is not None]
    assert winner["throughput_fps"] == max(r["throughput_fps"] for r in placed)
    text = doc["recommendation"]["text"]
    # both precision axes name the winner; the ratio names the baseline's two axes
    assert text.startswith(f"{winner['precision_label']} on CPU, {winner['hint']} hint")
    assert winner["precision_label"] == f"{winner['precision']} weights · {winner['compute_precision']} compute"
    base = rows[doc["baseline_id"]]
    if winner["result_id"] != doc["baseline_id"]:
        assert f"{winner['ratios']['speedup']:.2f}× {base['precision_key']} FPS" in text

    # FP16 has no accuracy figure, so it cannot be on the front; if it measured faster, the line says so
    fp16 = rows[measured.benchmarks["FP16"]]
    assert not fp16["on_front"]
    assert (f"#{fp16['result_id']} {fp16['precision_label']} on CPU" in text) == (
        fp16["throughput_fps"] > winner["throughput_fps"])

    strict = build_comparison(ids, limits=Limits(max_latency_ms=1e-6))
    assert strict["front"] == [] and strict["recommendation"]["result_id"] is None
    assert strict["recommendation"]["text"].startswith("No result meets median latency ≤ 1e-06 ms")
    assert all(not r["meets_limits"] and "latency" in r["violations"][0] for r in strict["rows"])

    picky = build_comparison(ids, limits=Limits(min_accuracy=0.0))
    unmeasured = next(r for r in picky["rows"] if r["result_id"] == measured.benchmarks["FP16"])
    assert unmeasured["violations"] == ["accuracy not measured"] and not unmeasured["on_front"]


def test_warnings_explain_fp16_on_this_cpu(measured: Measured) -> None:
    doc = build_comparison([measured.benchmarks["FP32"], measured.benchmarks["FP16"]])
    fp16 = next(r for r in doc["rows"] if r["precision"] == "FP16")
    device = device_compute("CPU")
    # a default benchmark computes in what the device reports as its default, whatever the weights
    assert fp16["compute_precision"] == device["default"] == fp16["inference_precision"]
    if device["default"] != "f16":
        assert any(f"FP16 IR was computed in {device['default']}" in w for w in doc["warnings"])
        if "f16" not in device["native"]:
            assert any("CPU reports no native f16 compute" in w for w in doc["warnings"])


def test_bad_choices_are_user_errors(measured: Measured) -> None:
    with pytest.raises(UserError, match="no result #999999"):
        build_comparison([999999])
    with pytest.raises(UserError, match="is a profile result"):
        build_comparison([measured.benchmarks["FP32"], measured.profiles["INT8"]])
    with pytest.raises(UserError, match="baseline #.* is not among"):
        build_comparison([measured.benchmarks["FP32"]], baseline_id=measured.benchmarks["INT8"])
    with pytest.raises(UserError, match="not a profile"):
        layers_of((measured.benchmarks["FP32"], measured.profiles["INT8"]))
    with pytest.raises(UserError, match="No results chosen"):
        build_comparison([])


# ---------------------------------------------------------------- report and CLI


def test_html_report_is_self_contained_and_complete(measured: Measured) -> None:
    ids = [measured.benchmarks[p] for p in ("FP32", "FP16", "INT8")]
    doc = build_comparison(ids, profile_ids=(measured.profiles["FP32"], measured.profiles["INT8"]))
    page = to_html(doc)
    assert page.count("plotly.js v") == 1  # the library inlined once, not fetched
    assert not re.search(r"<script[^>]+src=", page) and not re.search(r"""<link[^>]+href=["']?http""", page)
    assert page.count('class="plotly-graph-div"') == 5  # FPS, latency, trade-off, distributions, per type
    machine = doc["machines"][0]
    for needle in (machine["cpu"], f"OpenVINO {doc['versions']['openvino']}", f"NNCF {doc['versions']['nncf']}",
                   doc["recommendation"]["text"].split(":")[0], "IR layers covered only in B"):
        assert needle in page
    for row in doc["rows"]:
        assert row["commands"]["benchmark"]["workspace"] in page.replace("&#x27;", "'")
    embedded = re.search(r'<script type="application/json" id="comparison-data">(.*?)</script>', page, re.S)
    assert embedded and json.loads(embedded.group(1))["baseline_id"] == doc["baseline_id"]


def test_csv_has_every_setting_and_command(measured: Measured) -> None:
    doc = build_comparison([measured.benchmarks[p] for p in ("FP32", "INT8-latency")])
    rows = list(csv.DictReader(io.StringIO(to_csv(doc))))
    assert [int(r["Result"]) for r in rows] == [measured.benchmarks["FP32"], measured.benchmarks["INT8-latency"]]
    assert rows[1]["config.hint"] == "latency" and rows[1]["Command"].startswith("python -m core benchmark ")
    assert "--hint latency" in rows[1]["Command"] and "-t 1" in rows[1]["Command"]
    assert float(rows[0]["FPS"]) == pytest.approx(doc["rows"][0]["throughput_fps"])


def _cli(args: list[str], workspace: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), OVWB_NO_SAMPLE="1", PYTHONPATH=str(ROOT))
    env.pop("OVWB_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_cli_compare_writes_reports(measured: Measured, tmp_path: Path) -> None:
    ids = [str(measured.benchmarks[p]) for p in ("FP32", "FP16", "INT8")]
    profiles = [str(measured.profiles["FP32"]), str(measured.profiles["INT8"])]
    out = tmp_path / "report.html"
    done = _cli(["compare", *ids, *profiles, "--baseline", ids[0], "--html", str(out), "--csv",
                 str(tmp_path / "t.csv"), "--max-latency", "1000", "--json"], measured.workspace)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [r["result_id"] for r in data["rows"]] == [int(i) for i in ids]
    assert data["layers"]["a"]["result_id"] == measured.profiles["FP32"] and data["written"]["html"] == str(out)
    assert out.stat().st_size > 3_000_000 and (tmp_path / "t.csv").is_file()

    human = _cli(["compare", *ids], measured.workspace)
    assert human.returncode == 0 and "recommendation:" in human.stdout

    bad = _cli(["compare", ids[0], profiles[0], "--json"], measured.workspace)
    assert bad.returncode == 2 and "exactly two profile" in json.loads(bad.stdout.splitlines()[0])["error"]


@pytest.mark.slow
def test_reproduce_command_reproduces_the_row(measured: Measured) -> None:
    """The report's command, run as printed, measures the same configuration again."""
    doc = build_comparison([measured.benchmarks["INT8-latency"]])
    command = doc["rows"][0]["commands"]["benchmark"]["workspace"]
    args = command.split()[3:]  # after "python -m core"
    done = _cli(args, measured.workspace)
    assert done.returncode == 0, done.stderr
    again = json.loads(done.stdout)
    original = doc["rows"][0]["config"]
    assert again["config"] == original
    again_doc = build_comparison([measured.benchmarks["INT8-latency"], again["id"]])
    assert again_doc["rows"][1]["commands"]["benchmark"]["workspace"] == command
