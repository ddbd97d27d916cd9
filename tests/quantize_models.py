"""A model built to lose accuracy under plain INT8, for accuracy-control tests."""

from __future__ import annotations

from pathlib import Path


def outlier_classifier(folder: Path) -> tuple[Path, Path]:
    """A 3-layer MLP classifier and inputs whose feature 0 is huge (±500) but unused by the net.

    Per-tensor INT8 of the input then spends all 256 levels on ±500 and rounds every useful
    feature to zero: plain INT8 changes most answers. This is the textbook case accuracy
    control exists for (real models have such outlier channels, e.g. transformers).
    """
    import numpy as np
    import onnx
    import openvino as ov
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w1 = rng.normal(0, 0.3, (32, 32)).astype(np.float32)
    w1[0, :] = 0.0
    weights = [numpy_helper.from_array(w1, "w1"),
               numpy_helper.from_array(rng.normal(0, 0.3, (32, 32)).astype(np.float32), "w2"),
               numpy_helper.from_array(rng.normal(0, 0.3, (32, 10)).astype(np.float32), "w3")]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h1"], name="fc1"), helper.make_node("Relu", ["h1"], ["r1"]),
             helper.make_node("MatMul", ["r1", "w2"], ["h2"], name="fc2"), helper.make_node("Relu", ["h2"], ["r2"]),
             helper.make_node("MatMul", ["r2", "w3"], ["logits"], name="fc3")]
    graph = helper.make_graph(nodes, "outlier", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 32])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, folder / "outlier.onnx")
    xml = folder / "outlier.xml"
    ov.save_model(ov.convert_model(str(folder / "outlier.onnx")), str(xml), compress_to_fp16=False)
    x = rng.normal(size=(40, 32)).astype(np.float32)
    x[:, 0] = rng.choice([-500.0, 500.0], 40)
    np.savez(folder / "outlier.npz", x=x)
    return xml, folder / "outlier.npz"


def one_sided_if_model(folder: Path) -> Path:
    """An IR with an If whose condition (max(x) > 1e6) is false for any normal input: NNCF
    calibrates each branch on the samples that take it, so the "then" branch gets none."""
    import numpy as np
    import openvino as ov
    import openvino.opset13 as ops

    rng = np.random.default_rng(0)

    def branch(seed: int) -> tuple[ov.Model, object]:
        param = ops.parameter([1, 16], np.float32, name=f"body_in_{seed}")
        param.output(0).get_tensor().set_names({f"body_in_{seed}"})
        weights = ops.constant(np.random.default_rng(seed).normal(0, 0.3, (16, 8)).astype(np.float32))
        return ov.Model([ops.result(ops.relu(ops.matmul(param, weights, False, False)))], [param]), param

    x = ops.parameter([1, 16], np.float32, name="x")
    first = ops.matmul(x, ops.constant(rng.normal(0, 0.3, (16, 16)).astype(np.float32)), False, False)
    first.output(0).get_tensor().set_names({"features"})
    condition = ops.greater(ops.reduce_max(first, ops.constant(np.array([0, 1])), False), ops.constant(np.float32(1e6)))
    condition.output(0).get_tensor().set_names({"condition"})
    if_node = ops.if_op(condition.output(0))
    then_body, then_param = branch(1)
    else_body, else_param = branch(2)
    if_node.set_then_body(then_body)
    if_node.set_else_body(else_body)
    if_node.set_input(first.output(0), then_param, else_param)
    output = if_node.set_output(then_body.get_results()[0], else_body.get_results()[0])
    output.get_tensor().set_names({"y"})
    model = ov.Model([ops.result(output)], [x], "one_sided_if")
    folder.mkdir(parents=True, exist_ok=True)
    xml = folder / "one_sided_if.xml"
    ov.save_model(model, str(xml), compress_to_fp16=False)
    return xml
