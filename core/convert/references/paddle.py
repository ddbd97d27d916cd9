"""Paddle Inference as the reference for Paddle sources (.pdmodel + .pdiparams).

Run in the child process. IR optimisation passes are off so the reference is the program as
saved (the one OpenVINO's frontend read), computed in f32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run(module: str, model_path: Path, feed: dict[str, Any], output_names: list[str]) -> tuple[dict[str, Any], str]:
    import paddle
    from paddle import inference

    config = inference.Config(str(model_path), str(model_path.with_suffix(".pdiparams")))
    config.disable_gpu()
    config.disable_glog_info()
    config.switch_ir_optim(False)
    predictor = inference.create_predictor(config)
    names = predictor.get_input_names()
    if set(names) != set(feed):
        raise ValueError(f"inputs differ: the IR feeds {sorted(feed)}, the Paddle model takes {sorted(names)}")
    for name, value in feed.items():
        handle = predictor.get_input_handle(name)
        handle.reshape(list(value.shape))
        handle.copy_from_cpu(value)
    predictor.run()
    available = set(predictor.get_output_names())
    outputs = {name: predictor.get_output_handle(name).copy_to_cpu() for name in output_names if name in available}
    return outputs, f"Paddle Inference {paddle.__version__}"
