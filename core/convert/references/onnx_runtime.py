"""ONNX Runtime (CPU, f32) as the reference for ONNX sources; runs in this process."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run_onnx(model_path: Path, feed: dict[str, Any], output_names: list[str]) -> tuple[dict[str, Any], str]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    known = {i.name for i in session.get_inputs()}
    missing = known - set(feed)
    if missing:
        raise ValueError(f"the original model also needs input(s) {sorted(missing)}")
    values = session.run(output_names, {k: v for k, v in feed.items() if k in known}) if output_names else []
    return dict(zip(output_names, values)), f"ONNX Runtime {ort.__version__}"
