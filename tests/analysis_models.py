"""Small real models for the INT8-analysis tests, built in code (no downloads, fixed seeds).

- a chain of convolutions whose one layer can be damaged (same names, other weights);
- an SSD-style detector: its [1,1,N,7] detections are computed from the input;
- a segmentation-shaped network: [1,C,H,W] class scores per pixel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SIZE = 32
SSD_SIZE = 64
SSD_BOXES = np.array([  # image_id, label, confidence (base), x_min, y_min, x_max, y_max
    [0, 1, 0.55, 0.10, 0.15, 0.45, 0.60],
    [0, 2, 0.50, 0.55, 0.20, 0.90, 0.85],
    [0, 3, 0.05, 0.30, 0.30, 0.70, 0.70],  # below any sensible threshold
    [-1, 0, 0.0, 0.0, 0.0, 0.0, 0.0, ],  # end of list (SSD convention)
], dtype=np.float32)


def conv_chain_ir(folder: Path, damaged: str | None = None, name: str = "chain") -> Path:
    """image[1,3,32,32] -> conv1..conv4 (3x3, ReLU) -> pool -> fc -> probs; `damaged` gets other weights."""
    import onnx
    import openvino as ov
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    channels = [3, 8, 8, 8, 8]
    inits, nodes, previous = [], [], "image"
    for i in range(1, 5):
        weights = rng.normal(0, np.sqrt(2 / (channels[i - 1] * 9)), (channels[i], channels[i - 1], 3, 3)).astype(np.float32)
        bias = rng.normal(0, 0.1, channels[i]).astype(np.float32)
        if damaged == f"conv{i}":
            weights = weights + np.random.default_rng(99).normal(0, 0.5 * weights.std(), weights.shape).astype(np.float32)
        inits += [numpy_helper.from_array(weights, f"w{i}"), numpy_helper.from_array(bias, f"b{i}")]
        nodes += [helper.make_node("Conv", [previous, f"w{i}", f"b{i}"], [f"c{i}"], pads=[1, 1, 1, 1], name=f"conv{i}"),
                  helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"relu{i}")]
        previous = f"r{i}"
    inits += [numpy_helper.from_array(rng.normal(0, 0.3, (10, 8)).astype(np.float32), "fc_w")]
    nodes += [helper.make_node("GlobalAveragePool", [previous], ["pool"], name="pool"),
              helper.make_node("Flatten", ["pool"], ["flat"], name="flatten"),
              helper.make_node("Gemm", ["flat", "fc_w"], ["logits"], transB=1, name="fc"),
              helper.make_node("Softmax", ["logits"], ["probs"], axis=1, name="softmax")]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, folder / f"{name}.onnx")
    xml = folder / f"{name}.xml"
    ov.save_model(ov.convert_model(str(folder / f"{name}.onnx")), str(xml), compress_to_fp16=False)
    return xml


def ssd_detector_ir(folder: Path, shift: float = 0.0, name: str = "ssd") -> Path:
    """image[1,3,64,64] -> detections[1,1,4,7]: confidence = base + 0.4*sigmoid(mean pixel); boxes shifted by `shift`."""
    import openvino as ov
    import openvino.opset13 as ops

    image = ops.parameter([1, 3, SSD_SIZE, SSD_SIZE], np.float32, name="image")
    mean = ops.reduce_mean(image, ops.constant(np.array([1, 2, 3], np.int64)), keep_dims=True)  # [1,1,1,1]
    gate = ops.sigmoid(mean)
    base = SSD_BOXES.copy()
    base[:3, 3:] += shift
    confidence_mask = np.zeros_like(SSD_BOXES)
    confidence_mask[:2, 2] = 0.4  # the two real boxes rise with the image's brightness
    detections = ops.add(ops.constant(base[None, None]), ops.multiply(gate, ops.constant(confidence_mask[None, None])))
    detections.get_output_tensor(0).set_names({"detections"})
    model = ov.Model([detections], [image], name)
    folder.mkdir(parents=True, exist_ok=True)
    xml = folder / f"{name}.xml"
    ov.save_model(model, str(xml), compress_to_fp16=False)
    return xml


def segmentation_ir(folder: Path, classes: int = 4, name: str = "seg") -> Path:
    """image[1,3,32,32] -> 1x1 conv -> scores[1,C,32,32] (class per pixel by colour)."""
    import openvino as ov
    import openvino.opset13 as ops

    image = ops.parameter([1, 3, SIZE, SIZE], np.float32, name="image")
    weights = np.random.default_rng(3).normal(0, 1, (classes, 3, 1, 1)).astype(np.float32)
    scores = ops.convolution(image, ops.constant(weights), [1, 1], [0, 0], [0, 0], [1, 1])
    scores.get_output_tensor(0).set_names({"scores"})
    model = ov.Model([scores], [image], name)
    folder.mkdir(parents=True, exist_ok=True)
    xml = folder / f"{name}.xml"
    ov.save_model(model, str(xml), compress_to_fp16=False)
    return xml
