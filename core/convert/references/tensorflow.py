"""TensorFlow as the reference for SavedModel folders and frozen .pb graphs (child process).

A SavedModel runs through its serving signature (inputs and outputs by signature key, which is
how OpenVINO names them); a frozen graph through a v1 Session by tensor name ("image:0").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _saved_model(tf: Any, folder: Path, feed: dict[str, Any], output_names: list[str]) -> dict[str, Any]:
    loaded = tf.saved_model.load(str(folder))
    signatures = dict(loaded.signatures)
    if not signatures:
        raise ValueError("the SavedModel has no signatures to run")
    function = signatures.get("serving_default") or next(iter(signatures.values()))
    expected = set(function.structured_input_signature[1])
    if set(feed) != expected:
        raise ValueError(f"inputs differ: the IR feeds {sorted(feed)}, the signature takes {sorted(expected)}")
    result = function(**{name: tf.constant(value) for name, value in feed.items()})
    return {name: result[name].numpy() for name in output_names if name in result}


def _frozen_graph(tf: Any, pb: Path, feed: dict[str, Any], output_names: list[str]) -> dict[str, Any]:
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(pb.read_bytes())
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    def tensor_name(name: str) -> str:
        return name if ":" in name else f"{name}:0"
    with tf.compat.v1.Session(graph=graph) as session:
        values = session.run([tensor_name(n) for n in output_names], {tensor_name(k): v for k, v in feed.items()})
    return dict(zip(output_names, values))


def run(module: str, model_path: Path, feed: dict[str, Any], output_names: list[str]) -> tuple[dict[str, Any], str]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    if model_path.is_dir():
        return _saved_model(tf, model_path, feed, output_names), f"TensorFlow {tf.__version__} (SavedModel)"
    return _frozen_graph(tf, model_path, feed, output_names), f"TensorFlow {tf.__version__} (frozen graph)"
