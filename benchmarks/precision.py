"""FP32 in f32, FP32 in the device default, FP16 and INT8, side by side: what each costs and gains.

On a CPU whose default compute precision is reduced (bf16 where the CPU reports BF16), "FP32"
means two different things: the FP32 IR computed in f32 (exact) and computed in the default.
This script measures, in one run, for one real classifier:

- FP32 · f32     the converted FP32 IR with INFERENCE_PRECISION_HINT=f32
- FP32 · default the same IR with the device default
- FP16 · default the FP16 IR (core.quantize.pipeline.compress_ir)
- INT8 · default the NNCF INT8 IR (core.quantize.pipeline.quantize_ir, calibrated on real images)

Model: light ResNet-50 from the onnx wheel (the real ResNet-50 graph, light weights), converted
by the workbench's import path, with real photos from scikit-image's data (rotations x crops,
as benchmarks/quantize.py makes them); or, with --sample, the workbench's sample document
orientation classifier with its labelled rotated scans.

Speed: core.benchmark.run_benchmark (benchmark_app's loop), throughput hint, the variants
alternating order each round (round 1 forward, round 2 backward ...), the median FPS per variant.
Accuracy: each variant compiled in its own compute precision over every image: top-1 agreement
with FP32 · f32, and top-1 against the labels when the dataset has them.

    .venv/bin/python benchmarks/precision.py [-t 3] [--rounds 2] [--sample] [--subset-size 64] [--json out.json]

The machine may be shared: the load average before and after is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def prepare_resnet(workdir: Path) -> dict[str, Any]:
    """Light ResNet-50 converted by the product's import path; the photos as an unlabelled dataset."""
    from models_onnx import light_zoo_model
    from quantize import write_images  # benchmarks/quantize.py: the same real images

    from core.convert.service import import_and_convert
    from core.datasets import import_dataset, spec_from_model
    from core.accuracy.evaluate import read_model
    from core.variants import get_variant, variant_xml

    converted = import_and_convert([light_zoo_model("light_resnet50")], name="ResNet-50 (light)", run_check=False)
    xml = variant_xml(get_variant(converted["variant_id"]))
    write_images(workdir / "images")
    dataset_id = import_dataset(workdir / "images", "photos (scikit-image data, rotated and cropped)")
    return {"name": "light_resnet50 (ResNet-50 graph, onnx wheel)", "xml": xml, "dataset_id": dataset_id,
            "spec": spec_from_model(read_model(xml))}


def prepare_sample() -> dict[str, Any]:
    """The first-run sample: a trained orientation classifier and its labelled rotated scans."""
    from sqlalchemy import select

    from core.datasets.preprocessing import PreprocessSpec
    from core.sample import SAMPLE_PREPROCESSING, seed_sample
    from core.store import Dataset, session_scope
    from core.variants import get_variant, variant_xml

    seeded = seed_sample()
    with session_scope() as s:
        dataset_id = s.scalars(select(Dataset.id).where(Dataset.kind == "labelled-images")).first()
    return {"name": "sample document orientation classifier", "xml": variant_xml(get_variant(seeded["variant_id"])),
            "dataset_id": dataset_id, "spec": PreprocessSpec.from_dict(SAMPLE_PREPROCESSING)}


def make_variants(base: dict[str, Any], subset_size: int) -> dict[str, Path]:
    from core.quantize.requests import QuantizeRequest
    from core.quantize.pipeline import compress_ir, quantize_ir
    from core.workspace import new_artifact_dir

    fp16 = compress_ir(base["xml"], new_artifact_dir("models") / "fp16.xml", "fp16")
    int8 = quantize_ir(base["xml"], new_artifact_dir("models") / "int8.xml", base["dataset_id"],
                       QuantizeRequest(subset_size=subset_size), spec=base["spec"], measure_accuracy=False)
    return {"FP32": Path(base["xml"]), "FP16": Path(fp16["xml"]), "INT8": Path(int8["xml"])}


def predictions(xml: Path, infer_precision: str | None, base: dict[str, Any], limit: int | None) -> dict[str, Any]:
    """Top-1 class of every image with the variant compiled in `infer_precision` (None = default)."""
    import numpy as np

    from core.accuracy.evaluate import infer_outputs, output_names, read_model
    from core.accuracy.metrics import class_scores, classifier_output_index
    from core.datasets.feeding import open_source
    from core.precision import compute_precision, runtime_precisions_of
    from core.ov_core import core_instance

    model = read_model(xml)
    config = {"INFERENCE_PRECISION_HINT": infer_precision} if infer_precision else {}
    compiled = core_instance().compile_model(model, "CPU", config)
    source = open_source(base["dataset_id"], model, base["spec"], purpose="accuracy")
    request, count = compiled.create_infer_request(), len(output_names(compiled))
    top1, labels, scores_all = [], [], []
    for index in range(len(source) if limit is None else min(limit, len(source))):
        outputs = infer_outputs(request, source.inputs(index), count)
        scores = np.asarray(class_scores(outputs[classifier_output_index(outputs) or 0]), dtype=np.float64).ravel()
        top1.append(int(np.argmax(scores)))
        labels.append(source.label(index))
        scores_all.append(scores)
    return {"top1": top1, "labels": labels, "scores": scores_all, "compute": compute_precision(compiled.get_property("INFERENCE_PRECISION_HINT")),
            "runtime_precisions": runtime_precisions_of(compiled)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-t", "--duration", type=float, default=10.0, help="seconds per benchmark run (10)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the order of the variants alternates")
    parser.add_argument("--sample", action="store_true", help="use the sample orientation classifier")
    parser.add_argument("--subset-size", type=int, default=64, help="NNCF calibration samples (64)")
    parser.add_argument("--limit", type=int, help="accuracy on at most this many images (all)")
    parser.add_argument("--hint", default="throughput", choices=["throughput", "latency"])
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ovwb-bench-precision-"))
    os.environ["OVWB_WORKSPACE"] = str(workdir / "workspace")
    os.environ["OVWB_NO_SAMPLE"] = "1"
    from core.benchmark import BenchmarkSettings, run_benchmark
    from core.telemetry import disable_telemetry
    from core.precision import compute_precision, compute_summary, device_compute, quantized_compute_seen
    from core.store import init_db

    disable_telemetry()
    init_db()
    base = prepare_sample() if args.sample else prepare_resnet(workdir)
    xmls = make_variants(base, args.subset_size)
    default = device_compute("CPU")["default"]
    runs = [("FP32 · f32", "FP32", "f32"), ("FP32 · default", "FP32", None), ("FP16 · default", "FP16", None),
            ("INT8 · default", "INT8", None)]

    load_before = os.getloadavg()
    fps: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    computed: dict[str, str | None] = {}
    for round_index in range(args.rounds):
        order = runs if round_index % 2 == 0 else list(reversed(runs))
        for name, weights, precision in order:
            settings = BenchmarkSettings(hint=args.hint, duration_s=args.duration, infer_precision=precision)
            metrics = run_benchmark(xmls[weights], settings)
            fps[name].append(metrics["throughput_fps"])
            computed[name] = compute_precision(metrics.get("inference_precision"))
            print(f"round {round_index + 1}: {name:<15} {metrics['throughput_fps']:9.1f} FPS "
                  f"(computed in {computed[name]})", file=sys.stderr)
    load_after = os.getloadavg()

    predicted = {name: predictions(xmls[weights], precision, base, args.limit) for name, weights, precision in runs}
    reference = predicted["FP32 · f32"]["top1"]
    labels = predicted["FP32 · f32"]["labels"]
    labelled = all(label is not None for label in labels)
    exact_fps = statistics.median(fps["FP32 · f32"])
    rows = []
    for name, weights, _ in runs:
        top1 = predicted[name]["top1"]
        compute = computed[name] or predicted[name]["compute"]
        int8_kernels = quantized_compute_seen(predicted[name]["runtime_precisions"])
        rows.append({
            "variant": name, "weights": weights,
            "compute": compute + (" + int8 kernels" if int8_kernels else ""),
            "fps": statistics.median(fps[name]), "fps_rounds": fps[name],
            "ratio_to_fp32_f32": statistics.median(fps[name]) / exact_fps,
            "agreement_top1": sum(a == b for a, b in zip(top1, reference)) / len(reference),
            "top1": (sum(a == b for a, b in zip(top1, labels)) / len(labels)) if labelled else None,
            "cosine": statistics.fmean(
                float(a @ b / ((a @ a) ** 0.5 * (b @ b) ** 0.5 or 1.0))
                for a, b in zip(predicted[name]["scores"], predicted["FP32 · f32"]["scores"])),
        })

    print(f"\n{base['name']}; {len(reference)} images; {args.rounds} rounds x {args.duration:g} s, {args.hint} hint; "
          f"device default compute: {default}")
    print(compute_summary("CPU"))
    print(f"FP32 · f32 predicts {len(set(reference))} distinct classes over the {len(reference)} images "
          "(agreement means little when that is 1)")
    header = ("| variant | weights | compute | FPS (median) | per round | × FP32·f32 | top-1 agreement with FP32·f32 |"
              " output cosine vs FP32·f32 |")
    header += " top-1 (labels) |" if labelled else ""
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for row in rows:
        line = (f"| {row['variant']} | {row['weights']} | {row['compute']} | {row['fps']:.1f} | "
                f"{', '.join(f'{v:.1f}' for v in row['fps_rounds'])} | {row['ratio_to_fp32_f32']:.2f}× | "
                f"{row['agreement_top1'] * 100:.1f} % | {row['cosine']:.5f} |")
        if labelled:
            line += f" {row['top1'] * 100:.1f} % |"
        print(line)
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2-core machine shared with other work)")
    if args.json:
        Path(args.json).write_text(json.dumps({"model": base["name"], "images": len(reference), "default": default,
                                               "rows": rows, "load_before": load_before, "load_after": load_after},
                                              indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
