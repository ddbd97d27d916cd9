"""Conversion check: does the IR compute what the original model computes?

The original runs in its own runtime (core.convert.references: ONNX Runtime, the TFLite
interpreter, Paddle Inference, TensorFlow), the IR in OpenVINO, both on the same random input;
each output is compared by max-abs-difference and cosine similarity. When the IR has embedded
preprocessing, the IR gets raw pixels (0..255) and the original gets them after the recorded
steps (reverse, mean, scale), which also proves those steps right.

The question is "did conversion keep the maths", so the verdict (match / mismatch) comes from
the IR compiled with f32 compute (INFERENCE_PRECISION_HINT=f32): every reference runs in f32,
and a device whose default is bf16 would otherwise make every correct conversion look wrong
(MobileNetV2: max |diff| 0.2, cosine 0.9996 in bf16; 8e-6 in f32). When the device default is
not f32, the IR also runs in that default and the deviation is reported next to the verdict as
information — it is what users get without asking, and its size is the cost of the reduced
arithmetic, not of the conversion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.convert.preprocess import raw_to_model_input
from core.convert.references import Reference, reference_for
from core.importer.formats import FORMAT_LABELS, SourceModel
from core.ov_core import core_instance

CHECK_COMPUTE = "f32"
# Tolerances of the f32-compute verdict, keyed by "FP16 weights?".
# FP32 weights in f32 compute differ from the reference only by operation order and kernel choice:
# measured ≤ 5e-7 of the output scale, 1 - cosine ≤ 1e-13 (built ResNet-style classifier, the
# orientation sample, the TF/TFLite/Paddle tiny CNN).
# FP16 weights round each weight once, to 2^-11 ≈ 4.9e-4 relative; activations stay f32. Over a
# network those roundings partly cancel: measured 3.6e-4 - 4.5e-4 of the output scale, 1 - cosine
# ≤ 8e-7 (same models). bf16 compute rounds weights *and* activations to 2^-8: 8x coarser, measured
# 3e-3 - 7e-3 of the scale and 1 - cosine up to 1.3e-4. So FP16 weights get 5e-3 of the scale and
# cosine ≥ 0.9999: ten times the measured FP16 error (and about what bf16 arithmetic alone costs),
# while a wrong mean, scale or channel order (tens of percent) is far outside either.
COSINE_MIN = {False: 0.9999, True: 0.9999}
REL_DIFF_MAX = {False: 1e-3, True: 5e-3}


def _skip(reason: str, **extra: Any) -> dict[str, Any]:
    return {"status": "skipped", "reason": reason, "outputs": [], "summary": f"Conversion check: {reason}", **extra}


def _concrete_shape(ir_shape: Any, original_shape: Any, name: str) -> list[int] | str:
    """Static dims of the IR input; dynamic ones from the original model's static dims, batch 1."""
    dims = []
    original = list(original_shape) if original_shape.rank.is_static else []
    for index, dim in enumerate(ir_shape):
        if dim.is_static:
            dims.append(dim.get_length())
        elif index < len(original) and original[index].is_static:
            dims.append(original[index].get_length())
        elif index == 0:
            dims.append(1)
        else:
            return f"input '{name}' has dynamic dimension {index} ({ir_shape}); set a static shape to run the check"
    return dims


def _random_input(rng: Any, shape: list[int], dtype: str, raw_pixels: bool) -> Any:
    import numpy as np

    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, 10, size=shape).astype(dtype)
    if raw_pixels:
        return rng.uniform(0, 255, size=shape).astype(np.float32)
    return rng.standard_normal(shape).astype(dtype)


def deviation(reference: Any, actual: Any) -> dict[str, Any]:
    """max |diff|, mean |diff| and cosine of two tensors (no verdict)."""
    import numpy as np

    ref = np.asarray(reference, dtype=np.float64).ravel()
    act = np.asarray(actual, dtype=np.float64).ravel()
    if ref.shape != act.shape:
        return {"reason": f"shapes differ: {np.shape(reference)} vs {np.shape(actual)}"}
    diff = np.abs(ref - act)
    denominator = np.linalg.norm(ref) * np.linalg.norm(act)
    cosine = float(np.dot(ref, act) / denominator) if denominator > 0 else (1.0 if np.allclose(ref, act) else 0.0)
    return {
        "max_abs_diff": float(diff.max()) if diff.size else 0.0,
        "mean_abs_diff": float(diff.mean()) if diff.size else 0.0,
        "cosine": cosine,
        "reference_max_abs": float(np.abs(ref).max()) if ref.size else 0.0,
        "shape": list(np.shape(reference)),
    }


def compare_outputs(reference: Any, actual: Any, fp16: bool) -> dict[str, Any]:
    """The f32-compute verdict for one output: match when within the tolerance for the weights."""
    measured = deviation(reference, actual)
    if "reason" in measured:
        return {"status": "mismatch", **measured}
    scale = max(1.0, measured["reference_max_abs"])
    ok = measured["cosine"] >= COSINE_MIN[fp16] and measured["max_abs_diff"] <= REL_DIFF_MAX[fp16] * scale
    return {"status": "match" if ok else "mismatch", **measured}


def _worst(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    measured = [o for o in outputs if "cosine" in o]
    if not measured:
        return {}
    return {"max_abs_diff": max(o["max_abs_diff"] for o in measured), "cosine": min(o["cosine"] for o in measured)}


def check_summary(check: dict[str, Any] | None) -> str:
    """One line users read: 'Conversion check (f32 compute): match, max |diff| 7.6e-06, cosine 1.000000 ...'."""
    if not check:
        return "Conversion check: not run"
    status = check.get("status", "?")
    if status in ("skipped", "error"):
        return check.get("summary") or f"Conversion check {status}: {check.get('reason') or 'no reason recorded'}"
    compute = check.get("compute") or "device default"
    worst = _worst(check.get("outputs", []))
    text = f"Conversion check ({compute} compute): {status}"
    if worst:
        text += f", max |diff| {worst['max_abs_diff']:.3g}, cosine {worst['cosine']:.6f}"
    if check.get("reference"):
        text += f" against {check['reference']}"
    return text


def default_compute_note(compute: str, f32_status: str) -> str:
    """Why the device-default run differs, in words that do not cry wolf."""
    if f32_status == "match":
        return (f"computed in {compute}, the device default: differences of this size are the cost of {compute} "
                "arithmetic, not a conversion error (the f32-compute check above matches).")
    return (f"computed in {compute}, the device default, for information; whether the conversion is right is "
            "decided by the f32-compute check above.")


def default_compute_summary(info: dict[str, Any] | None) -> str | None:
    """The information line for the device-default run, or None when the default is f32."""
    if not info:
        return None
    text = f"Device default ({info['compute']} compute), for information:"
    if info.get("max_abs_diff") is not None:
        text += f" max |diff| {info['max_abs_diff']:.3g}, cosine {info['cosine']:.6f}"
    return f"{text} — {info['note']}"


def _compile(xml: Path, device: str, compute: str | None) -> tuple[Any, str | None]:
    from core.precision import compute_precision

    config = {"INFERENCE_PRECISION_HINT": compute} if compute else {}
    compiled = core_instance().compile_model(str(xml), device, config)
    try:
        used = compute_precision(compiled.get_property("INFERENCE_PRECISION_HINT"))
    except Exception:  # a device that does not report it
        used = compute
    return compiled, used


def _run_ir(compiled: Any, feed: dict[str, Any], wanted: list[tuple[Any, str | None]]) -> dict[int, Any]:
    result = compiled.infer_new_request(feed)
    return {index: result[index] for index in range(len(wanted))}  # by position: ports belong to one compiled model


def _feeds(compiled: Any, original: Any, preprocessing: dict[str, Any], seed: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | str:
    """(IR feed, reference feed, shapes) on one random input, or why the two cannot be fed alike.

    With embedded preprocessing the IR gets raw pixels and the original those pixels after the
    recorded steps; otherwise both get the same tensor.
    """
    import numpy as np

    original_ports = list(original.inputs)
    original_inputs = {name: index for index, port in enumerate(original_ports) for name in port.get_names()}
    rng = np.random.default_rng(seed)
    ir_feed, ref_feed, shapes = {}, {}, {}
    for port in compiled.inputs:
        names = port.get_names()
        name = next((n for n in sorted(names) if n in original_inputs), None)
        if name is None:
            return f"input {sorted(names)} is not an input of the original model (the graph was cut), so the original cannot be fed the same data"
        original_port = original_ports[original_inputs[name]]
        shape = _concrete_shape(port.get_partial_shape(), original_port.get_partial_shape(), name)
        if isinstance(shape, str):
            return shape
        record = preprocessing.get(name) or next((preprocessing[n] for n in names if n in preprocessing), None)
        dtype = original_port.get_element_type().to_dtype().name
        raw = _random_input(rng, shape, port.get_element_type().to_dtype().name if record else dtype, raw_pixels=bool(record))
        ir_feed[name] = raw
        ref_feed[name] = raw_to_model_input(raw, record).astype(dtype) if record else raw
        shapes[name] = shape
    fed = {original_inputs[name] for name in ref_feed}
    missing = [port.get_any_name() if port.get_names() else f"input {i}" for i, port in enumerate(original_ports) if i not in fed]
    if missing:
        return f"the IR has no input for {missing} (the graph was cut)"
    return ir_feed, ref_feed, shapes


def _default_compute_info(xml: Path, device: str, default: str, ir_feed: dict[str, Any], wanted: list[tuple[Any, str | None]],
                          reference_outputs: dict[str, Any], status: str) -> dict[str, Any]:
    """The IR run in the device default compute precision, measured against the reference (no verdict)."""
    compiled, used = _compile(xml, device, None)
    ir_default = _run_ir(compiled, ir_feed, wanted)
    per_output = [
        {"name": name, **deviation(reference_outputs[name], ir_default[index])}
        for index, (_port, name) in enumerate(wanted) if name and name in reference_outputs
    ]
    used = used or default
    return {"compute": used, "outputs": per_output, **_worst(per_output), "note": default_compute_note(used, status)}


def conversion_check(
    source: SourceModel,
    xml: Path,
    preprocessing: dict[str, Any],
    fp16: bool,
    seed: int = 0,
    device: str = "CPU",
    reference: Reference | None = None,
) -> dict[str, Any]:
    """Compare the original model in its own runtime with the IR: verdict in f32 compute,
    plus the device-default deviation as information when the default is not f32.

    `reference` overrides the runtime chosen for the source format (tests pass one whose
    module is not installed to see the "not checked" path).
    """
    from core.importer.frontends import read_source_model
    from core.precision import device_compute

    reference = reference or reference_for(source.format)
    if reference is None:
        if source.format == "ir":
            return _skip("the source is an IR already: there is no original model to compare with")
        return _skip(f"not checked: no reference runtime for {FORMAT_LABELS.get(source.format, source.format)} sources")
    if reference.available() is None:
        return _skip(reference.missing_reason(), runtime=reference.runtime)
    original = read_source_model(source)
    original_outputs = {name for port in original.outputs for name in port.get_names()}
    compiled, compute = _compile(xml, device, CHECK_COMPUTE)
    feeds = _feeds(compiled, original, preprocessing, seed)
    if isinstance(feeds, str):
        return _skip(feeds)
    ir_feed, ref_feed, shapes = feeds
    wanted = [(port, next((n for n in sorted(port.get_names()) if n in original_outputs), None)) for port in compiled.outputs]
    reference_outputs, runtime = reference.outputs(source.path, ref_feed, [name for _, name in wanted if name])
    ir_f32 = _run_ir(compiled, ir_feed, wanted)

    outputs = []
    for index, (port, name) in enumerate(wanted):
        label = name or port.get_any_name()
        if name is None or name not in reference_outputs:
            why = "not an output of the original model" if name is None else f"{runtime} did not return it"
            outputs.append({"name": label, "status": "not compared", "reason": why})
            continue
        outputs.append({"name": label, **compare_outputs(reference_outputs[name], ir_f32[index], fp16)})
    statuses = {o["status"] for o in outputs}
    status = "mismatch" if "mismatch" in statuses else ("match" if "match" in statuses else "skipped")

    default = device_compute(device).get("default")
    default_info = None
    if default and default != CHECK_COMPUTE:
        default_info = _default_compute_info(xml, device, default, ir_feed, wanted, reference_outputs, status)
    check = {
        "status": status,
        "compute": compute,
        "device": device,
        "outputs": outputs,
        "input_shapes": shapes,
        "seed": seed,
        "weights": "FP16" if fp16 else "FP32",
        "tolerance": {"cosine_min": COSINE_MIN[fp16], "max_abs_diff_rel": REL_DIFF_MAX[fp16]},
        "reference": runtime,
        "default_compute": default_info,
    }
    if status == "skipped":
        check["reason"] = "no output of the IR is an output of the original model"
    check["summary"] = check_summary(check)
    if default_info is not None:
        default_info["summary"] = default_compute_summary(default_info)
    return check


def check_log_lines(check: dict[str, Any]) -> list[str]:
    """The check as conversion-log lines: verdict, one line per output, the default-compute note."""
    lines = [check_summary(check)]
    for output in check.get("outputs", []):
        if "cosine" in output:
            lines.append(f"  {output['name']}: max |diff| {output['max_abs_diff']:.3g}, cosine {output['cosine']:.6f} → {output['status']}")
        elif output.get("reason"):
            lines.append(f"  {output['name']}: {output['status']} ({output['reason']})")
    default = default_compute_summary(check.get("default_compute"))
    if default:
        lines.append(default)
    return lines


def check_digest(check: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a model card keeps of the check: verdict, compute precisions and the two sentences."""
    if not check:
        return None
    default = check.get("default_compute") or {}
    return {
        "status": check.get("status"),
        "compute": check.get("compute"),
        "summary": check_summary(check),
        "default_compute": default.get("compute"),
        "default_compute_summary": default_compute_summary(default or None),
    }
