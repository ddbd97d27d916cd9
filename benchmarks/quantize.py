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

    .venv/bin/python benchmarks/quantize.py [--subset-size 100] [--order bare-first|workbench-first] [--json out.json]

The machine is shared (2 cores): the load average is printed next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
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
    parser.add_argument("--order", choices=["bare-first", "workbench-first"], default="bare-first")
    parser.add_argument("--with-accuracy", action="store_true", help="also time the job with its accuracy measurement")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ovwb-bench-quantize-"))
    os.environ["OVWB_WORKSPACE"] = str(workdir / "workspace")
    os.environ["OVWB_NO_SAMPLE"] = "1"
    import openvino as ov
    from models_onnx import light_zoo_model

    from core.config import disable_telemetry
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

    load_before = os.getloadavg()
    figures: dict = {"model": "light_resnet50 (ResNet-50 graph)", "images": count, "subset_size": args.subset_size}
    if args.order == "bare-first":
        figures["bare_s"] = bare_quantize(xml, workdir / "bare.xml", image_paths, spec, args.subset_size)
        figures["workbench_s"], result = workbench()
    else:
        figures["workbench_s"], result = workbench()
        figures["bare_s"] = bare_quantize(xml, workdir / "bare.xml", image_paths, spec, args.subset_size)
    figures["ratio"] = figures["workbench_s"] / figures["bare_s"]
    figures["workbench_job_internal_s"] = result["seconds"]
    if args.with_accuracy:
        figures["workbench_with_accuracy_s"], _ = workbench(measure_accuracy=True)
    figures["load_before"] = [round(x, 2) for x in load_before]
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    figures["cpu_count"] = os.cpu_count()
    print(f"model {figures['model']}, {count} images, subset {args.subset_size}, order {args.order}")
    print(f"bare nncf.quantize (+read/save):  {figures['bare_s']:8.2f} s")
    print(f"workbench quantize job (inline):  {figures['workbench_s']:8.2f} s  "
          f"(inside the job process: {figures['workbench_job_internal_s']:.2f} s)")
    if args.with_accuracy:
        print(f"workbench job + accuracy vs FP32: {figures['workbench_with_accuracy_s']:8.2f} s")
    verdict = "OK" if figures["ratio"] <= 1.15 else "OVER the 15 % budget"
    print(f"ratio workbench / bare: {figures['ratio']:.3f}  ({(figures['ratio'] - 1) * 100:+.1f} %) -> {verdict}")
    print(f"load average before {figures['load_before']} after {figures['load_after']} on {os.cpu_count()} CPUs")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
