"""Compare across targets (issue 13) on real measurements: the same IR benchmarked on this
machine and on two real target processes ("fast" on every core, "slow" pinned to one), plus an
FP16 copy on "fast" — then the comparison document, the table, the charts, the report and the
Compare page must name each machine, and ratios between machines must say they are cross-machine.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import open_page, page_text
from test_targets import F32, Target, app, benchmark_result, two_targets  # noqa: F401 - fixtures: the listening app, fast + slow

SETTINGS = {**F32, "duration_s": 3}


@pytest.fixture(scope="module")
def measured(app: dict[str, Any], two_targets: dict[str, Target]) -> dict[str, int]:  # noqa: F811
    """Result ids: FP32 here ("local"), on fast and on slow; FP16 on fast."""
    from benchmark_models import conv_net
    from core.quantize.pipeline import compress_ir
    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    xml = conv_net(new_artifact_dir("models"), "net", dynamic_batch=False, size=64)
    model_id = create_model("conv net", "ir", task="classification")
    fp32 = register_variant(model_id, xml, precision="FP32", method="imported", name="FP32")
    fp16_xml = Path(compress_ir(xml, new_artifact_dir("models") / "fp16.xml", "fp16")["xml"])
    fp16 = register_variant(model_id, fp16_xml, "FP16", "fp16", name="FP16", parent_id=fp32)
    return {"local": benchmark_result(fp32, "", SETTINGS), "fast": benchmark_result(fp32, "fast", SETTINGS),
            "slow": benchmark_result(fp32, "slow", SETTINGS), "fast-fp16": benchmark_result(fp16, "fast", SETTINGS)}


def _rows(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["result_id"]: row for row in doc["rows"]}


def test_rows_name_their_machine_and_cross_machine_ratios_say_so(measured: dict[str, int]) -> None:
    from core.compare.comparison import build_comparison
    from core.compare.table import table_records
    from core.system_info import cpu_model

    ids = [measured[k] for k in ("slow", "fast", "local", "fast-fp16")]
    doc = build_comparison(ids, baseline_id=measured["slow"])
    rows = _rows(doc)
    assert {rows[measured[k]]["target"] for k in ("local", "fast", "slow")} == {"local", "fast", "slow"}
    assert rows[measured["fast"]]["where"] == "CPU on fast" and rows[measured["local"]]["where"] == "CPU"
    assert rows[measured["fast"]]["label"].startswith(f"#{measured['fast']} FP32·f32 · CPU on fast · ")
    assert doc["targets"] == ["slow", "fast", "local"]
    # the same run on two machines: like for like, and labelled a cross-machine ratio
    fast = rows[measured["fast"]]
    assert fast["like_for_like"]["is_like_for_like"] and fast["like_for_like"]["cross_machine"] == "fast vs slow"
    assert fast["ratios"]["cross_machine"] == "fast vs slow"
    records = {r["Result"]: r for r in table_records(doc)}
    assert records[measured["fast"]]["Target"] == "fast" and records[measured["local"]]["Target"] == "local"
    assert records[measured["fast"]]["Ratio caveat"] == "cross-machine ratio (fast vs slow)"
    assert records[measured["slow"]]["Ratio caveat"] == ""  # the baseline itself
    # FP16 on fast against FP32 on slow mixes two axes: the like-for-like reference is FP32 on fast
    fp16 = rows[measured["fast-fp16"]]
    assert "mixes machines: fast vs slow" in fp16["like_for_like"]["mixes"]
    assert fp16["like_for_like"]["reference_id"] == measured["fast"]
    assert "mixes machines: fast vs slow" in records[measured["fast-fp16"]]["Ratio caveat"]
    # the warnings name every machine with its CPU model
    cpu = cpu_model()
    assert any(w.startswith("The results were measured on 3 machines — ") and f"fast ({cpu})" in w
               and f"slow ({cpu})" in w and f"local ({cpu})" in w and "cross-machine ratio" in w
               for w in doc["warnings"]), doc["warnings"]
    # each machine's device facts come from that machine's own report
    assert any(s.startswith("On fast: CPU computes natively in") for s in doc["compute_summaries"])
    assert any(s.startswith("CPU computes natively in") for s in doc["compute_summaries"])  # this machine
    fps = {k: rows[measured[k]]["throughput_fps"] for k in ("local", "fast", "slow")}
    print("FPS per machine:", fps)
    if len(os.sched_getaffinity(0)) > 1:
        assert fps["fast"] > fps["slow"] * 1.15, fps  # all cores against one


def test_recommendation_charts_and_report_tell_the_machines_apart(measured: dict[str, int]) -> None:
    from core.compare.charts import fps_bars
    from core.compare.comparison import build_comparison
    from core.compare.report import to_csv, to_html
    from core.system_info import cpu_model

    doc = build_comparison([measured["slow"], measured["fast"], measured["local"]], baseline_id=measured["slow"])
    text = doc["recommendation"]["text"]
    best = _rows(doc)[doc["recommendation"]["result_id"]]
    assert text.startswith(f"FP32 weights · f32 compute on {best['where']}, throughput hint"), text
    if best["target"] != "slow":
        assert "the FPS of the same run on slow (a cross-machine ratio" in text, text
    # bars: one group per machine (outer axis), this machine first
    figure = fps_bars(doc)
    outer = [level for trace in figure.data for level in trace.x[0]]
    assert set(outer) == {"CPU", "CPU on fast", "CPU on slow"} and outer[0] == "CPU"
    page = to_html(doc)
    assert "Measured on: slow (" in page and f"fast ({cpu_model()})" in page
    machine_table = re.search(r"<h2>Machine and versions</h2>(.*?)</table>", page, re.S).group(1)
    for name in ("local", "fast", "slow"):
        assert f"<td>{name}</td>" in machine_table
    assert "cross-machine ratio (fast vs slow)" in page and "cross-machine ratio (local vs slow)" in page
    assert "Target" in to_csv(doc).splitlines()[0]


def test_compare_page_shows_the_target_column_and_the_machines(measured: dict[str, int]) -> None:
    at = open_page("pages/compare.py")
    assert not at.exception, at.exception
    at.multiselect(key="compare_results").set_value([measured["slow"], measured["fast"], measured["local"]]).run()
    at.selectbox(key="compare_baseline").set_value(measured["slow"]).run()
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "Speed-up" in df.value.columns)
    assert list(table.columns[:3]) == ["Result", "Baseline", "Target"]
    assert set(table["Target"]) == {"local", "fast", "slow"}
    caveats = dict(zip(table["Target"], table["Ratio caveat"]))
    assert caveats["fast"] == "cross-machine ratio (fast vs slow)" and caveats["slow"] == ""
    machines = next(df.value for df in at.dataframe if "Results" in df.value.columns and "CPU" in df.value.columns)
    assert set(machines["Target"]) == {"local", "fast", "slow"}
    text = page_text(at)
    assert "The results were measured on 3 machines" in text
    assert "On fast: CPU computes natively in" in text
    labels = at.multiselect(key="compare_results").options
    assert any("CPU on fast" in label for label in labels), labels


def test_a_missing_run_of_a_target_is_offered_and_measured_there(measured: dict[str, int]) -> None:
    """Last in this module: the click stores a new result. On a CPU whose default compute is reduced,
    FP32 in the default is missing on each machine; the button of "fast" measures on fast."""
    from core.benchmark.results import get_result
    from core.compare.machines import device_facts
    from core.jobs import list_jobs, wait_for_job

    facts = device_facts("fast", "CPU")
    assert facts is not None and facts["default"]  # as the target reported it when it joined
    at = open_page("pages/compare.py")
    at.multiselect(key="compare_results").set_value([measured["slow"], measured["fast"], measured["local"]]).run()
    buttons = {b.label: b for b in at.button if b.key and b.key.startswith("compare_missing_")}
    if not facts["default_is_reduced"]:
        assert buttons == {}
        return
    wanted = f"Benchmark FP32 on fast with the default ({facts['default']}) compute"
    label = next((b for b in buttons if b.startswith(wanted)), None)
    assert label is not None, buttons.keys()
    assert any(b.startswith("Benchmark FP32 on slow with the default") for b in buttons)
    assert any(b.startswith("Benchmark FP32 with the default") for b in buttons)  # this machine's
    assert "# on target fast (the button runs it there; this command measures here)" in page_text(at)
    before = {job.id for job in list_jobs()}
    buttons[label].click().run()
    assert not at.exception, at.exception
    jobs = [job for job in list_jobs() if job.id not in before]
    assert len(jobs) == 1 and jobs[0].host == "fast", [(j.kind, j.host) for j in jobs]
    job = wait_for_job(jobs[0].id, timeout_s=240)
    assert job.state == "done", (job.error, job.error_hint)
    row = get_result(job.result["id"])
    assert row.machine["target"] == "fast" and row.metrics["compute_precision"] == facts["default"]
