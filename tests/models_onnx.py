"""Small real models built in code, for tests of import, conversion and everything after.

Each builder writes into `folder` and returns the path of the main file, so other tests can
use them as they are. The networks are tiny but real (convolution, matmul, softmax ...),
with fixed-seed weights, so outputs are deterministic and worth comparing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ONNX_LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def _weights(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.2, size=shape).astype(np.float32)


def tiny_cnn_model(channels: int = 3, size: int = 32, classes: int = 10, dynamic_batch: bool = True) -> onnx.ModelProto:
    """image[N,3,32,32] → Conv(8) → Relu → GlobalAveragePool → Flatten → Gemm(10) → Softmax → probs."""
    batch: int | str = "N" if dynamic_batch else 1
    inits = [
        numpy_helper.from_array(_weights(1, 8, channels, 3, 3), "conv_w"),
        numpy_helper.from_array(_weights(2, 8), "conv_b"),
        numpy_helper.from_array(_weights(3, classes, 8), "fc_w"),
        numpy_helper.from_array(_weights(4, classes), "fc_b"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["conv"], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("Relu", ["conv"], ["relu"], name="relu1"),
        helper.make_node("GlobalAveragePool", ["relu"], ["pool"], name="pool"),
        helper.make_node("Flatten", ["pool"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1, name="fc"),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1, name="softmax"),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, channels, size, size])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [batch, classes])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="ovwb-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def make_tiny_cnn_onnx(folder: Path, name: str = "tiny_cnn", dynamic_batch: bool = True) -> Path:
    """A 10-class image classifier, input `image` [N,3,32,32] float, output `probs` [N,10]."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.onnx"
    onnx.save_model(tiny_cnn_model(dynamic_batch=dynamic_batch), path)
    return path


def make_external_data_onnx(folder: Path, name: str = "tiny_cnn_ext", data_file: str = "weights.data") -> Path:
    """The tiny CNN with all weights in a separate file `data_file` (ONNX external data)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.onnx"
    onnx.save_model(
        tiny_cnn_model(),
        path,
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=data_file,
        size_threshold=0,
    )
    return path


def make_two_input_onnx(folder: Path, name: str = "two_inputs") -> Path:
    """Two inputs (image[N,3,16,16], mask[N,1,16,16]) and two outputs (features, score)."""
    folder.mkdir(parents=True, exist_ok=True)
    inits = [numpy_helper.from_array(_weights(5, 4, 3, 1, 1), "w"), numpy_helper.from_array(_weights(6, 4, 1), "fc")]
    nodes = [
        helper.make_node("Conv", ["image", "w"], ["conv"], name="conv"),
        helper.make_node("Mul", ["conv", "mask"], ["features"], name="masked"),
        helper.make_node("ReduceMean", ["features"], ["pooled"], axes=[2, 3], keepdims=0, name="pool"),
        helper.make_node("MatMul", ["pooled", "fc"], ["score"], name="score"),
    ]
    graph = helper.make_graph(
        nodes,
        "two_inputs",
        [
            helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 16, 16]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["N", 1, 16, 16]),
        ],
        [
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 4, 16, 16]),
            helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1]),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = folder / f"{name}.onnx"
    onnx.save_model(model, path)
    return path


def make_unsupported_op_onnx(folder: Path, op_type: str = "FancyOp", domain: str = "com.example") -> Path:
    """A valid ONNX file whose middle node is an operation no OpenVINO frontend knows."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu"),
        helper.make_node(op_type, ["r"], ["f"], domain=domain, name="custom"),
        helper.make_node("Sigmoid", ["f"], ["y"], name="sigmoid"),
    ]
    graph = helper.make_graph(
        nodes,
        "custom_op",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(domain, 1)])
    path = folder / "custom_op.onnx"
    onnx.save_model(model, path)
    return path


def make_unknown_rank_onnx(folder: Path) -> Path:
    """A model whose input has no shape at all (unknown rank): it cannot be used without one."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1], name="to_nhwc"),
        helper.make_node("Relu", ["t"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes,
        "no_shape",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = folder / "no_shape.onnx"
    onnx.save_model(model, path)
    return path


def make_qdq_onnx(folder: Path) -> Path:
    """A conv preceded by QuantizeLinear/DequantizeLinear pairs: an already-quantized model."""
    folder.mkdir(parents=True, exist_ok=True)
    scale = numpy_helper.from_array(np.array(0.02, dtype=np.float32), "s")
    zero = numpy_helper.from_array(np.array(0, dtype=np.uint8), "z")
    w_q = numpy_helper.from_array(
        np.random.default_rng(7).integers(-20, 20, size=(4, 3, 3, 3)).astype(np.int8), "w_q"
    )
    w_scale = numpy_helper.from_array(np.array(0.01, dtype=np.float32), "ws")
    w_zero = numpy_helper.from_array(np.array(0, dtype=np.int8), "wz")
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q"),
        helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xdq"], name="dq"),
        helper.make_node("DequantizeLinear", ["w_q", "ws", "wz"], ["w"], name="wdq"),
        helper.make_node("Conv", ["xdq", "w"], ["y"], pads=[1, 1, 1, 1], name="conv"),
    ]
    graph = helper.make_graph(
        nodes,
        "qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        [scale, zero, w_q, w_scale, w_zero],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = folder / "qdq.onnx"
    onnx.save_model(model, path)
    return path


def make_tiny_cnn_ir(folder: Path, name: str = "tiny_cnn", compress_to_fp16: bool = False) -> Path:
    """The tiny CNN as an OpenVINO IR (.xml + .bin) written by ov.save_model; returns the .xml."""
    import openvino as ov

    onnx_path = make_tiny_cnn_onnx(folder / "_onnx_src", name)
    folder.mkdir(parents=True, exist_ok=True)
    xml = folder / f"{name}.xml"
    ov.save_model(ov.convert_model(onnx_path), xml, compress_to_fp16=compress_to_fp16)
    return xml


def light_zoo_model(name: str = "light_resnet50") -> Path:
    """A real-architecture ONNX model shipped in the onnx wheel (fake weights, real graph)."""
    return ONNX_LIGHT / f"{name}.onnx"


def two_input_tensors(path: Path, rows: int = 6) -> Path:
    """A .npz dataset for `make_two_input_onnx` (one array per input name), seeded."""
    rng = np.random.default_rng(0)
    np.savez(path, image=rng.normal(size=(rows, 3, 16, 16)).astype(np.float32),
             mask=rng.uniform(size=(rows, 1, 16, 16)).astype(np.float32))
    return path
