"""Real models and a real per-layer profile for the graph tests (no mocks).

`profile_rows` runs the model with PERF_COUNT and writes rows in the profile Result format
of the benchmark feature (name, type, exec_type, precision, status, real_ms, original_layers),
so the graph code is tested against what OpenVINO really reports.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov

LIGHT = Path(__file__).resolve().parents[1] / ".venv/lib/python3.11/site-packages/onnx/backend/test/data/light"


def convert_light(name: str, folder: Path, compress_to_fp16: bool = False) -> Path:
    """An IR of one of the real-architecture ONNX files shipped in the onnx wheel."""
    xml = folder / f"{name}.xml"
    if not xml.exists():
        ov.save_model(ov.convert_model(str(LIGHT / f"{name}.onnx")), str(xml), compress_to_fp16=compress_to_fp16)
    return xml


def fp16_from(fp32_xml: Path, folder: Path) -> Path:
    """An FP16 variant made from the FP32 IR, as the optimize feature does: same layer names
    (a second conversion would generate different names for the fused nodes)."""
    xml = folder / f"{fp32_xml.stem}-fp16.xml"
    ov.save_model(ov.Core().read_model(str(fp32_xml)), str(xml), compress_to_fp16=True)
    return xml


def profile_rows(xml: Path, iterations: int = 3) -> list[dict[str, Any]]:
    core = ov.Core()
    compiled = core.compile_model(core.read_model(str(xml)), "CPU", {"PERF_COUNT": True, "INFERENCE_NUM_THREADS": 1})
    request = compiled.create_infer_request()
    inputs = {i: np.random.default_rng(0).random(tuple(p.get_shape()), dtype=np.float32)
              for i, p in enumerate(compiled.inputs)}
    real_us: dict[str, float] = defaultdict(float)
    seen: dict[str, Any] = {}
    for _ in range(iterations):
        request.infer(inputs)
        for entry in request.profiling_info:
            real_us[entry.node_name] += entry.real_time.total_seconds() * 1e6
            seen.setdefault(entry.node_name, entry)
    runtime = {}
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        runtime[op.get_friendly_name()] = {
            "type": info["layerType"].astype(str),
            "precision": info["runtimePrecision"].astype(str),
            "original_layers": [n for n in info["originalLayersNames"].astype(str).split(",") if n],
        }
    rows = []
    for name, entry in seen.items():
        node = runtime.get(name, {})
        status = str(entry.status).rsplit(".", 1)[-1]
        rows.append({
            "name": name, "type": node.get("type", entry.node_type), "exec_type": entry.exec_type,
            "precision": node.get("precision", ""),
            "status": {"EXECUTED": "executed", "NOT_RUN": "not_run", "OPTIMIZED_OUT": "optimized_out"}.get(status, status),
            "real_ms": real_us[name] / iterations / 1000, "original_layers": node.get("original_layers", []),
        })
    return rows


def seed_profiled_variants(name: str = "light_densenet121") -> dict[str, int]:
    """A model with an FP32 and an FP16 variant in the current workspace, each with a stored
    profile Result (kind "profile", metrics["layers"]), as the benchmark feature stores them."""
    from core.store import Result, session_scope
    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    model_id = create_model(name.replace("light_", "").title(), "onnx", task="classification")
    ids: dict[str, int] = {"model": model_id}
    fp32_xml = convert_light(name, new_artifact_dir("models"))
    for precision in ("FP32", "FP16"):
        xml = fp32_xml if precision == "FP32" else fp16_from(fp32_xml, new_artifact_dir("models"))
        variant_id = register_variant(model_id, xml, precision, "converted" if precision == "FP32" else "fp16",
                                      parent_id=ids.get("FP32"))
        rows = profile_rows(xml)
        with session_scope() as session:
            result = Result(kind="profile", variant_id=variant_id, device="CPU", config={"device": "CPU"},
                            metrics={"layers": rows, "total_ms": sum(r["real_ms"] for r in rows if r["status"] == "executed")})
            session.add(result)
            session.flush()
            ids[f"{precision}_profile"] = result.id
        ids[precision] = variant_id
    return ids


def int8_from(fp32_xml: Path, folder: Path, samples: int = 2) -> Path:
    """A real NNCF INT8 variant of `fp32_xml` (random calibration data: the structure is what
    matters here, FakeQuantize nodes inserted, weights compressed), keeping the FP32 names."""
    import nncf

    model = ov.Core().read_model(str(fp32_xml))
    shape = tuple(model.inputs[0].get_partial_shape().to_shape())
    data = [np.random.default_rng(i).random(shape, dtype=np.float32) for i in range(samples)]
    quantized = nncf.quantize(model, nncf.Dataset(data), subset_size=samples)
    xml = folder / f"{fp32_xml.stem}-int8.xml"
    ov.save_model(quantized, str(xml))
    return xml


def mobilenet_v2_ir(folder: Path) -> Path:
    """The MobileNetV2-like IR of benchmarks/graph.py (depthwise convolutions, residual Adds)."""
    from benchmarks.graph import mobilenet_v2_like

    xml = folder / "mobilenet_v2_like.xml"
    if not xml.exists():
        ov.save_model(mobilenet_v2_like(), str(xml), compress_to_fp16=False)
    return xml
