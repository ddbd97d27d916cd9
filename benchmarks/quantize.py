"""What does the workbench add to NNCF's own quantization time? Target: at most +15 % wall time.

On a ResNet-50-class model (light_resnet50 from the onnx wheel: the real ResNet-50 graph,
light weights) and the same real photos (scikit-image/scikit-learn, rotated and cropped),
time in one run:

- bare: read the IR, `nncf.quantize` over a plain nncf.Dataset that decodes and
  preprocesses each image (same OpenCV code, same samples, same subset), `ov.save_model`;
- workbench: the product path a page uses — a quantize job (`run_job_inline`: job row, child
  process, data checks, progress counted from transform_fn and written to the DB, NNCF,
  save, precision summary, variant + lineage rows). Accuracy measurement is switched off:
  it is extra work the bare call does not do (reported separately with --with-accuracy).

    .venv/bin/python benchmarks/quantize.py [--subset-size 100] [--rounds 2] [--order bare-first] [--json out.json]

Rounds alternate which side runs first; the verdict uses the median per-round ratio.

The machine is shared (2 cores): the load average is printed next to the figures, and CPU time
(this process + the job's child) is reported beside wall time because it is far less
disturbed by other tenants.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def write_images(folder: Path) -> int:
    """Rotations x crops of the photos: ~100 distinct real images."""
    import cv2
    from orientation_data import ROTATIONS, photo_paths

    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in photo_paths():
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        h, w = image.shape[:2]
        for crop_index, fraction in enumerate((1.0, 0.8, 0.6)):
            ch, cw = int(h * fraction), int(w * fraction)
            crop = image[(h - ch) // 2 : (h - ch) // 2 + ch, (w - cw) // 2 : (w - cw) // 2 + cw]
            for label, rotation in ROTATIONS.items():
                out = crop if rotation is None else cv2.rotate(crop, rotation)
                cv2.imwrite(str(folder / f"{path.stem}_{crop_index}_{label}.jpg"), out)
                count += 1
    return count


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the job's child process)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bare_quantize(xml: Path, out: Path, image_paths: list[Path], spec, subset_size: int) -> float:  # type: ignore[no-untyped-def]
    import cv2
    import nncf
    import openvino as ov

    from core.datasets.preprocessing import preprocess_image

    started = time.perf_counter()
    model = ov.Core().read_model(str(xml))

    def transform(path: Path):  # type: ignore[no-untyped-def]
        return {spec.input_name: preprocess_image(cv2.imread(str(path), cv2.IMREAD_COLOR), spec)}

    quantized = nncf.quantize(model, nncf.Dataset(image_paths, transform), subset_size=subset_size)
    ov.save_model(quantized, str(out), compress_to_fp16=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset-size", type=int, default=100)
    parser.add_argument("--order", choices=["bare-first", "workbench-first"], default="bare-first",
                        help="who goes first in round 1; later rounds alternate")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (the machine is shared: one pair is noise)")
    parser.add_argument("--with-accuracy", action="store_true", help="also time the job with its accuracy measurement")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ovwb-bench-quantize-"))
    os.environ["OVWB_WORKSPACE"] = str(workdir / "workspace")
    os.environ["OVWB_NO_SAMPLE"] = "1"
    import openvino as ov
    from models_onnx import light_zoo_model

    from core.telemetry import disable_telemetry
    from core.datasets import import_dataset, open_source, spec_from_model
    from core.jobs import run_job_inline
    from core.quantize.calibration import sample_order
    from core.store import init_db
    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    disable_telemetry()
    init_db()
    model_dir = new_artifact_dir("models")
    xml = model_dir / "resnet50.xml"
    ov.save_model(ov.convert_model(str(light_zoo_model("light_resnet50"))), str(xml), compress_to_fp16=False)
    variant_id = register_variant(create_model("ResNet-50 (light)", "onnx"), xml, "FP32", "converted")
    count = write_images(workdir / "images")
    dataset_id = import_dataset(workdir / "images", "photos")
    ov_model = ov.Core().read_model(str(xml))
    spec = spec_from_model(ov_model)
    source = open_source(dataset_id, ov_model, spec)
    # the same samples in the same order the workbench hands to NNCF
    image_paths = [source.root / source.manifest.files[i] for i in sample_order(source)]  # type: ignore[attr-defined]

    def workbench(measure_accuracy: bool = False) -> tuple[float, dict]:  # type: ignore[type-arg]
        started = time.perf_counter()
        job = run_job_inline("quantize", "core.quantize.jobs:quantize_job", {
            "variant_id": variant_id, "dataset_id": dataset_id, "options": {"subset_size": args.subset_size},
            "preprocessing": spec.to_dict(), "measure_accuracy": measure_accuracy,
        }, target="benchmark", variant_id=variant_id)
        seconds = time.perf_counter() - started
        if job.state != "done":
            raise SystemExit(f"workbench job {job.state}: {job.error}")
        return seconds, job.result

    for path in image_paths:  # warm the page cache so neither side pays for the first disk read
        path.read_bytes()
    load_before = os.getloadavg()
    figures: dict = {"model": "light_resnet50 (ResNet-50 graph)", "images": count, "subset_size": args.subset_size,
                     "rounds": []}
    for round_index in range(args.rounds):
        bare_first = (args.order == "bare-first") == (round_index % 2 == 0)  # alternate who goes first
        entry: dict = {"first": "bare" if bare_first else "workbench"}
        for side in (("bare", "workbench") if bare_first else ("workbench", "bare")):
            cpu_before = cpu_seconds()
            if side == "bare":
                entry["bare_s"] = bare_quantize(xml, workdir / "bare.xml", image_paths, spec, args.subset_size)
            else:
                entry["workbench_s"], result = workbench()
                entry["workbench_nncf_s"] = result.get("quantize_seconds")
            entry[f"{side}_cpu_s"] = cpu_seconds() - cpu_before
        entry["ratio"] = entry["workbench_s"] / entry["bare_s"]
        entry["cpu_ratio"] = entry["workbench_cpu_s"] / entry["bare_cpu_s"]
        figures["rounds"].append(entry)
        print(f"round {round_index + 1} ({entry['first']} first): wall bare {entry['bare_s']:.2f} s, workbench "
              f"{entry['workbench_s']:.2f} s (its NNCF call {entry['workbench_nncf_s']:.2f} s) -> {entry['ratio']:.3f}; "
              f"CPU bare {entry['bare_cpu_s']:.1f} s, workbench {entry['workbench_cpu_s']:.1f} s -> "
              f"{entry['cpu_ratio']:.3f}", flush=True)
    ratios = sorted(r["ratio"] for r in figures["rounds"])
    figures["ratio"] = ratios[len(ratios) // 2] if len(ratios) % 2 else sum(ratios[len(ratios) // 2 - 1 : len(ratios) // 2 + 1]) / 2
    cpu_ratios = sorted(r["cpu_ratio"] for r in figures["rounds"])
    figures["cpu_ratio"] = cpu_ratios[len(cpu_ratios) // 2]
    figures["total_bare_s"] = sum(r["bare_s"] for r in figures["rounds"])
    figures["total_workbench_s"] = sum(r["workbench_s"] for r in figures["rounds"])
    if args.with_accuracy:
        figures["workbench_with_accuracy_s"], _ = workbench(measure_accuracy=True)
    figures["load_before"] = [round(x, 2) for x in load_before]
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    figures["cpu_count"] = os.cpu_count()
    print(f"model {figures['model']}, {count} images, subset {args.subset_size}, {args.rounds} round(s)")
    print(f"total bare {figures['total_bare_s']:.2f} s, total workbench {figures['total_workbench_s']:.2f} s "
          f"-> {figures['total_workbench_s'] / figures['total_bare_s']:.3f}")
    if args.with_accuracy:
        print(f"workbench job + accuracy vs FP32: {figures['workbench_with_accuracy_s']:8.2f} s")
    verdict = "OK" if figures["ratio"] <= 1.15 else "OVER the 15 % budget"
    print(f"median ratio workbench / bare: {figures['ratio']:.3f}  ({(figures['ratio'] - 1) * 100:+.1f} %) -> {verdict}")
    print(f"CPU-time ratio (less sensitive to other tenants): {figures['cpu_ratio']:.3f}")
    print(f"load average before {figures['load_before']} after {figures['load_after']} on {os.cpu_count()} CPUs")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
