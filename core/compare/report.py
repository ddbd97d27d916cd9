"""The shareable report: one self-contained HTML file (tables + interactive Plotly charts with
plotly.js inlined, so it opens offline), plus CSV and JSON of the same comparison.

Everything a colleague needs to trust or redo a number is in the file: machine, OpenVINO
and NNCF versions, every setting of every run, and the command that reproduces it.
"""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from core.compare.charts import comparison_figures
from core.compare.table import layer_records, table_records, type_records
from core.precision import compute_summary
from core.safe_output import json_for_html_script, safe_records

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1400px;color:#1d2733;padding:0 16px}
h1{font-size:1.6em;margin-bottom:0} h2{margin-top:2em;border-bottom:1px solid #dde3ea;padding-bottom:4px}
.recommendation{background:#eef6ee;border-left:5px solid #2e7d32;padding:12px 16px;font-size:1.15em;margin:16px 0}
.warning{background:#fff6e5;border-left:5px solid #ef8a00;padding:8px 14px;margin:6px 0}
table{border-collapse:collapse;font-size:0.86em;margin:8px 0} th,td{border:1px solid #dde3ea;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f6f9} td.num{text-align:right;font-variant-numeric:tabular-nums} tr.baseline td{background:#f0f5fc}
pre{background:#f6f8fa;padding:8px 12px;overflow-x:auto;font-size:0.85em;white-space:pre-wrap}
.caption{color:#5b6b7b;font-size:0.9em}
"""


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, default=str, ensure_ascii=False)


def to_csv(doc: dict[str, Any]) -> str:
    """The comparison table, one row per result with every setting and its command."""
    records = safe_records(table_records(doc, for_export=True))  # names from models: no formulas
    buffer = io.StringIO()
    if records:
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return "<td>–</td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else ''}</td>"
    if isinstance(value, float):
        return f'<td class="num">{value:,.3f}</td>' if abs(value) < 100 else f'<td class="num">{value:,.1f}</td>'
    if isinstance(value, int):
        return f'<td class="num">{value}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def html_table(records: list[dict[str, Any]], highlight: set[int] | None = None, key: str = "Result") -> str:
    if not records:
        return "<p class='caption'>(nothing)</p>"
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in records[0])
    body = []
    for record in records:
        marked = ' class="baseline"' if highlight and record.get(key) in highlight else ""
        body.append(f"<tr{marked}>" + "".join(_cell(v) for v in record.values()) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def machine_table(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One record per machine that measured, with its results (the page's and the report's table)."""
    records = []
    for m in doc["machines"]:
        target = m.get("target", "local")
        results = [f"#{row['result_id']}" for row in doc["rows"] if row.get("target", "local") == target
                   and row.get("machine", {}).get("host") == m.get("host")]
        records.append({"Target": target, "Host": m.get("host"), "CPU": m.get("cpu"), "Cores": m.get("cpu_count"),
                        "OS": m.get("os"), "Python": m.get("python"), "OpenVINO": m.get("openvino"),
                        "NNCF": m.get("nncf"), "Results": ", ".join(results)})
    return records


def _machine_section(doc: dict[str, Any]) -> str:
    records = machine_table(doc)
    versions = doc["versions"]
    return (html_table(records) + f"<p class='caption'>Report written with OpenVINO {html.escape(str(versions['openvino']))}, "
            f"NNCF {html.escape(str(versions['nncf']))}.</p>")


COMMAND_LABELS = {
    "workspace": "benchmark (this workspace, by variant id)",
    "file": "benchmark (by IR file)",
    "ovc": "conversion with OpenVINO's ovc (how the IR was made)",
    "benchmark_app": "the same measurement with OpenVINO's benchmark_app",
}


def _commands_section(doc: dict[str, Any]) -> str:
    parts = []
    for row in doc["rows"]:
        commands = row["commands"]
        lines = [f"# #{row['result_id']} {row['precision_label']} on {row.get('where', row['device'])} — {row['settings']}"]
        if row.get("target", "local") != "local":
            lines.append(f"# measured on target {row['target']}: run these there, or submit the job with host "
                         f"{row['target']!r} (they measure on the machine they run on)")
        for where, command in commands["benchmark"].items():
            lines.append(f"# {COMMAND_LABELS.get(where, 'benchmark (' + where + ')')}:")
            lines.append(command)
        lines.append(f"# accuracy ({row['accuracy']['source'] if row['accuracy'] else 'not measured'}):")
        lines.append(commands["accuracy"])
        parts.append("<pre>" + html.escape("\n".join(lines)) + "</pre>")
    return "".join(parts)


def _settings_section(doc: dict[str, Any]) -> str:
    records = []
    for row in doc["rows"]:
        record = {"Result": row["result_id"]}
        record.update({key: json.dumps(value) if isinstance(value, (dict, list)) else value
                       for key, value in row["config"].items()})
        record.update({"streams (actual)": row["streams"], "requests (actual)": row["requests"],
                       "weights": row["weight_precision"], "compute": row["compute_precision"],
                       "compute read from": row["compute_source"], "execution devices": row.get("execution_devices"),
                       "iterations": row["iterations"], "measured at": row["created_at"]})
        records.append(record)
    keys: list[str] = []
    for record in records:
        keys.extend(k for k in record if k not in keys)
    return html_table([{k: r.get(k) for k in keys} for r in records])


def _missing_section(doc: dict[str, Any]) -> str:
    """The runs that would make the comparison like for like, each with its exact command."""
    runs = doc.get("missing_runs") or []
    if not runs:
        return ""
    parts = ["<h2>Missing runs</h2><p class='caption'>Run these to compare like for like "
             "(the page offers each as one click):</p>"]
    for run in runs:
        parts.append(f"<div class='warning'><b>{html.escape(run['what'])}</b> on {html.escape(run.get('where', run['device']))}: "
                     f"{html.escape(run['why'])}<pre>{html.escape(run['command'])}</pre></div>")
    return "".join(parts)


def _devices_section(doc: dict[str, Any]) -> str:
    """Each device's compute precisions, as the machine that measured reports them."""
    summaries = doc.get("compute_summaries")
    if summaries is None:  # a document written before targets
        summaries = [compute_summary(device) for device in doc.get("devices") or {}]
    return "".join(f"<p class='caption'>{html.escape(text)}</p>" for text in summaries)


def _layers_section(layers: dict[str, Any], figure_html: str) -> str:
    a, b = layers["a"], layers["b"]
    only = ""
    if a.get("compute_precision") != b.get("compute_precision"):
        only += (f"<div class='warning'>The profiles were computed in different precisions "
                 f"({html.escape(str(a.get('compute_precision')))} vs {html.escape(str(b.get('compute_precision')))}): "
                 "per-layer differences mix what the IR changed with what the compute precision changed.</div>")
    for side, label in (("a", a["label"]), ("b", b["label"])):
        names = layers[f"only_{side}_ir_layers"]
        if names:
            only += (f"<p><b>IR layers covered only in {side.upper()}</b> ({html.escape(label)}): "
                     f"{html.escape(', '.join(names))}</p>")
    ratio = layers["total_ratio"]
    return (
        f"<h2>Per-layer comparison</h2><p>A = {html.escape(a['label'])}; B = {html.escape(b['label'])}. "
        f"Runtime layers are matched by the IR layers they cover. Total {layers['total_a_ms']:.3f} ms (A) vs "
        f"{layers['total_b_ms']:.3f} ms (B)" + (f", ratio B/A {ratio:.2f}" if ratio else "") + ".</p>"
        + figure_html + "<h3>Per op type</h3>" + html_table(type_records(layers))
        + only + "<h3>Matched layers</h3>" + html_table(layer_records(layers))
        + "<h3>Reproduce the profiles</h3><pre>" + html.escape("\n".join(
            [*a["command"].values(), *b["command"].values(),
             *(["# the IR graph of B coloured by time B / time A:", layers["graph_command"]]
               if layers.get("graph_command") else [])])) + "</pre>"
    )


def to_html(doc: dict[str, Any]) -> str:
    """A single file: plotly.js is inlined once (first chart), the others reuse it."""
    figures = comparison_figures(doc)
    chart_html: dict[str, str] = {}
    first = True
    for name, figure in figures.items():
        chart_html[name] = figure.to_html(full_html=False, include_plotlyjs=True if first else False,
                                          config={"displaylogo": False})
        first = False
    recommendation = doc["recommendation"]
    warnings = "".join(f"<div class='warning'>{html.escape(w)}</div>" for w in doc["warnings"])
    charts = "".join(chart_html[name] for name in ("fps", "latency", "tradeoff", "distribution"))
    layers = _layers_section(doc["layers"], chart_html.get("layer_types", "")) if doc.get("layers") else ""
    title = "OV Workbench comparison"
    embedded = json_for_html_script(to_json(_without_samples(doc)))  # no <, >, & for the HTML parser
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head>
<body>
<h1>{title}</h1>
<p class="caption">Generated {html.escape(doc['generated_at'])} · baseline #{doc['baseline_id']} ·
limits: {html.escape(doc['limits']['text'])} · accuracy metric: {html.escape(str(doc['accuracy_metric'] or 'none'))}</p>
<p class="caption">Measured on: {html.escape(str(doc.get('machine_names') or ''))}</p>
<div class="recommendation"><b>Recommendation:</b> {html.escape(recommendation['text'])}</div>
{warnings}
{_devices_section(doc)}
{_missing_section(doc)}
<h2>Results</h2>
<p class="caption">Every result names both precision axes: the IR's weights and the precision the device computed in.
Ratios are to the baseline (highlighted): speed-up = FPS / baseline FPS, latency ratio = latency /
baseline latency, size reduction = baseline size / size, accuracy change in percentage points. A ratio whose two sides
differ in more than one axis (weights, compute, device, settings) carries a caveat and, where the selection has one,
the like-for-like ratio.</p>
{html_table(table_records(doc), {doc['baseline_id']})}
<h2>Charts</h2>
{charts}
{layers}
<h2>Machine and versions</h2>
{_machine_section(doc)}
<h2>Every setting</h2>
{_settings_section(doc)}
<h2>Reproduce each number</h2>
<p class="caption">Run from the workbench folder (`python -m core ...`); the variant-id form needs this workspace,
the IR-file form works anywhere the file is.</p>
{_commands_section(doc)}
<script type="application/json" id="comparison-data">{embedded}</script>
</body></html>
"""


def _without_samples(doc: dict[str, Any]) -> dict[str, Any]:
    """The embedded JSON copy, minus the raw latency samples the charts already carry."""
    rows = [{k: v for k, v in row.items() if k != "latencies_ms_sample"} for row in doc["rows"]]
    return {**doc, "rows": rows}
