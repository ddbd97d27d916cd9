"""The schema of each command's --json document, and the shared definitions ($defs).

Written from the commands' real output (tests/schema_run.py runs every one); the schemas
name the keys a script may rely on and their types, and allow extra keys (added keys do not
change `schema_version`, see core/schema/__init__.py).
"""

from __future__ import annotations

from typing import Any

from core.schema.version import SCHEMA_VERSION

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
NUM: dict[str, Any] = {"type": "number"}
BOOL: dict[str, Any] = {"type": "boolean"}
OBJ: dict[str, Any] = {"type": "object"}
ARR: dict[str, Any] = {"type": "array"}


def opt(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` or null."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """An object with these required keys (and these optional ones), extra keys allowed."""
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}, **extra}


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def listing(item: dict[str, Any]) -> dict[str, Any]:
    """A command that yields a list: {"schema_version", "items": [...]}."""
    return obj({"items": array(item)})


# A figure JSON cannot hold when infinite: a number, or null (see the `identical` beside it).
FINITE = opt(NUM)
STATS_MS = obj({k: NUM for k in ("min", "median", "avg", "p90", "p99", "max")})

DEFINITIONS: dict[str, Any] = {
    "error": obj(
        {"schema_version": {"const": SCHEMA_VERSION}, "error": STR, "hint": opt(STR)},
        {"usage": {"type": "string", "description": "the command's usage line (usage errors only)"}},
        description="A failure (exit status 2): what went wrong and what to do.",
    ),
    "machine": obj({"cpu": opt(STR), "openvino": opt(STR)}, {"host": STR, "cpu_count": opt(INT), "os": STR,
                                                              "python": STR, "nncf": opt(STR)}),
    "measurement": {
        **obj(
            {
                "id": INT,
                "kind": {"enum": ["benchmark", "profile", "sweep"]},
                "variant_id": opt(INT),
                "variant": opt(STR),
                "job_id": opt(INT),
                "device": opt(STR),
                "created_at": opt(STR),
                "precision_label": opt(STR),
                "config": obj({}, {"device": STR, "hint": STR, "model_path": STR}),
                "summary": obj({"precision_label": opt(STR), "compute_precision": opt(STR)}),
                "openvino": opt(STR),
            },
            {
                "metrics": OBJ,
                "machine": ref("machine"),
            },
        ),
        "description": "A stored benchmark, profile or sweep: the one shape `benchmark`, `profile`, `sweep` and "
                       "`results --id` print (the `results` list: the same without metrics and machine).",
        "allOf": [
            {"if": {"properties": {"kind": {"const": "benchmark"}}, "required": ["metrics"]},
             "then": {"properties": {"metrics": obj({
                 "throughput_fps": NUM, "latency_ms": STATS_MS, "first_inference_ms": opt(NUM),
                 "compile_ms": NUM, "compute_precision": opt(STR), "weight_precision": opt(STR),
                 "precision_label": STR, "iterations": INT, "nstreams_actual": opt(INT), "nireq_actual": opt(INT),
             }, {"throughput_fps_std": opt(NUM), "noisy": obj({"noisy": BOOL, "reasons": ARR})})}}},
            {"if": {"properties": {"kind": {"const": "profile"}}, "required": ["metrics"]},
             "then": {"properties": {"metrics": obj({
                 "total_ms": NUM, "compute_precision": opt(STR), "precision_label": STR,
                 "layers": array(obj({"name": STR, "type": STR, "real_ms": NUM, "status": STR},
                                     {"exec_type": STR, "precision": STR, "original_layers": ARR})),
             })}}},
            {"if": {"properties": {"kind": {"const": "sweep"}}, "required": ["metrics"]},
             "then": {"properties": {"metrics": obj({
                 "points": array(obj({"batch": INT, "nstreams": INT, "nireq": INT, "throughput_fps": NUM,
                                      "latency_median_ms": NUM}, {"result_id": INT})),
                 "sweet_spot": opt(OBJ), "precision_label": STR,
             })}}},
        ],
    },
    "job": obj({"id": INT, "kind": STR, "target": opt(STR),
                "state": {"enum": ["queued", "running", "done", "failed", "cancelled", "interrupted"]},
                "progress": NUM, "message": opt(STR), "error": opt(STR), "hint": opt(STR), "elapsed_s": opt(NUM),
                "created_at": opt(STR), "result": opt(OBJ)},
               {"host": {"type": "string", "description": "the target it measures on; \"\" = this machine"}}),
    "target": obj({"name": STR, "state": {"enum": ["online", "busy", "lost"]}, "address": STR, "insecure": BOOL,
                   "joined_at": opt(STR), "last_seen": opt(STR), "lost_at": opt(STR),
                   "info": obj({}, {"machine": OBJ, "hostname": opt(STR), "cpu_flags": array(STR),
                                    "usable_cpus": opt(INT), "memory_mb": opt(INT), "devices": array(OBJ),
                                    "resources": OBJ}),
                   "devices": array(STR)},
                  description="A machine to measure on: \"local\" (this one) or a target that joined."),
    "dataset": obj({"id": INT, "name": STR, "kind": STR, "items": INT, "labelled": BOOL, "path": STR,
                    "created_at": opt(STR)}, {"classes": opt(ARR)}),
    "variant": obj({"id": INT, "model_id": INT, "name": STR, "precision": STR, "method": STR, "parent_id": opt(INT),
                    "xml": STR, "bin": STR, "size_bytes": opt(INT), "accuracy": opt(OBJ), "created_at": opt(STR)},
                   {"params": opt(OBJ)}),
    "tensor_agreement": obj(
        {"samples": INT, "cosine_mean": NUM, "cosine_min": NUM, "max_abs_diff": NUM, "mse": NUM,
         "psnr_db": FINITE, "identical": BOOL},
        description="One output against the reference's. psnr_db is null when it would be infinite "
                    "(identical: true) or undefined (a constant reference).",
    ),
    "accuracy": obj(
        {"metric": STR, "value": opt(NUM), "samples": INT},
        {"reference_value": opt(NUM), "samples_from": STR,
         "report": obj({}, {"agreement": obj({}, {"outputs": {"type": "object",
                                                               "additionalProperties": ref("tensor_agreement")},
                                                  "top1_agreement": opt(NUM)})})},
    ),
    "io": obj({"name": STR, "shape": STR, "type": STR}, {"names": ARR, "rank": opt(INT), "static": BOOL, "layout": STR}),
    "card": obj({"inputs": array(ref("io")), "outputs": array(ref("io")), "ops": OBJ, "op_total": INT,
                 "parameters": INT, "precision": STR, "task": opt(STR)},
                {"name": STR, "gflops": opt(NUM), "dynamic": BOOL, "quantized": BOOL}),
    "layer_error_row": obj(
        {"key": STR, "name": STR, "type": STR, "anchor": STR, "jump": NUM, "relative_error": FINITE,
         "input_error": FINITE},
        {"snr_db": FINITE, "identical": BOOL, "cosine": NUM},
        description="relative_error/input_error are null when infinite (the parent's output is all zero); "
                    "snr_db is null when infinite (identical: true).",
    ),
}

_NEW_IR = {"xml": STR, "bin": STR, "precision": STR, "method": STR, "options": OBJ, "size_bytes": INT,
           "parent_size_bytes": opt(INT), "seconds": NUM}
_WRITTEN = obj({}, {"svg": STR, "png": STR, "html": STR, "csv": STR})

COMMANDS: dict[str, dict[str, Any]] = {
    "info": {"description": "Versions, the machine, and the inference devices with their capabilities.",
             "schema": obj({"versions": obj({"openvino": STR, "python": STR}), "machine": ref("machine"),
                            "devices": array(obj({"device": STR, "full_name": STR, "capabilities": array(STR),
                                                  "properties": OBJ, "compute": OBJ})),
                            "virtual_devices": array(obj({"device": STR, "usable": BOOL})),
                            "absent_devices": array(obj({"device": STR, "why": STR}))})},
    "models": {"description": "Models in the workspace, each with its variants.",
               "schema": listing(obj({"id": INT, "name": STR, "source_format": STR, "task": opt(STR),
                                      "variants": array(ref("variant"))}))},
    "sample": {"description": "The first-run sample model and datasets.",
               "schema": obj({"model_id": INT, "created": BOOL}, {"variant_id": opt(INT), "dataset_ids": array(INT)})},
    "card": {"description": "A model card: inputs/outputs, ops, parameters, GFLOPs, task guess.",
             "schema": ref("card")},
    "storage": {"description": "Disk use by area and every model, variant, dataset and result with its size.",
                "schema": obj({"workspace": STR, "total_bytes": INT, "free_bytes": INT,
                               "areas": array(obj({"area": STR, "bytes": INT})),
                               "models": array(obj({"id": INT, "name": STR, "bytes": INT, "variants": array(INT)})),
                               "variants": array(obj({"id": INT, "model_id": INT, "bytes": INT,
                                                      "children": array(INT), "results": array(INT)})),
                               "datasets": array(obj({"id": INT, "name": STR, "bytes": INT,
                                                      "used_by_results": array(INT)})),
                               "results": array(obj({"id": INT, "kind": STR, "variant_id": opt(INT)})),
                               "abandoned_uploads": array(obj({"folder": STR, "bytes": INT, "age_h": NUM}))})},
    "storage delete": {"description": "What was deleted (the delete plan, with deleted: true).",
                       "schema": obj({"kind": STR, "id": INT, "name": opt(STR), "models": array(INT),
                                      "variants": array(INT), "results": array(INT), "datasets": array(INT),
                                      "folders": array(STR), "files": array(STR), "bytes": INT,
                                      "dependants": obj({"variants": array(INT), "results": array(INT)}),
                                      "deleted": {"const": True}})},
    "storage sweep": {"description": "Upload folders and scratch removed, and the bytes freed.",
                      "schema": obj({"removed_uploads": array(STR), "freed_bytes": INT, "removed_tmp": INT})},
    "accuracy": {"description": "Top-1/top-5 with labels, or agreement with a reference model; per image.",
                 "schema": {"allOf": [ref("accuracy"), obj({"dataset_id": INT, "per_image": array(OBJ),
                                                            "preprocessing": opt(OBJ)})]}},
    "outputs": {"description": "Two models' outputs side by side (stored as a result; pictures in `folder`).",
                "schema": obj({"job_id": INT, "result_id": INT, "samples": INT, "layout": STR, "outputs": array(STR),
                               "a": obj({"label": STR, "variant_id": opt(INT)}),
                               "b": obj({"label": STR, "variant_id": opt(INT)})},
                              {"mean_disagreement": opt(NUM), "top1_agreement": opt(NUM), "folder": STR})},
    "layer-error": {"description": "Per-layer error of a variant against its parent; layers where it jumps first.",
                    "schema": obj({"job_id": INT, "result_id": INT, "samples": INT, "layers_compared": INT,
                                   "ranking": array(ref("layer_error_row")),
                                   "final_layer": obj({"name": opt(STR), "relative_error": FINITE}),
                                   "suggested_ignored_names": array(STR)},
                                  {"layers": array(ref("layer_error_row"))})},
    "requantize": {"description": "The new INT8 variant made from the parent, with its accuracy.",
                   "schema": obj({"job_id": INT, "variant_id": INT, "parent_variant_id": INT, "precision": STR,
                                  "size_bytes": INT, "float_layers": array(STR), "quantized_layers": INT},
                                 {"accuracy": opt(ref("accuracy")), "result_id": opt(INT), "warnings": array(STR)})},
    "benchmark": {"description": "The stored benchmark result (measurement, kind benchmark).",
                  "schema": {"allOf": [ref("measurement"), obj({"kind": {"const": "benchmark"}, "metrics": OBJ})]}},
    "profile": {"description": "The stored profile result (measurement, kind profile): per-layer times.",
                "schema": {"allOf": [ref("measurement"), obj({"kind": {"const": "profile"}, "metrics": OBJ})]}},
    "sweep": {"description": "The stored sweep result (measurement, kind sweep): points and the sweet spot.",
              "schema": {"allOf": [ref("measurement"), obj({"kind": {"const": "sweep"}, "metrics": OBJ})]}},
    "results": {"description": "With --id: one measurement with metrics and machine. Without: "
                               "{items: [measurement without metrics/machine, ...]}, newest first.",
                "schema": {"anyOf": [listing(ref("measurement")),
                                     {"allOf": [ref("measurement"), obj({"metrics": OBJ, "machine": OBJ})]}]}},
    "compare": {"description": "The comparison: one row per benchmark with ratios to the baseline, the "
                               "recommendation, like-for-like runs missing, per-layer comparison of two profiles.",
                "schema": obj({"baseline_id": opt(INT), "limits": OBJ,
                               "rows": array(obj({"result_id": INT, "label": STR, "is_baseline": BOOL,
                                                  "precision_label": STR, "weight_precision": opt(STR),
                                                  "compute_precision": opt(STR), "device": STR,
                                                  "throughput_fps": opt(NUM), "latency_ms": opt(OBJ),
                                                  "ratios": OBJ, "like_for_like": OBJ, "config": OBJ,
                                                  "commands": OBJ})),
                               "front": array(INT), "recommendation": obj({"text": STR}),
                               "warnings": array(STR), "missing_runs": array(obj({"command": STR})),
                               "layers": opt(OBJ), "written": _WRITTEN})},
    "import": {"description": "The imported model(s), each with its card.",
               "schema": obj({"models": array(obj({"model_id": INT, "name": STR, "format": STR,
                                                   "needs_conversion": BOOL, "card": OBJ})),
                              "model_id": opt(INT), "variant_id": opt(INT)},
                             {"upload_dir": STR, "ignored_files": ARR})},
    "convert": {"description": "The IR variant made, with the conversion check.",
                "schema": obj({"model_id": INT, "variant_id": INT, "xml": STR, "bin": STR, "precision": STR,
                               "inputs": ARR, "outputs": ARR},
                              {"conversion_check": opt(obj({"status": STR})), "workspace_xml": STR,
                               "preprocessing": opt(OBJ), "seconds": NUM})},
    "dataset import": {"description": "The imported dataset.", "schema": ref("dataset")},
    "dataset list": {"description": "Datasets in the workspace.", "schema": listing(ref("dataset"))},
    "graph": {"description": "The graph with layout and colours (nodes, edges, positions, metrics); with --diff: "
                             "what B added, removed or changed relative to A.",
              "schema": {"anyOf": [
                  obj({"graph": obj({"name": STR, "kind": STR, "node_count": INT}), "view": OBJ, "layout": OBJ,
                       "colour_by": STR,
                       "nodes": array(obj({"id": STR, "type": STR, "label": STR,
                                           "position": obj({"x": NUM, "y": NUM})}, {"metrics": OBJ})),
                       "edges": array(obj({"source": STR, "target": STR})), "written": _WRITTEN},
                      {"found": ARR, "timings_s": OBJ}),
                  obj({"a": STR, "b": STR, "summary": obj({"added": INT, "removed": INT, "changed": INT}),
                       "added": ARR, "removed": ARR, "changed": ARR, "written": _WRITTEN}),
              ]}},
    "jobs": {"description": "Recent jobs, newest first.", "schema": listing(ref("job"))},
    "cluster": {"description": "Whether the app listens for targets, where, and the command that joins one.",
                "schema": obj({"listening": BOOL, "join_command": STR},
                              {"listen": STR, "insecure": BOOL, "loopback_only": BOOL, "certs": opt(STR)})},
    "cluster status": {"description": "Whether the app listens for targets, where, and the command that joins one.",
                       "schema": obj({"listening": BOOL, "join_command": STR},
                                     {"listen": STR, "insecure": BOOL, "loopback_only": BOOL, "certs": opt(STR)})},
    "cluster certs": {"description": "Where the CA, the scheduler's certificate and the target bundle were written.",
                      "schema": obj({"folder": STR, "ca": STR, "scheduler_cert": STR, "target_bundle": STR,
                                     "next": STR})},
    "target": {"description": "The targets: local first, then every machine that joined.",
               "schema": listing(ref("target"))},
    "target list": {"description": "The targets: local first, then every machine that joined.",
                    "schema": listing(ref("target"))},
    "target forget": {"description": "Whether the target was in the list (and is no longer).",
                      "schema": obj({"name": STR, "forgotten": BOOL})},
    "target join": {"description": "The target this machine served as (after it stopped), or with --check what "
                                   "it would join as.",
                    "schema": obj({"name": STR, "address": STR, "work_dir": STR},
                                  {"devices": array(STR), "checked": BOOL, "stopped": BOOL})},
    "job": {"description": "One job with its log.", "schema": {"allOf": [ref("job"), obj({"log": STR})]}},
    "cancel": {"description": "The job after the cancel request.", "schema": ref("job")},
    "quantize": {"description": "The INT8 IR written, its settings, calibration and accuracy.",
                 "schema": obj({**_NEW_IR, "calibration": OBJ, "layers": obj({"quantized_layers": INT,
                                                                             "float_layers": ARR}),
                                "warnings": array(STR)},
                               {"accuracy": opt(ref("accuracy")), "preprocessing": opt(OBJ),
                                "validation_dataset_id": opt(INT)})},
    "compress": {"description": "The compressed IR written (FP16, or NNCF weight-only INT8/INT4).",
                 "schema": obj({**_NEW_IR, "weights": OBJ, "notes": array(STR)},
                               {"accuracy": opt(ref("accuracy"))})},
    "schema": {"description": "Without CMD: the rules and every command with a schema. With CMD: that "
                              "command's JSON Schema (draft 2020-12).",
               "schema": {"anyOf": [obj({"rules": array(STR), "commands": array(obj({"command": STR, "schema": STR}))}),
                                    obj({"$schema": STR, "$id": STR, "title": STR, "anyOf": ARR, "$defs": OBJ})]}},
}
