"""Real variants and real measurements for the comparison tests (no invented numbers).

`build_variants` makes an FP32 IR, its FP16 copy (core.quantize.pipeline.compress_ir) and an
INT8 child quantized by NNCF on random data with a small subset (core.quantize.pipeline.
quantize_ir, which also measures agreement with the FP32 parent), registered as variants.
`benchmark` and `profile` run issue 5's library (run_benchmark / profile_model) and store
the rows with its save_result, exactly as its jobs do.

Compute precision: benchmarks use the device default (what a user gets), so the tests assert
against what the device reports; the FP32/INT8 profiles force f32 compute because the
per-layer tests need one fixed precision on every CPU (the FP32 side's kernels in f32).
`reduced_compute()` is the device's reduced float precision (bf16 where it reports BF16), for
tests that need two compute precisions; None where the device has only f32.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.benchmark import BenchmarkSettings, profile_model, run_benchmark, save_result
from core.quantize.requests import QuantizeRequest
from core.quantize.pipeline import compress_ir, quantize_ir
from core.variants import create_model, get_variant, register_variant, variant_xml
from core.workspace import new_artifact_dir


def build_variants(source_xml: Path, name: str = "conv net", subset_size: int = 8,
                   accuracy_samples: int = 8) -> dict[str, int]:
    """{"FP32": id, "FP16": id, "INT8": id} registered in the current workspace."""
    model_id = create_model(name, "ir")
    folder = new_artifact_dir("models")
    fp32_xml = folder / "fp32.xml"
    import openvino as ov

    ov.save_model(ov.Core().read_model(str(source_xml)), str(fp32_xml), compress_to_fp16=False)
    fp32 = register_variant(model_id, fp32_xml, "FP32", "imported", name="FP32")
    fp16_result = compress_ir(fp32_xml, new_artifact_dir("models") / "fp16.xml", "fp16")
    fp16 = register_variant(model_id, Path(fp16_result["xml"]), "FP16", "fp16", name="FP16", parent_id=fp32)
    int8_result = quantize_ir(fp32_xml, new_artifact_dir("models") / "int8.xml", None,
                              QuantizeRequest(subset_size=subset_size), accuracy_samples=accuracy_samples)
    int8 = register_variant(model_id, Path(int8_result["xml"]), "INT8", "quantized", name="INT8", parent_id=fp32,
                            params={"options": int8_result["options"]}, accuracy=int8_result["accuracy"])
    return {"FP32": fp32, "FP16": fp16, "INT8": int8}


def benchmark(variant_id: int, **settings: Any) -> int:
    """A real (short) benchmark of a variant, stored as issue 5's job stores it; the result id."""
    options = BenchmarkSettings.from_params({"duration_s": 1.0, **settings})
    xml = variant_xml(get_variant(variant_id))
    metrics = run_benchmark(xml, options)
    config = {**options.to_config(), "model_path": str(xml)}
    return save_result("benchmark", config, metrics, variant_id, None, options.device)


def profile(variant_id: int, iterations: int = 20, **settings: Any) -> int:
    options = BenchmarkSettings.from_params({"hint": "latency", **settings})
    xml = variant_xml(get_variant(variant_id))
    metrics = profile_model(xml, options, iterations=iterations)
    config = {**options.to_config(), "model_path": str(xml), "profile_iterations": metrics["iterations"]}
    return save_result("profile", config, metrics, variant_id, None, options.device)


def reduced_compute(device: str = "CPU") -> str | None:
    """A reduced float compute precision the device reports natively (bf16, f16), or None."""
    from core.precision import device_compute

    return next((p for p in device_compute(device)["native"] if p != "f32"), None)


@dataclass
class Measured:
    """A workspace with FP32/FP16/INT8 variants, their benchmarks and FP32/INT8 profiles."""

    workspace: Path
    variants: dict[str, int]
    benchmarks: dict[str, int]  # "FP32", "FP16", "INT8", "INT8-latency" -> result id
    profiles: dict[str, int]  # "FP32", "INT8" -> result id


def measured_workspace(root: Path, source_xml: Path) -> Iterator[Measured]:
    """Point the process at a fresh workspace under `root`, fill it, yield, restore the env."""
    with pytest.MonkeyPatch.context() as patch:
        workspace = root / "workspace"
        patch.setenv("OVWB_WORKSPACE", str(workspace))
        patch.setenv("OVWB_NO_SAMPLE", "1")
        patch.delenv("OVWB_DATABASE_URL", raising=False)
        from core.store import init_db

        init_db()
        variants = build_variants(source_xml)
        benchmarks = {precision: benchmark(variants[precision]) for precision in ("FP32", "FP16", "INT8")}
        benchmarks["INT8-latency"] = benchmark(variants["INT8"], hint="latency")
        profiles = {precision: profile(variants[precision], infer_precision="f32") for precision in ("FP32", "INT8")}
        yield Measured(workspace, variants, benchmarks, profiles)


def build_sample_variants() -> dict[str, Any]:
    """The first-run sample (a real trained classifier, labelled rotated scans) as FP32, FP16 and
    INT8 variants; FP16 and INT8 get top-1 on the labelled scans against the FP32 parent."""
    from sqlalchemy import select

    from core.sample import SAMPLE_PREPROCESSING, seed_sample
    from core.store import Dataset, session_scope

    seeded = seed_sample()
    with session_scope() as s:
        dataset_id = s.scalars(select(Dataset.id).where(Dataset.kind == "labelled-images")).first()
    fp32 = seeded["variant_id"]
    fp32_xml = variant_xml(get_variant(fp32))
    model_id = get_variant(fp32).model_id
    fp16_result = compress_ir(fp32_xml, new_artifact_dir("models") / "fp16.xml", "fp16", dataset_id=dataset_id,
                              spec=SAMPLE_PREPROCESSING)
    fp16 = register_variant(model_id, Path(fp16_result["xml"]), "FP16", "fp16", name="FP16", parent_id=fp32,
                            params={"dataset_id": dataset_id}, accuracy=fp16_result["accuracy"])
    int8_result = quantize_ir(fp32_xml, new_artifact_dir("models") / "int8.xml", dataset_id,
                              QuantizeRequest(subset_size=8), spec=SAMPLE_PREPROCESSING)
    int8 = register_variant(model_id, Path(int8_result["xml"]), "INT8", "quantized", name="INT8", parent_id=fp32,
                            params={"options": int8_result["options"], "dataset_id": dataset_id},
                            accuracy=int8_result["accuracy"])
    return {"FP32": fp32, "FP16": fp16, "INT8": int8, "dataset_id": dataset_id}
