"""A torchvision-style ImageNet classifier built with onnx.helper (torch is not installed here).

Same shape of problem as a torchvision ResNet: input `input` [N,3,224,224] expecting RGB
normalised with the ImageNet mean/std, a stride-2 stem, residual stages (3x3 convs, ReLU, skip
additions, stride-2 downsampling), global average pooling and a 1000-way linear layer giving
logits. Weights use He initialisation with a fixed seed, so activations keep a realistic scale
through the depth and logits span a few units — enough for bf16 rounding to show (~1e-2) and for
a wrong mean or channel order to be unmistakable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

IMAGENET_MEAN = [123.675, 116.28, 103.53]
IMAGENET_SCALE = [58.395, 57.12, 57.375]


def imagenet_classifier_model(blocks_per_stage: int = 2, widths: tuple[int, ...] = (32, 64, 128, 256), classes: int = 1000) -> onnx.ModelProto:
    rng = np.random.default_rng(7)
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def conv(x: str, cin: int, cout: int, stride: int, name: str, gain: float = 1.0, relu: bool = True) -> str:
        weight = rng.normal(0, gain * np.sqrt(2.0 / (cin * 9)), size=(cout, cin, 3, 3)).astype(np.float32)
        inits.append(numpy_helper.from_array(weight, f"{name}.weight"))
        inits.append(numpy_helper.from_array(rng.normal(0, 0.05, size=cout).astype(np.float32), f"{name}.bias"))
        nodes.append(helper.make_node("Conv", [x, f"{name}.weight", f"{name}.bias"], [f"{name}.out"], pads=[1, 1, 1, 1], strides=[stride, stride], name=name))
        if not relu:
            return f"{name}.out"
        nodes.append(helper.make_node("Relu", [f"{name}.out"], [f"{name}.relu"], name=f"{name}.relu"))
        return f"{name}.relu"

    x = conv("input", 3, widths[0], 2, "stem")
    channels = widths[0]
    for stage, width in enumerate(widths):
        for block in range(blocks_per_stage):
            name = f"layer{stage + 1}.{block}"
            stride = 2 if block == 0 else 1
            if block == 0:  # downsample (and widen) without a skip, like a transition
                x = conv(x, channels, width, stride, f"{name}.down")
                channels = width
            y = conv(x, channels, channels, 1, f"{name}.conv1")
            y = conv(y, channels, channels, 1, f"{name}.conv2", gain=0.5, relu=False)
            nodes.append(helper.make_node("Add", [x, y], [f"{name}.add"], name=f"{name}.add"))
            nodes.append(helper.make_node("Relu", [f"{name}.add"], [f"{name}.out"], name=f"{name}.out"))
            x = f"{name}.out"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pool"], name="avgpool"))
    nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], name="flatten"))
    fc = rng.normal(0, np.sqrt(1.0 / channels), size=(classes, channels)).astype(np.float32)
    inits += [numpy_helper.from_array(fc, "fc.weight"), numpy_helper.from_array(np.zeros(classes, np.float32), "fc.bias")]
    nodes.append(helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], transB=1, name="fc"))
    graph = helper.make_graph(
        nodes,
        "imagenet_classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="ovwb-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def make_imagenet_classifier_onnx(folder: Path, name: str = "imagenet_classifier") -> Path:
    """Write the classifier to `folder/<name>.onnx` (about 5 MB) and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.onnx"
    onnx.save_model(imagenet_classifier_model(), path)
    return path
