"""The runs a precision comparison lacks, offered as one click (page) or one command (CLI).

On a device whose default compute precision is reduced (bf16 on a CPU that reports BF16), an
"FP32" benchmark with default settings is computed in bf16. Comparing FP16 or INT8 against it
says nothing about what FP32 costs in exact arithmetic, and comparing them against an f32 run
mixes two effects. So for every group of selected results measured alike (model, device,
settings) on such a device, the comparison needs the FP32 IR twice: with f32 compute and with
the device default. Each missing one is described with the exact job parameters and command,
built from the settings of the results it completes.

Accuracy has the same two axes: a row computed in bf16 whose only accuracy was measured in f32
shows the f32 figure, marked. When that figure comes from a dataset-backed measurement, the
same measurement in the row's compute precision is offered (same dataset, reference, limit and
preprocessing), so what the reduced compute costs in accuracy is one click away.
"""

from __future__ import annotations

from typing import Any

from core.accuracy.requests import AccuracyRequest
from core.benchmark.requests import BenchmarkRequest
from core.compare.commands import benchmark_command
from core.compare.selection import Entry
from core.precision import device_compute, precision_label

FP32 = "FP32"
# Settings a missing run copies from the results it completes (the rest are benchmark defaults).
COPIED_SETTINGS = ("device", "hint", "api", "nstreams", "nireq", "batch", "nthreads", "cache", "duration_s",
                   "iterations", "input", "repeats")


def _fp32_variant(entries: list[Entry]) -> tuple[int | None, str | None]:
    """(variant id, name) of the FP32 IR of these results: a selected FP32 one, else their parent."""
    for entry in entries:
        if entry.weight_precision == FP32 and entry.variant_id is not None:
            return entry.variant_id, entry.variant_name
    from core.errors import UserError
    from core.variants import get_variant

    for entry in entries:
        if entry.parent_id is None:
            continue
        try:
            parent = get_variant(entry.parent_id)
        except UserError:
            continue
        if str(parent.precision).upper() == FP32:
            return parent.id, parent.name
    return None, None


def _settings(template: Entry, infer_precision: str | None) -> dict[str, Any]:
    settings = {key: template.config[key] for key in COPIED_SETTINGS if template.config.get(key) not in (None, "")}
    settings["device"] = template.device
    if infer_precision:
        settings["infer_precision"] = infer_precision
    return settings


def missing_runs(entries: list[Entry]) -> list[dict[str, Any]]:
    """The FP32 runs (f32 compute, device default) each like-for-like group lacks.

    Nothing is missing on a device whose default is f32 already: there, FP32 with the default is
    FP32 with f32 compute.
    """
    from core.compare.machines import LOCAL_TARGET, device_facts

    groups: dict[tuple[Any, ...], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.model_id, entry.target, *entry.settings_key), []).append(entry)
    runs: list[dict[str, Any]] = []
    for group in groups.values():
        device, target = group[0].device, group[0].target
        facts = device_facts(target, device)  # the facts of the machine that measured
        if not facts or not facts.get("default_is_reduced"):
            continue
        default = facts["default"]
        variant_id, variant_name = _fp32_variant(group)
        if variant_id is None:
            continue
        fp32_computes = {e.compute_precision for e in group if e.weight_precision == FP32}
        wanted = [("f32", "f32", "Benchmark FP32 with f32 compute",
                   f"{device}'s default compute precision is {default}: without FP32 computed in f32 the comparison "
                   f"cannot show what exact arithmetic costs, and ratios against it would mix compute precisions."),
                  (default, None, f"Benchmark FP32 with the default ({default}) compute",
                   f"FP16 and INT8 runs with default settings compute in {default} on {device}: FP32 in {default} is "
                   "the like-for-like baseline that credits the IR only for what the IR does.")]
        for compute, request, label, why in wanted:
            if compute in fp32_computes:
                continue
            settings = _settings(group[0], request)
            remote = target != LOCAL_TARGET
            runs.append({
                "label": label.replace("Benchmark FP32", f"Benchmark FP32 on {target}", 1) if remote else label,
                "what": precision_label(FP32, compute),
                "variant_id": variant_id,
                "variant": variant_name,
                "model": group[0].model_name,
                "device": device,
                "where": group[0].where,
                "host": target if remote else "",
                "compute": compute,
                "settings": settings,
                "completes": [e.result_id for e in group],
                "why": why,
                # The benchmark CLI measures on this machine only: the command says where the button runs it.
                "command": (f"# on target {target} (the button runs it there; this command measures here)\n"
                            if remote else "") + benchmark_command(settings, str(variant_id)),
                "settings_text": group[0].settings_text,
            })
    if len(groups) > 1:  # the same button twice would not say which group it completes
        for run in runs:
            run["label"] += f" ({run['settings_text']})"
    return runs + missing_accuracy_runs(entries)


def _accuracy_command(xml: str, config: dict[str, Any], reference_xml: str | None, compute: str) -> str:
    import shlex

    from core.compare.commands import PREFIX

    parts = [PREFIX, "accuracy", shlex.quote(xml), "--data", str(config["dataset_id"])]
    if reference_xml:
        parts += ["--reference", shlex.quote(reference_xml)]
    if config.get("limit"):
        parts += ["--limit", str(config["limit"])]
    return " ".join(parts + ["--compute-precision", compute, "--json"])


def missing_accuracy_runs(entries: list[Entry]) -> list[dict[str, Any]]:
    """Accuracy measurements in a row's reduced compute precision that the rows lack: offered when
    the row shows an f32 figure standing in and that figure was measured on a dataset (an
    accuracy Result whose settings can be repeated)."""
    from core.errors import UserError
    from core.store import Result, session_scope
    from core.variants import get_variant, variant_xml

    runs: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for entry in entries:
        figure = entry.accuracy
        if (figure is None or not figure.fallback_for or figure.result_id is None or entry.variant_id is None
                or (entry.variant_id, figure.fallback_for) in seen):
            continue
        with session_scope() as s:
            row = s.get(Result, figure.result_id)
            config = dict(row.config or {}) if row is not None else {}
        if config.get("dataset_id") is None:
            continue
        compute = figure.fallback_for
        seen.add((entry.variant_id, compute))
        facts = device_compute(entry.device)
        request = compute if compute in facts["native"] else "default"
        reference_id = config.get("reference_variant_id")
        try:
            reference_xml = str(variant_xml(get_variant(reference_id))) if reference_id is not None else None
        except UserError:
            reference_xml = None
        weights = entry.weight_precision
        runs.append({
            "kind": "accuracy",
            "label": f"Measure {weights} accuracy in {compute} compute",
            "what": f"{weights} accuracy in {compute} compute",
            "variant_id": entry.variant_id,
            "variant": entry.variant_name,
            "model": entry.model_name,
            "device": entry.device,
            "compute": compute,
            "params": {"variant_id": entry.variant_id, "dataset_id": config["dataset_id"],
                       "reference_variant_id": reference_id, "preprocessing": config.get("preprocessing"),
                       "limit": config.get("limit"), "compute_precision": request},
            "completes": [e.result_id for e in entries if e.variant_id == entry.variant_id
                          and e.accuracy is not None and e.accuracy.fallback_for == compute],
            "why": (f"#{entry.result_id} was computed in {compute}, but its accuracy ({figure.label}) was measured in "
                    f"{figure.compute_precision} compute (accuracy result #{figure.result_id}): what {compute} costs "
                    "in accuracy is not shown until it is measured in that compute precision, on the same data."),
            "command": _accuracy_command(entry.xml_path or "MODEL.xml", config, reference_xml, request),
            "settings_text": entry.settings_text,
        })
    return runs


def job_request(run: dict[str, Any]) -> BenchmarkRequest | AccuracyRequest:
    """The request that makes `run`: the benchmark the Benchmark page would submit with these
    settings (on the target machine that measured the row, "" for this one), or the accuracy
    measurement (same dataset, reference, limit, preprocessing) in the row's compute precision.
    A page submits it with `submit_request`, a script runs `job()`."""
    if run.get("kind") == "accuracy":
        return AccuracyRequest.from_params(dict(run["params"]))
    return BenchmarkRequest(**run["settings"], variant_id=run["variant_id"], target=run.get("host") or "")
