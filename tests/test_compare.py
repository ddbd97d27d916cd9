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
from compare_data import Measured, benchmark, measured_workspace, profile, reduced_compute
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


def test_profiles_carry_their_compute_precision(measured: Measured) -> None:
    """Forced f32 on both sides: like for like. A profile in the device's reduced precision is
    labelled so, and the report says the pair mixes compute precisions."""
    layers = layers_of((measured.profiles["FP32"], measured.profiles["INT8"]))
    assert layers["a"]["compute_precision"] == layers["b"]["compute_precision"] == "f32"
    assert "FP32·f32" in layers["a"]["label"]
    from core.compare.choices import result_choices

    offered = {c["id"]: c["precision_key"] for c in result_choices("profile")}
    assert offered[measured.profiles["FP32"]] == "FP32·f32" and offered[measured.profiles["INT8"]] == "INT8·f32"
    reduced = reduced_compute()
    if reduced is None:
        pytest.skip("the device computes only in f32")
    fast = profile(measured.variants["INT8"], infer_precision=reduced)
    mixed = layers_of((measured.profiles["FP32"], fast))
    assert mixed["b"]["compute_precision"] == reduced and f"INT8·{reduced}" in mixed["b"]["label"]
    doc = build_comparison([measured.benchmarks["FP32"]], profile_ids=(measured.profiles["FP32"], fast))
    assert f"computed in different precisions (f32 vs {reduced})" in to_html(doc)


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


# ---------------------------------------------------------------- two precision axes, like for like


def _row(doc: dict, result_id: int) -> dict:  # type: ignore[type-arg]
    return next(r for r in doc["rows"] if r["result_id"] == result_id)


def test_every_row_report_and_export_names_both_axes(measured: Measured) -> None:
    ids = [measured.benchmarks[p] for p in ("FP32", "FP16", "INT8")]
    doc = build_comparison(ids)
    default = device_compute("CPU")["default"]
    for row in doc["rows"]:
        assert row["weight_precision"] == row["precision"]
        assert row["compute_precision"] == default and "compiled model" in row["compute_source"]
        assert row["precision_label"] == f"{row['precision']} weights · {default} compute"
        assert row["precision_key"] == f"{row['precision']}·{default}"
    page = to_html(doc)
    assert "FP32 weights · " + default + " compute" in page
    assert json.dumps(f"INT8·{default} #")[1:-1] in page  # the chart axis, inside plotly's JSON
    records = list(csv.DictReader(io.StringIO(to_csv(doc))))
    assert [(r["Weights"], r["Compute"]) for r in records] == [(p, default) for p in ("FP32", "FP16", "INT8")]
    assert records[2]["Precision"] == f"INT8 weights · {default} compute"
    fps = doc_figure_names(doc)
    assert fps == {f"{p}·{default}" for p in ("FP32", "FP16", "INT8")}


def doc_figure_names(doc: dict) -> set[str]:  # type: ignore[type-arg]
    from core.compare.charts import fps_bars

    return {trace.name for trace in fps_bars(doc).data}


def test_computed_alike_is_said_in_the_default_and_in_f32(measured: Measured) -> None:
    default = device_compute("CPU")["default"]
    for compute, ids in ((default, [measured.benchmarks["FP32"], measured.benchmarks["FP16"]]),
                         ("f32", [benchmark(measured.variants[p], infer_precision="f32") for p in ("FP32", "FP16")])):
        doc = build_comparison(ids)
        fp32, fp16 = (_row(doc, i) for i in ids)
        assert fp32["compute_precision"] == fp16["compute_precision"] == compute
        statement = next(w for w in doc["warnings"] if w.startswith("FP32 and FP16 were computed alike"))
        assert statement.startswith(f"FP32 and FP16 were computed alike in {compute} (#{ids[0]} and #{ids[1]}")
        speedup = fp16["throughput_fps"] / fp32["throughput_fps"]
        # the noise band: ±5 % at least, twice the combined spread of the repeats otherwise
        spread = ((fp16["throughput_fps_std"] / fp16["throughput_fps"]) ** 2
                  + (fp32["throughput_fps_std"] / fp32["throughput_fps"]) ** 2) ** 0.5
        within = abs(speedup - 1) <= max(0.05, 2 * spread)
        assert ("no FP16 gain beyond noise" in statement) == within
        assert ("re-run both before trusting it" in statement) == (not within)
        assert fp16["like_for_like"]["is_like_for_like"] and not fp16["like_for_like"]["mixes"]


def test_a_ratio_across_settings_is_flagged_on_any_cpu(measured: Measured) -> None:
    fp32, latency = measured.benchmarks["FP32"], measured.benchmarks["INT8-latency"]
    doc = build_comparison([fp32, latency], baseline_id=fp32)
    row = _row(doc, latency)
    assert row["like_for_like"]["mixes"] == ["mixes settings: hint latency vs throughput"]
    assert f"#{latency} vs baseline #{fp32} mixes settings: hint latency vs throughput — the ratio is not like " \
           "for like." in " ".join(doc["warnings"])
    # the same IR under two settings is a settings comparison: like for like
    same = build_comparison([measured.benchmarks["INT8"], latency])
    assert _row(same, latency)["like_for_like"]["is_like_for_like"]


def test_benchmark_app_settings_count_as_settings(measured: Measured) -> None:
    """-pin and -pc (benchmark_app spellings) change what is measured: a ratio across them and
    across weights at once is not like for like."""
    fp32 = benchmark(measured.variants["FP32"])
    pinned_counted = benchmark(measured.variants["INT8"], pin=False, perf_counts=True)
    row = _row(build_comparison([fp32, pinned_counted], baseline_id=fp32), pinned_counted)
    assert not row["like_for_like"]["is_like_for_like"]
    words = " ".join(row["like_for_like"]["mixes"])
    assert "CPU pinning False vs None" in words and "per-layer counters True vs False" in words


def test_mixed_compute_precisions_are_flagged_and_never_credited_to_the_ir(measured: Measured) -> None:
    reduced = reduced_compute()
    if reduced is None:
        pytest.skip("the device computes only in f32: there is no second compute precision to mix")
    fp32_exact = benchmark(measured.variants["FP32"], infer_precision="f32")
    fp32_reduced = benchmark(measured.variants["FP32"], infer_precision=reduced)
    int8_reduced = benchmark(measured.variants["INT8"], infer_precision=reduced)
    doc = build_comparison([fp32_exact, fp32_reduced, int8_reduced], baseline_id=fp32_exact)
    int8 = _row(doc, int8_reduced)
    assert int8["compute_precision"] == reduced and _row(doc, fp32_exact)["compute_precision"] == "f32"
    assert int8["like_for_like"]["mixes"] == [f"mixes compute precisions: {reduced} vs f32"]
    # the like-for-like reference: FP32 computed like INT8
    assert int8["like_for_like"]["reference_id"] == fp32_reduced
    assert int8["like_for_like"]["speedup"] == pytest.approx(int8["throughput_fps"] / _row(doc, fp32_reduced)["throughput_fps"])
    warning = next(w for w in doc["warnings"] if w.startswith(f"#{int8_reduced} vs baseline"))
    assert warning.startswith(f"#{int8_reduced} vs baseline #{fp32_exact} mixes compute precisions: {reduced} vs f32 "
                              "— the speed-up is not the IR's doing.")
    assert f"#{fp32_reduced} FP32 weights · {reduced} compute" in warning
    # same IR, two compute precisions: a compute comparison, like for like, no caveat
    assert _row(doc, fp32_reduced)["like_for_like"]["is_like_for_like"]
    assert not any(w.startswith(f"#{fp32_reduced} vs baseline") for w in doc["warnings"])
    records = {int(r["Result"]): r for r in csv.DictReader(io.StringIO(to_csv(doc)))}
    assert records[int8_reduced]["Ratio caveat"] == f"mixes compute precisions: {reduced} vs f32"
    assert records[int8_reduced]["Like-for-like vs"] == f"#{fp32_reduced} FP32·{reduced}"

    # whatever wins, an INT8 speed claim is made against FP32 computed alike
    text = doc["recommendation"]["text"]
    if doc["recommendation"]["result_id"] == int8_reduced:
        assert f"FP32·{reduced} FPS (like for like, #{fp32_reduced}" in text
        assert "a ratio that mixes compute precisions" in text
        assert f"× FP32·f32 FPS" not in text


def _device_is_reduced() -> bool:
    return bool(device_compute("CPU")["default_is_reduced"])


@pytest.mark.parametrize("fp32_runs", [("default",), ("f32", "default"), ("f32",)])
def test_missing_fp32_runs_are_offered_exactly_when_the_default_is_reduced(measured: Measured,
                                                                          fp32_runs: tuple[str, ...]) -> None:
    """FP32·f32 and FP32·default: whichever of the two the selection lacks is offered, only on a
    device whose default compute is reduced (on an f32-default device they are the same run)."""
    facts = device_compute("CPU")
    fp32 = {"default": measured.benchmarks["FP32"]}
    if "f32" in fp32_runs:
        fp32["f32"] = benchmark(measured.variants["FP32"], infer_precision="f32")
    ids = [fp32[r] for r in fp32_runs] + [measured.benchmarks["FP16"], measured.benchmarks["INT8"]]
    doc = build_comparison(ids)
    offered = {run["compute"]: run for run in doc["missing_runs"]}
    if not facts["default_is_reduced"]:
        assert offered == {}
        return
    expected = {"f32", facts["default"]} - {"f32" if "f32" in fp32_runs else None,
                                            facts["default"] if "default" in fp32_runs else None}
    assert set(offered) == expected
    for compute, run in offered.items():
        assert run["variant_id"] == measured.variants["FP32"] and run["what"] == f"FP32 weights · {compute} compute"
        assert run["settings"]["hint"] == "throughput" and run["settings"]["duration_s"] == 1.0
        assert ("--infer-precision f32" in run["command"]) == (compute == "f32")
        assert run["command"].startswith(f"python -m core benchmark {measured.variants['FP32']} -d CPU --hint throughput")
        assert run["completes"] == sorted(ids) or set(run["completes"]) == set(ids)
    if "f32" in offered:
        assert offered["f32"]["label"] == "Benchmark FP32 with f32 compute"
        assert offered["f32"]["settings"]["infer_precision"] == "f32"
    if facts["default"] in offered:
        assert "infer_precision" not in offered[facts["default"]]["settings"]


def test_cli_lists_missing_runs_and_their_command_makes_them(measured: Measured) -> None:
    ids = [str(measured.benchmarks[p]) for p in ("FP32", "FP16", "INT8")]
    done = _cli(["compare", *ids, "--json"], measured.workspace)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [r["precision_label"] for r in data["rows"]] == [f"{p} weights · {device_compute('CPU')['default']} compute"
                                                             for p in ("FP32", "FP16", "INT8")]
    if not _device_is_reduced():
        assert data["missing_runs"] == []
        return
    run = next(r for r in data["missing_runs"] if r["compute"] == "f32")
    made = _cli(run["command"].split()[3:], measured.workspace)  # as printed, after "python -m core"
    assert made.returncode == 0, made.stderr
    new_id = json.loads(made.stdout)["id"]
    after = json.loads(_cli(["compare", *ids, str(new_id), "--json"], measured.workspace).stdout)
    assert _row(after, new_id)["precision_label"] == "FP32 weights · f32 compute"
    assert not any(r["compute"] == "f32" for r in after["missing_runs"])
    human = _cli(["compare", *ids], measured.workspace)
    assert "missing_runs:" in human.stdout and "--infer-precision f32" in human.stdout


def test_results_with_the_new_keys_and_a_noisy_mark(measured: Measured) -> None:
    """A result stored the way the benchmark now stores it (compute_precision, runtime_precisions,
    weight_precision, noisy): read first, noisy results carry their reason everywhere."""
    from core.benchmark import BenchmarkSettings, run_benchmark, save_result
    from core.variants import get_variant, variant_xml

    xml = variant_xml(get_variant(measured.variants["INT8"]))
    options = BenchmarkSettings.from_params({"duration_s": 1.0, "infer_precision": "f32"})
    metrics = run_benchmark(xml, options)
    metrics.update(compute_precision="f32", weight_precision="INT8", runtime_precisions={"f32": 9, "u8": 2},
                   noisy={"noisy": True, "reasons": ["a quantize job was running on CPU"]})
    noisy_id = save_result("benchmark", {**options.to_config(), "model_path": str(xml)}, metrics,
                           measured.variants["INT8"], None, "CPU")
    doc = build_comparison([measured.benchmarks["FP32"], noisy_id])
    row = _row(doc, noisy_id)
    assert (row["weight_precision"], row["compute_precision"]) == ("INT8", "f32")
    assert row["compute_source"] == "read back from the compiled model" and row["compute_requested"] == "f32"
    assert row["noisy"] == ["a quantize job was running on CPU"]
    assert f"#{noisy_id} is marked noisy: a quantize job was running on CPU." in " ".join(doc["warnings"])
    record = next(r for r in csv.DictReader(io.StringIO(to_csv(doc))) if int(r["Result"]) == noisy_id)
    assert record["Noisy"] == "a quantize job was running on CPU" and record["Runtime precisions"] == "f32 9, u8 2"
    assert "noisy: a quantize job was running on CPU" in to_html(doc)


def test_default_selection_covers_fp32_in_f32_and_in_the_default(measured: Measured) -> None:
    from core.compare.choices import default_baseline, default_selection, result_choices

    exact = benchmark(measured.variants["FP32"], infer_precision="f32")
    choices = result_choices()
    picked = default_selection(choices, get_model_id(measured))
    by_id = {c["id"]: c for c in choices}
    keys = {by_id[i]["precision_key"] for i in picked}
    default = device_compute("CPU")["default"]
    assert {"FP32·f32", f"FP32·{default}", f"FP16·{default}", f"INT8·{default}"} <= keys
    assert exact in picked or any(by_id[i]["precision_key"] == "FP32·f32" and i > exact for i in picked)
    # the baseline is computed like most of the selection, so most ratios are like for like
    baseline = by_id[default_baseline(choices, picked)]
    assert baseline["precision"] == "FP32" and baseline["parent_id"] is None
    computes = [by_id[i]["compute_precision"] for i in picked]
    assert computes.count(baseline["compute_precision"]) == max(computes.count(c) for c in computes)


def get_model_id(measured: Measured) -> int:
    from core.variants import get_variant

    return get_variant(measured.variants["FP32"]).model_id


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


def test_accuracy_is_picked_per_compute_precision_and_an_f32_stand_in_is_marked(measured: Measured,
                                                                                tmp_path: Path) -> None:
    """Issue 10 item 2: a row computed in the device default gets the accuracy measured in that
    compute when there is one; otherwise the f32 figure, marked in the row, the table and the
    recommendation, and the missing measurement is offered (same data) — run here as the page
    runs it. On a device whose default is f32 nothing stands in and nothing is offered."""
    from orientation_data import write_flat_photos

    from core.compare.missing_runs import job_request
    from core.compare.recommend import describe_against
    from core.compare.table import table_records
    from core.datasets import import_dataset
    from core.jobs import run_job_inline

    facts = device_compute("CPU")
    default = facts["default"]
    exact = benchmark(measured.variants["FP32"], infer_precision="f32")
    ids = [exact, measured.benchmarks["FP32"], measured.benchmarks["INT8"]]
    dataset = import_dataset(write_flat_photos(tmp_path / "photos", 6))
    job = run_job_inline("accuracy", "core.accuracy.jobs:accuracy_job",
                         {"variant_id": measured.variants["INT8"], "dataset_id": dataset, "limit": 6},
                         variant_id=measured.variants["INT8"])
    assert job.state == "done", job.error
    doc = build_comparison(ids, baseline_id=exact)
    exact_row, default_row, int8_row = (_row(doc, i) for i in ids)
    assert exact_row["accuracy"]["compute_precision"] == "f32" and exact_row["accuracy"]["fallback_for"] is None
    records = {r["Result"]: r for r in table_records(doc)}
    csv_records = {int(r["Result"]): r for r in csv.DictReader(io.StringIO(to_csv(doc)))}
    accuracy_runs = [r for r in doc["missing_runs"] if r.get("kind") == "accuracy"]
    if not facts["default_is_reduced"]:
        for row in (default_row, int8_row):
            assert row["accuracy"]["compute_precision"] == "f32" and row["accuracy"]["fallback_for"] is None
        assert accuracy_runs == [] and records[measured.benchmarks["INT8"]]["Accuracy compute"] == "f32"
        return
    note = f"accuracy measured in f32 compute; not measured in {default}"
    for row in (default_row, int8_row):
        assert row["accuracy"]["compute_precision"] == "f32" and row["accuracy"]["fallback_for"] == default
        assert row["accuracy"]["note"] == note
        assert records[row["result_id"]]["Accuracy compute"] == f"f32 (not measured in {default})"
        assert csv_records[row["result_id"]]["Accuracy compute"] == f"f32 (not measured in {default})"
    assert records[exact]["Accuracy compute"] == "f32"
    assert any(note in w for w in doc["warnings"])
    entries = {e.result_id: e for e in load_entries(ids)}
    assert note in describe_against(entries[measured.benchmarks["INT8"]], entries[exact])
    by_variant = {run["variant_id"]: run for run in accuracy_runs}
    assert set(by_variant) == {measured.variants["FP32"], measured.variants["INT8"]}
    fp32_run = by_variant[measured.variants["FP32"]]
    assert fp32_run["label"] == f"Measure FP32 accuracy in {default} compute"
    assert fp32_run["params"]["dataset_id"] == dataset and fp32_run["params"]["limit"] == 6
    assert fp32_run["params"]["reference_variant_id"] == measured.variants["FP32"]  # the f32 FP32 is the reference
    assert f"--data {dataset}" in fp32_run["command"] and f"--compute-precision {default}" in fp32_run["command"]
    spec = job_request(fp32_run).job()
    made = run_job_inline(spec.kind, spec.entrypoint, spec.params, target=spec.target, variant_id=spec.variant_id)
    assert made.state == "done", made.error
    after = build_comparison(ids, baseline_id=exact)
    picked = _row(after, measured.benchmarks["FP32"])["accuracy"]
    assert picked["compute_precision"] == default and picked["fallback_for"] is None
    assert picked["result_id"] == made.result["result_id"]
    assert _row(after, exact)["accuracy"]["compute_precision"] == "f32"  # the f32 row keeps the f32 figure
    assert {r["variant_id"] for r in after["missing_runs"] if r.get("kind") == "accuracy"} == {measured.variants["INT8"]}
    int8_run = next(r for r in after["missing_runs"] if r.get("kind") == "accuracy")
    printed = _cli(["compare", *map(str, ids), "--json"], measured.workspace)
    assert printed.returncode == 0, printed.stderr
    assert int8_run["command"] in {r["command"] for r in json.loads(printed.stdout)["missing_runs"]}
    done = _cli(int8_run["command"].split()[3:], measured.workspace)  # as printed, after "python -m core"
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["compute_precision"] == default
    assert f"--compute-precision {default}" in _row(after, measured.benchmarks["FP32"])["commands"]["accuracy"]
    assert "--compute-precision" not in _row(after, exact)["commands"]["accuracy"]


def test_compare_page_button_measures_accuracy_in_the_rows_compute(measured: Measured) -> None:
    """After the test above (same workspace): the INT8 row computed in the device default still
    shows its f32 accuracy; the Compare page offers the measurement in that compute as a button,
    and the click submits the accuracy job with the stored accuracy's dataset and settings."""
    from core.jobs import list_jobs, wait_for_job
    from tests.conftest import open_page

    facts = device_compute("CPU")
    at = open_page("pages/compare.py")
    assert not at.exception, at.exception
    buttons = {b.label: b for b in at.button if b.key and b.key.startswith("compare_missing_")}
    accuracy_buttons = [label for label in buttons if label.startswith("Measure ")]
    if not facts["default_is_reduced"]:
        assert accuracy_buttons == []
        return
    label = f"Measure INT8 accuracy in {facts['default']} compute"
    assert label in accuracy_buttons, buttons.keys()
    before = {job.id for job in list_jobs()}
    buttons[label].click().run()
    assert not at.exception, at.exception
    jobs = [job for job in list_jobs() if job.id not in before]
    assert len(jobs) == 1 and jobs[0].kind == "accuracy" and jobs[0].variant_id == measured.variants["INT8"]
    assert jobs[0].params["compute_precision"] == facts["default"] and jobs[0].params["limit"] == 6
    job = wait_for_job(jobs[0].id, timeout_s=240)
    assert job.state == "done", job.error
    at.run()
    assert not at.exception, at.exception
    assert label not in {b.label for b in at.button}
