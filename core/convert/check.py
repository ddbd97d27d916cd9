"""Conversion check: does the IR compute what the original ONNX model computes?

Both run on the same random input — ONNX Runtime on the original, OpenVINO on the IR —
and each output is compared by max-abs-difference and cosine similarity. When the IR
has embedded preprocessing, the IR gets raw pixels (0..255) and the original gets them
after the recorded steps (reverse, mean, scale), which also proves those steps right.
FP16-compressed weights differ slightly by design, so the tolerance is looser for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.convert.preprocess import raw_to_model_input
from core.importer.formats import SourceModel

ORT_TYPES = {
    "tensor(float)": "float32",
    "tensor(float16)": "float16",
    "tensor(double)": "float64",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(int8)": "int8",
    "tensor(uint8)": "uint8",
    "tensor(bool)": "bool",
}
COSINE_MIN = {False: 0.9999, True: 0.999}  # key: FP16 weights
REL_DIFF_MAX = {False: 1e-3, True: 2e-2}


def _skip(reason: str) -> dict[str, Any]:
    return {"status": "skipped", "reason": reason, "outputs": []}


def _concrete_shape(ir_shape: Any, ort_shape: list[Any], name: str) -> list[int] | str:
    dims = []
    for index, dim in enumerate(ir_shape):
        if dim.is_static:
            dims.append(dim.get_length())
        elif index < len(ort_shape) and isinstance(ort_shape[index], int) and ort_shape[index] > 0:
            dims.append(ort_shape[index])
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


def compare_outputs(reference: Any, actual: Any, fp16: bool) -> dict[str, Any]:
    import numpy as np

    ref = np.asarray(reference, dtype=np.float64).ravel()
    act = np.asarray(actual, dtype=np.float64).ravel()
    if ref.shape != act.shape:
        return {"status": "mismatch", "reason": f"shapes differ: {np.shape(reference)} vs {np.shape(actual)}"}
    diff = np.abs(ref - act)
    denominator = np.linalg.norm(ref) * np.linalg.norm(act)
    cosine = float(np.dot(ref, act) / denominator) if denominator > 0 else (1.0 if np.allclose(ref, act) else 0.0)
    max_abs = float(diff.max()) if diff.size else 0.0
    scale = max(1.0, float(np.abs(ref).max()) if ref.size else 1.0)
    ok = cosine >= COSINE_MIN[fp16] and max_abs <= REL_DIFF_MAX[fp16] * scale
    return {
        "status": "match" if ok else "mismatch",
        "max_abs_diff": max_abs,
        "mean_abs_diff": float(diff.mean()) if diff.size else 0.0,
        "cosine": cosine,
        "shape": list(np.shape(reference)),
    }


def conversion_check(source: SourceModel, xml: Path, preprocessing: dict[str, Any], fp16: bool, seed: int = 0) -> dict[str, Any]:
    """Compare ONNX Runtime (original) and OpenVINO (IR) outputs on one random input."""
    import numpy as np

    from core.system_info import core_instance

    if source.format != "onnx":
        return _skip(f"the check compares with ONNX Runtime, so it runs for ONNX sources (this is {source.label})")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(source.path), options, providers=["CPUExecutionProvider"])
    ort_inputs = {i.name: i for i in session.get_inputs()}
    ort_outputs = [o.name for o in session.get_outputs()]
    compiled = core_instance().compile_model(str(xml), "CPU")
    rng = np.random.default_rng(seed)
    ir_feed, ort_feed, shapes = {}, {}, {}
    for port in compiled.inputs:
        names = port.get_names()
        name = next((n for n in names if n in ort_inputs), None)
        if name is None:
            return _skip(f"input {sorted(names)} is not an input of the original model (the graph was cut), so ONNX Runtime cannot be fed the same data")
        shape = _concrete_shape(port.get_partial_shape(), list(ort_inputs[name].shape), name)
        if isinstance(shape, str):
            return _skip(shape)
        record = preprocessing.get(name)
        dtype = ORT_TYPES.get(ort_inputs[name].type, "float32")
        raw = _random_input(rng, shape, port.get_element_type().to_dtype().name if record else dtype, raw_pixels=bool(record))
        ir_feed[name] = raw
        ort_feed[name] = raw_to_model_input(raw, record).astype(dtype) if record else raw
        shapes[name] = shape
    missing = set(ort_inputs) - set(ort_feed)
    if missing:
        return _skip(f"the IR has no input for {sorted(missing)} (the graph was cut)")
    ir_result = compiled.infer_new_request(ir_feed)
    wanted = []
    for port in compiled.outputs:
        name = next((n for n in port.get_names() if n in ort_outputs), None)
        wanted.append((port, name))
    ort_names = [n for _, n in wanted if n]
    reference = dict(zip(ort_names, session.run(ort_names, ort_feed))) if ort_names else {}
    outputs = []
    for port, name in wanted:
        label = name or port.get_any_name()
        if name is None:
            outputs.append({"name": label, "status": "not compared", "reason": "not an output of the original model"})
            continue
        outputs.append({"name": label, **compare_outputs(reference[name], ir_result[port], fp16)})
    statuses = {o["status"] for o in outputs}
    status = "mismatch" if "mismatch" in statuses else ("match" if "match" in statuses else "skipped")
    return {
        "status": status,
        "outputs": outputs,
        "input_shapes": shapes,
        "seed": seed,
        "tolerance": {"cosine_min": COSINE_MIN[fp16], "max_abs_diff_rel": REL_DIFF_MAX[fp16]},
        "reference": f"ONNX Runtime {ort.__version__}",
    }
