"""The TFLite interpreter (LiteRT's, else TensorFlow's) as the reference for .tflite sources.

Run in the child process (core.convert.references.child). XNNPACK runs f32 models in f32.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _interpreter_class(module: str) -> tuple[Any, str]:
    if module == "ai_edge_litert":
        from ai_edge_litert import interpreter as litert
        from importlib.metadata import version

        return litert.Interpreter, f"LiteRT {version('ai-edge-litert')} interpreter"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    return tf.lite.Interpreter, f"TensorFlow {tf.__version__} TFLite interpreter"


def run(module: str, model_path: Path, feed: dict[str, Any], output_names: list[str]) -> tuple[dict[str, Any], str]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
        interpreter_class, runtime = _interpreter_class(module)
        interpreter = interpreter_class(model_path=str(model_path))
    inputs = {detail["name"]: detail for detail in interpreter.get_input_details()}
    unknown = set(feed) - set(inputs)
    if unknown or set(inputs) - set(feed):
        raise ValueError(f"inputs differ: the IR feeds {sorted(feed)}, the .tflite model takes {sorted(inputs)}")
    for name, value in feed.items():
        interpreter.resize_tensor_input(inputs[name]["index"], list(value.shape))
    interpreter.allocate_tensors()
    for name, value in feed.items():
        interpreter.set_tensor(inputs[name]["index"], value.astype(inputs[name]["dtype"]))
    interpreter.invoke()
    outputs = {detail["name"]: detail for detail in interpreter.get_output_details()}
    return {name: interpreter.get_tensor(outputs[name]["index"]).copy() for name in output_names if name in outputs}, runtime
