"""Reference runtimes: each source format is run by its own framework to check the IR against.

A conversion check is only as honest as its reference: the original model run by the runtime it
was made for (ONNX Runtime for ONNX, the TFLite interpreter for .tflite, Paddle Inference for
Paddle, TensorFlow for SavedModel / frozen graphs). Those runtimes are optional: when none is
importable the check says "not checked: <runtime> not installed" instead of pretending.

ONNX Runtime runs in this process (it is a requirement and light). TensorFlow and Paddle run in a
child process (core.convert.references.child): TensorFlow takes seconds to import and both bring
native libraries (protobuf, oneDNN) that should not live next to OpenVINO in a long-lived worker.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import UserError

CORE_ROOT = Path(__file__).resolve().parents[3]  # the folder holding the `core` package
CHILD_TIMEOUT_S = 600

# (importable module, the name users know it by)
Candidate = tuple[str, str]


def module_installed(module: str) -> bool:
    """Can `module` be imported here? (find_spec looks without importing it.)"""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken install
        return False


def find_runtime(candidates: Sequence[Candidate]) -> Candidate | None:
    """The first installed (module, name) of `candidates`, in order of preference, or None."""
    return next((candidate for candidate in candidates if module_installed(candidate[0])), None)


@dataclass(frozen=True)
class Reference:
    """How to run the original model of one source format.

    `candidates` are the importable modules that can run it, preferred first (LiteRT before
    TensorFlow's own interpreter); `kind` names the runner in the child process, or "inprocess"
    with `run` set.
    """

    runtime: str  # what users are told is missing: "ONNX Runtime", "TensorFlow or LiteRT"
    candidates: tuple[Candidate, ...]
    kind: str
    run: Callable[[Path, dict[str, Any], list[str]], tuple[dict[str, Any], str]] | None = field(default=None, compare=False)

    def available(self) -> Candidate | None:
        return find_runtime(self.candidates)

    def missing_reason(self) -> str:
        return f"not checked: {self.runtime} not installed"

    def outputs(self, model_path: Path, feed: dict[str, Any], output_names: list[str]) -> tuple[dict[str, Any], str]:
        """The original model's outputs {name: array} on `feed`, and the runtime's name + version."""
        if self.run is not None:
            return self.run(model_path, feed, output_names)
        chosen = self.available()
        if chosen is None:
            raise UserError(self.missing_reason())
        return run_in_child(self.kind, chosen[0], model_path, feed, output_names)


def run_in_child(kind: str, module: str, model_path: Path, feed: dict[str, Any], output_names: list[str]) -> tuple[dict[str, Any], str]:
    """Run runner `kind` with framework `module` in a fresh Python; arrays travel as .npz."""
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="ovwb-reference-") as folder:
        io_dir = Path(folder)
        np.savez(io_dir / "inputs.npz", **{f"in{index}": value for index, value in enumerate(feed.values())})
        (io_dir / "request.json").write_text(json.dumps({
            "kind": kind, "module": module, "model": str(model_path), "inputs": list(feed), "outputs": output_names,
        }))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(CORE_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "GLOG_minloglevel": "3",
            "FLAGS_enable_pir_api": "0",  # OpenVINO reads the classic Paddle program; run the same one
        }
        try:
            done = subprocess.run(
                [sys.executable, "-m", "core.convert.references.child", str(io_dir)],
                env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, cwd=CORE_ROOT,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"the reference runtime took longer than {CHILD_TIMEOUT_S} s") from exc
        answer_file = io_dir / "answer.json"
        answer = json.loads(answer_file.read_text()) if answer_file.is_file() else {}
        if done.returncode != 0 or "error" in answer:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise RuntimeError(answer.get("error") or (lines[-1] if lines else f"exit status {done.returncode}"))
        with np.load(io_dir / "outputs.npz") as data:
            outputs = {name: data[f"out{index}"] for index, name in enumerate(answer["names"])}
        return outputs, answer["runtime"]


def _onnx_reference() -> Reference:
    from core.convert.references.onnx_runtime import run_onnx

    return Reference("ONNX Runtime", (("onnxruntime", "ONNX Runtime"),), "inprocess", run_onnx)


def reference_for(source_format: str) -> Reference | None:
    """The reference runtime for a source format; None when there is nothing to compare with."""
    if source_format == "onnx":
        return _onnx_reference()
    if source_format == "tflite":
        return Reference("LiteRT or TensorFlow", (("ai_edge_litert", "LiteRT"), ("tensorflow", "TensorFlow")), "tflite")
    if source_format == "paddle":
        return Reference("PaddlePaddle", (("paddle", "PaddlePaddle"),), "paddle")
    if source_format == "tf":
        return Reference("TensorFlow", (("tensorflow", "TensorFlow"),), "tensorflow")
    return None
