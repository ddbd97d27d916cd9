"""Small real IRs for the benchmark and profile tests, built with openvino.opset13.

- `conv_net`: two convolutions, dynamic or fixed batch, FP32 weights.
- `int8_conv_net`: the first convolution quantized (FakeQuantize on data and weights, as NNCF
  writes it) and the second left in FP32, so the CPU runs a real u8 kernel next to an f32 one.
- `fixed_batch_net`: concatenates the input with a constant of batch 1, so its batch cannot change
  (a plain Reshape to a constant would not do: OpenVINO's smart reshape fixes those).
- `no_batch_net`: a [3, 8, 8] input without any batch dimension.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _ops():  # type: ignore[no-untyped-def]
    import openvino.opset13 as ops

    return ops


def _weights(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.2, size=shape).astype(np.float32)


def _fq(ops, node, low: float, high: float, levels: int = 256):  # type: ignore[no-untyped-def]
    lo, hi = ops.constant(np.float32(low)), ops.constant(np.float32(high))
    return ops.fake_quantize(node, lo, hi, lo, hi, levels)


def _save(model, folder: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    import openvino as ov

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.xml"
    ov.save_model(model, str(path), compress_to_fp16=False)
    return path


def conv_net(folder: Path, name: str = "conv_net", dynamic_batch: bool = True, size: int = 32) -> Path:
    import openvino as ov

    ops = _ops()
    x = ops.parameter([-1 if dynamic_batch else 1, 3, size, size], np.float32, name="image")
    c1 = ops.relu(ops.convolution(x, ops.constant(_weights(1, 16, 3, 3, 3)), [1, 1], [1, 1], [1, 1], [1, 1]))
    c2 = ops.relu(ops.convolution(c1, ops.constant(_weights(2, 16, 16, 3, 3)), [1, 1], [1, 1], [1, 1], [1, 1]))
    pooled = ops.reduce_mean(c2, ops.constant(np.array([2, 3], np.int64)), False)
    model = ov.Model([ops.result(pooled)], [x], name)
    return _save(model, folder, name)


def int8_conv_net(folder: Path, name: str = "int8_net", size: int = 32) -> Path:
    import openvino as ov

    ops = _ops()
    x = ops.parameter([1, 3, size, size], np.float32, name="image")
    q1 = ops.convolution(_fq(ops, x, 0.0, 4.0), _fq(ops, ops.constant(_weights(1, 16, 3, 3, 3)), -0.6, 0.6, 255),
                         [1, 1], [1, 1], [1, 1], [1, 1])
    r1 = ops.relu(q1)
    c2 = ops.relu(ops.convolution(r1, ops.constant(_weights(2, 16, 16, 3, 3)), [1, 1], [1, 1], [1, 1], [1, 1]))
    pooled = ops.reduce_mean(c2, ops.constant(np.array([2, 3], np.int64)), False)
    model = ov.Model([ops.result(pooled)], [x], name)
    return _save(model, folder, name)


def fixed_batch_net(folder: Path, name: str = "fixed_batch") -> Path:
    import openvino as ov

    ops = _ops()
    x = ops.parameter([1, 3, 8, 8], np.float32, name="image")
    joined = ops.concat([x, ops.constant(_weights(3, 1, 1, 8, 8))], 1)
    out = ops.reduce_mean(joined, ops.constant(np.array([2, 3], np.int64)), False)
    return _save(ov.Model([ops.result(out)], [x], name), folder, name)


def no_batch_net(folder: Path, name: str = "no_batch") -> Path:
    import openvino as ov

    ops = _ops()
    x = ops.parameter([3, 8, 8], np.float32, name="image")
    out = ops.reduce_mean(x, ops.constant(np.array([1, 2], np.int64)), False)
    return _save(ov.Model([ops.result(out)], [x], name), folder, name)
