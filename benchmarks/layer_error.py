"""INT8 analysis, measured: the layer-error time on ResNet-50, and a classifier that plain INT8 breaks.

1. Time and memory of the layer-error analysis, 10 samples (and 40, to show memory does not grow), on light ResNet-50 (the onnx wheel's
   real ResNet-50 graph; its weights are constants, so they are re-drawn He-normal with a fixed
   seed to give realistic activations) against its INT8 made by NNCF on real photos. The
   analysis runs as the product runs it: `python -m core layer-error ... --json` (a job child
   process), which reports its own wall time and the job process's peak RSS.
2. The outlier case, built honestly on the real document-orientation classifier: channel k of one
   activation is multiplied by OUTLIER and the next convolution's input weights of channel k
   divided by it. In float the function is unchanged; per-tensor INT8 of that activation now
   spends its 256 levels on channel k and rounds the others to zero. Then: plain INT8 job,
   layer-error job, re-quantize with the suggested layers in float, accuracy (top-1 on rotated
   real photos, held out from calibration) and FPS (benchmark job, 5 s, CPU throughput hint).

    .venv/bin/python benchmarks/layer_error.py [--part timing|outlier|both] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

OUTLIER = 1000.0


def he_resnet50(folder: Path) -> Path:
    """light ResNet-50 with its ConstantOfShape weights replaced by seeded He-normal weights (FP32 IR)."""
    import openvino as ov
    import openvino.opset13 as ops
    from models_onnx import light_zoo_model

    model = ov.convert_model(str(light_zoo_model("light_resnet50")))
    rng = np.random.default_rng(0)
    for op in model.get_ordered_ops():
        if op.get_type_name() in ("Convolution", "MatMul"):
            weight = op.input(1).get_source_output().get_node()
            if weight.get_type_name() != "Constant":
                continue
            shape = list(weight.get_output_shape(0))
            fan_in = int(np.prod(shape[1:])) if op.get_type_name() == "Convolution" else shape[-1]
            data = rng.normal(0, np.sqrt(2.0 / fan_in), shape).astype(np.float32)
            op.input(1).replace_source_output(ops.constant(data).output(0))
    xml = folder / "resnet50.xml"
    ov.save_model(model, str(xml), compress_to_fp16=False)
    return xml


def write_photos(folder: Path) -> Path:
    from benchmarks.quantize import write_images

    write_images(folder)
    return folder


def cli(*args: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "core", *args, "--json"], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"python -m core {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def timing(work: Path, env: dict[str, str]) -> dict:
    import nncf
    import openvino as ov

    from core.datasets.feeding import read_image
    from core.datasets.preprocessing import spec_from_model, preprocess_image

    xml = he_resnet50(work)
    photos = write_photos(work / "photos")
    model = ov.Core().read_model(str(xml))
    spec = spec_from_model(model)
    files = sorted(photos.glob("*.jpg"))[:32]
    data = [preprocess_image(read_image(p), spec) for p in files]
    started = time.perf_counter()
    quantized = nncf.quantize(model, nncf.Dataset(data), subset_size=len(data))
    quantize_s = time.perf_counter() - started
    int8 = work / "int8" / "resnet50.xml"
    int8.parent.mkdir()
    ov.save_model(quantized, str(int8))
    load = os.getloadavg()
    runs = []
    for samples in (10, 10, 40):  # the same memory for 40 samples as for 10: activations are reduced per sample
        t0 = time.perf_counter()
        result = cli("layer-error", str(xml), str(int8), "--data", str(photos), "--samples", str(samples), env=env)
        runs.append({"samples": samples, "wall_s": time.perf_counter() - t0, "analysis_s": result["seconds"],
                     "peak_rss_mb": result["peak_rss_mb"], "layers": result["layers_compared"]})
    return {"model": "light_resnet50 (He-normal weights)", "nncf_quantize_s": quantize_s, "runs": runs,
            "load_average_before": load, "top_jumps": result["ranking"][:3]}


def outlier_orientation(folder: Path) -> tuple[Path, str]:
    """The orientation classifier with one outlier channel feeding a pointwise convolution."""
    import openvino as ov
    import openvino.opset13 as ops
    from orientation_data import orientation_ir

    model = ov.Core().read_model(str(orientation_ir(folder / "src")))
    convs = [op for op in model.get_ordered_ops() if op.get_type_name() == "Convolution"
             and list(op.input(1).get_source_output().get_node().get_output_shape(0))[2:] == [1, 1]]
    conv = convs[len(convs) // 2]
    source = conv.input(0).get_source_output()
    channels = int(source.get_partial_shape()[1].get_length())
    scale = np.ones((1, channels, 1, 1), np.float32)
    scale[0, 0] = OUTLIER
    multiply = ops.multiply(source, ops.constant(scale))
    multiply.set_friendly_name("outlier_channel")
    conv.input(0).replace_source_output(multiply.output(0))
    weights = conv.input(1).get_source_output().get_node().get_data().copy()
    weights[:, 0] /= OUTLIER
    conv.input(1).replace_source_output(ops.constant(weights).output(0))
    xml = folder / "orientation_outlier.xml"
    ov.save_model(model, str(xml), compress_to_fp16=False)
    return xml, conv.get_friendly_name()


def stored_precision(result_id: int) -> str | None:
    """The compute precision the benchmark ran in (read back from the device, stored with the result)."""
    from core.store import Result, session_scope

    with session_scope() as s:
        row = s.get(Result, result_id)
        return (row.metrics or {}).get("inference_precision") if row is not None else None


def outlier(work: Path, env: dict[str, str]) -> dict:
    import shutil

    from orientation_data import CLASSES, ORIENTATION_HINTS, write_rotated_dataset
    from benchmarks.quantize import write_images

    xml, conv_name = outlier_orientation(work / "model")
    # labelled rotated photos: crops x rotations of the scikit-image/scikit-learn photos
    flat = work / "flat"
    write_images(flat)
    labelled = work / "rotated"
    for label in CLASSES:
        (labelled / label).mkdir(parents=True)
    for path in sorted(flat.glob("*.jpg")):
        shutil.copyfile(path, labelled / path.stem.rsplit("_", 1)[1] / path.name)
    (labelled / "labels.txt").write_text("\n".join(CLASSES) + "\n")
    from core.datasets import import_dataset
    from core.store import init_db
    from core.variants import create_model, register_variant

    init_db()
    dataset = import_dataset(labelled, "rotated photos")
    model_id = create_model("Document orientation + outlier channel", "onnx", task="classification", labels=CLASSES,
                            info={"preprocessing": ORIENTATION_HINTS})
    fp32 = register_variant(model_id, xml, "FP32", "edited", name="FP32 with outlier channel")
    from core.jobs import run_job_inline

    def job(kind: str, entrypoint: str, params: dict) -> dict:
        done = run_job_inline(kind, entrypoint, params, variant_id=params.get("variant_id"))
        if done.state != "done":
            raise SystemExit(f"{kind} failed: {done.error}")
        return done.result or {}

    plain = job("quantize", "core.quantize.jobs:quantize_job",
                {"variant_id": fp32, "dataset_id": dataset, "options": {"subset_size": 32}})
    t0 = time.perf_counter()
    analysis = cli("layer-error", str(fp32), str(plain["variant_id"]), "--data", str(dataset), "--samples", "10", env=env)
    analysis_s = time.perf_counter() - t0
    suggested = analysis["suggested_ignored_names"][:1]
    fixed = cli("requantize", str(fp32), "--previous", str(plain["variant_id"]), "--ignore", *suggested, env=env)
    from core.variants import get_variant

    rows = []
    for variant_id, label in ((fp32, "FP32"), (plain["variant_id"], "plain INT8"), (fixed["variant_id"], "INT8, suggested layer in float")):
        bench = job("benchmark", "core.benchmark.jobs:benchmark_job",
                    {"variant_id": variant_id, "device": "CPU", "hint": "throughput", "duration_s": 5.0})
        accuracy = get_variant(variant_id).accuracy or {}
        rows.append({"variant": label, "id": variant_id,
                     "top1": accuracy.get("value") if variant_id != fp32 else None,
                     "fp32_top1": accuracy.get("reference_value"),
                     "samples": accuracy.get("samples"), "fps": bench["throughput_fps"],
                     "inference_precision": stored_precision(bench["id"])})
    rows[0]["top1"] = rows[1]["fp32_top1"]
    return {"outlier_conv": conv_name, "suggested": suggested, "ranking": analysis["ranking"][:3],
            "analysis_s": analysis_s, "analysis_peak_rss_mb": analysis["peak_rss_mb"], "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["timing", "outlier", "both"], default="both")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ovwb-layer-error-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, OVWB_WORKSPACE=str(work / "workspace"), OVWB_NO_SAMPLE="1", PYTHONPATH=str(ROOT))
        os.environ.update(OVWB_WORKSPACE=env["OVWB_WORKSPACE"], OVWB_NO_SAMPLE="1")
        os.environ.pop("OVWB_DATABASE_URL", None)
        figures: dict = {"cpu_count": os.cpu_count()}
        if args.part in ("timing", "both"):
            (work / "timing").mkdir()
            figures["timing"] = timing(work / "timing", env)
            print(json.dumps(figures["timing"], indent=2), flush=True)
        if args.part in ("outlier", "both"):
            (work / "outlier").mkdir()
            figures["outlier"] = outlier(work / "outlier", env)
            print(json.dumps(figures["outlier"], indent=2), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
