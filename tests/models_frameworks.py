"""The tiny CNN exported through TensorFlow (SavedModel, frozen .pb, TFLite) and Paddle.

Each framework runs in a child process of its own: TensorFlow takes ~15 s to import and
both bring native libraries we do not want inside the test process next to OpenVINO.
The producers are test-only dependencies (requirements-test.txt); OpenVINO itself reads
these formats without them.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
from functools import lru_cache
import subprocess
import sys
from pathlib import Path

TF_SCRIPT = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
out = sys.argv[1]

class TinyCnn(tf.Module):
    def __init__(self):
        self.w = tf.Variable(tf.random.stateless_normal([3, 3, 3, 8], seed=[1, 2]) * 0.2)
        self.fc = tf.Variable(tf.random.stateless_normal([8, 10], seed=[3, 4]) * 0.2)

    @tf.function(input_signature=[tf.TensorSpec([None, 32, 32, 3], tf.float32, name="image")])
    def __call__(self, x):
        y = tf.nn.relu(tf.nn.conv2d(x, self.w, 1, "SAME"))
        y = tf.reduce_mean(y, axis=[1, 2])
        return {"probs": tf.nn.softmax(tf.matmul(y, self.fc))}

model = TinyCnn()
fn = model.__call__.get_concrete_function()
tf.saved_model.save(model, os.path.join(out, "saved_model"), signatures=fn)
with open(os.path.join(out, "tiny_cnn.tflite"), "wb") as f:
    f.write(tf.lite.TFLiteConverter.from_concrete_functions([fn], model).convert())
frozen = convert_variables_to_constants_v2(fn)
tf.io.write_graph(frozen.graph.as_graph_def(), out, "tiny_cnn_frozen.pb", as_text=False)
'''

PADDLE_SCRIPT = r'''
import sys
import paddle
paddle.seed(0)

class TinyCnn(paddle.nn.Layer):
    def __init__(self):
        super().__init__()
        self.conv = paddle.nn.Conv2D(3, 8, 3, padding=1)
        self.fc = paddle.nn.Linear(8, 10)

    def forward(self, x):
        y = paddle.nn.functional.relu(self.conv(x)).mean(axis=[2, 3])
        return paddle.nn.functional.softmax(self.fc(y))

net = TinyCnn()
net.eval()
spec = [paddle.static.InputSpec([None, 3, 32, 32], "float32", "image")]
paddle.jit.save(net, sys.argv[1] + "/tiny_cnn", input_spec=spec)
'''


def framework_installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _run(script: str, folder: Path, extra_env: dict[str, str] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **(extra_env or {})}
    script_file = folder.parent / f"_export_{folder.name}.py"  # paddle.jit reads the source of forward()
    script_file.write_text(script)
    done = subprocess.run([sys.executable, str(script_file), str(folder)], env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"export failed:\n{done.stderr[-3000:]}")


def export_tensorflow_models(folder: Path) -> dict[str, Path]:
    """{"saved_model": folder, "frozen_pb": .pb, "tflite": .tflite} of the tiny CNN (NHWC input)."""
    _run(TF_SCRIPT, folder)
    return {
        "saved_model": folder / "saved_model",
        "frozen_pb": folder / "tiny_cnn_frozen.pb",
        "tflite": folder / "tiny_cnn.tflite",
    }


def export_paddle_model(folder: Path, classic_format: bool = True) -> Path:
    """The tiny CNN as a Paddle inference model; returns the .pdmodel (or the PIR .json).

    OpenVINO 2026.4 reads the classic program format, which Paddle 3 writes only with
    FLAGS_enable_pir_api=0; `classic_format=False` gives the new PIR .json for the error path.
    """
    _run(PADDLE_SCRIPT, folder, {"FLAGS_enable_pir_api": "0" if classic_format else "1"})
    return folder / ("tiny_cnn.pdmodel" if classic_format else "tiny_cnn.json")


@lru_cache(maxsize=1)
def _export_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ovwb-framework-models-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@lru_cache(maxsize=1)
def cached_tensorflow_models() -> dict[str, Path]:
    """Exported once per test process (TensorFlow alone takes ~15 s to start); do not modify."""
    return export_tensorflow_models(_export_folder() / "tf")


@lru_cache(maxsize=2)
def cached_paddle_model(classic_format: bool = True) -> Path:
    """Exported once per test process; do not modify the files."""
    return export_paddle_model(_export_folder() / ("paddle" if classic_format else "paddle-pir"), classic_format)
