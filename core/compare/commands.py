"""The exact CLI commands that reproduce each number of a comparison.

A colleague who receives the report should be able to re-measure any row: each benchmark
row gets the `python -m core benchmark ...` line with every setting it was run with (by
variant id in this workspace, and by IR file anywhere), the same measurement as an
OpenVINO `benchmark_app` line (for someone without the workbench), the `ovc` line that made
the IR when its conversion options are stored, and each accuracy figure the
`python -m core accuracy ...` line when the dataset is known.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from core.compare.accuracy import AccuracyFigure
from core.variants import get_variant

PREFIX = "python -m core"
# Our hint names -> benchmark_app's -hint spellings.
BENCHMARK_APP_HINT = {"throughput": "throughput", "latency": "latency", "cumulative_throughput": "ctput", "none": "none"}


def _setting_flags(config: dict[str, Any]) -> list[str]:
    """Flags of the settings shared by `benchmark` and `profile` (core/benchmark/cli.py)."""
    flags = ["-d", str(config.get("device") or "CPU"), "--hint", str(config.get("hint") or "throughput")]
    for key, flag in (("nstreams", "--nstreams"), ("nireq", "--nireq"), ("batch", "-b"), ("nthreads", "--nthreads"),
                      ("infer_precision", "--infer-precision")):
        if config.get(key) not in (None, ""):
            flags += [flag, str(config[key])]
    if config.get("cache"):
        flags.append("--cache")
    for key, flag in (("cache_dir", "-cdir"), ("shape", "-shape"), ("data_shape", "-data_shape"), ("layout", "-layout")):
        if config.get(key) not in (None, ""):
            flags += [flag, shlex.quote(str(config[key]))]
    if config.get("pin") is not None:
        flags += ["-pin", "YES" if config["pin"] else "NO"]
    return flags


def benchmark_command(config: dict[str, Any], model: str) -> str:
    flags = _setting_flags(config)
    if config.get("iterations"):
        flags += ["-n", str(config["iterations"])]
    elif config.get("duration_s"):
        flags += ["-t", f"{float(config['duration_s']):g}"]
    flags += ["--repeats", str(config.get("repeats") or 1)]
    if config.get("api") == "sync":  # benchmark_app's latency default: one request, infer() in a loop
        flags += ["--api", "sync"]
    if config.get("input") not in (None, "", "random"):
        flags += ["--input", str(config["input"])]
    if config.get("perf_counts"):
        flags.append("-pc")
    return " ".join([PREFIX, "benchmark", shlex.quote(model), *flags, "--json"])


def profile_command(config: dict[str, Any], model: str) -> str:
    flags = _setting_flags(config)
    iterations = config.get("iterations") or config.get("profile_iterations")
    if iterations:
        flags += ["--iterations", str(iterations)]
    return " ".join([PREFIX, "profile", shlex.quote(model), *flags, "--json"])


def model_arguments(variant_id: int | None, config: dict[str, Any], xml_path: str | None) -> dict[str, str]:
    """The model as this workspace names it (variant id) and as a file (for anyone else)."""
    names = {}
    if variant_id is not None:
        names["workspace"] = str(variant_id)
    path = config.get("model_path") or xml_path
    if path:
        names["file"] = str(path)
    return names


def benchmark_app_command(config: dict[str, Any], model_file: str) -> str:
    """The same measurement as an OpenVINO benchmark_app line.

    The API is always spelled out (benchmark_app's default depends on the hint). benchmark_app
    refuses -nstreams/-nthreads/-pin unless -hint is none (its own UI rule, not OpenVINO's), so
    such a run is written with -hint none and a note: the explicit streams/threads are what the
    hint would otherwise have chosen. What benchmark_app cannot repeat is said in a trailing
    comment, never silently dropped."""
    hint = BENCHMARK_APP_HINT.get(str(config.get("hint") or "throughput"), str(config.get("hint")))
    notes = []
    fine_tuned = any(config.get(key) not in (None, "") for key in ("nstreams", "nthreads", "pin"))
    if fine_tuned and hint != "none":
        notes.append(f"ours ran with hint {config.get('hint')}; benchmark_app takes -nstreams/-nthreads/-pin only with -hint none")
        hint = "none"
    parts = ["benchmark_app", "-m", shlex.quote(model_file), "-d", shlex.quote(str(config.get("device") or "CPU")),
             "-hint", hint, "-api", str(config.get("api") or "async")]
    for key, flag in (("nstreams", "-nstreams"), ("nireq", "-nireq"), ("batch", "-b"), ("nthreads", "-nthreads"),
                      ("infer_precision", "-infer_precision"), ("shape", "-shape"), ("data_shape", "-data_shape"),
                      ("layout", "-layout"), ("cache_dir", "-cdir")):
        if config.get(key) not in (None, ""):
            parts += [flag, shlex.quote(str(config[key]))]
    if config.get("pin") is not None:
        parts += ["-pin", "YES" if config["pin"] else "NO"]
    if config.get("iterations"):
        parts += ["-niter", str(config["iterations"])]
    else:
        parts += ["-t", f"{float(config.get('duration_s') or 10):g}"]
    if config.get("perf_counts"):
        parts.append("-pc")
    if config.get("input") not in (None, "", "random"):
        notes.append(f"ours fed dataset {config['input']}; benchmark_app feeds random data here (-i FILES to give yours)")
    if (config.get("repeats") or 1) > 1:
        notes.append(f"ours is the mean of {config['repeats']} runs; run this {config['repeats']} times")
    return " ".join(parts) + (f"  # {'; '.join(notes)}" if notes else "")


def ovc_command(variant_id: int | None) -> str | None:
    """The `ovc` line that made this IR, from the conversion options stored in its lineage
    (the variant itself, or the converted IR it was made from). None when there are none."""
    if variant_id is None:
        return None
    try:
        variant = get_variant(variant_id)
        steps = 0
        while variant.method != "converted" and variant.parent_id is not None and steps < 20:
            variant, steps = get_variant(variant.parent_id), steps + 1
    except Exception:  # a deleted variant: no conversion to repeat
        return None
    options = (variant.params or {}).get("options") if variant.method == "converted" else None
    if options is None:
        return None
    try:
        from core.importer.service import source_of_model

        _model, source = source_of_model(variant.model_id)
    except Exception:
        return None
    from core.convert.options import ConvertOptions

    opts = ConvertOptions.from_params(options)
    parts = ["ovc", shlex.quote(str(source.path)), "--output_model", shlex.quote(Path(variant.xml_path).name)]
    if opts.inputs:
        parts += ["--input", shlex.quote(",".join(f"{spec.name or ''}{'[' + spec.shape + ']' if spec.shape else ''}"
                                                  for spec in opts.inputs))]
    if opts.outputs:
        parts += ["--output", shlex.quote(",".join(opts.outputs))]
    parts.append(f"--compress_to_fp16={opts.compress_to_fp16}")
    for path in opts.extensions:
        parts += ["--extension", shlex.quote(path)]
    notes = []
    if source.format == "pytorch":
        notes.append("ovc cannot read PyTorch files: use openvino.convert_model in Python with these options")
    if opts.has_preprocessing or opts.layout:
        notes.append("the workbench also embedded preprocessing (layout/mean/scale/reverse channels); ovc has no "
                     "options for it: see the variant's conversion log")
    if steps:
        notes.append("this is the converted IR the measured variant was made from")
    return " ".join(parts) + (f"  # {'; '.join(notes)}" if notes else "")


def reproduce_benchmark(variant_id: int | None, config: dict[str, Any], xml_path: str | None) -> dict[str, str]:
    """Our command (by variant id and by file), and for anyone without the workbench the
    `benchmark_app` line (by file) and the `ovc` line that made the IR, when known."""
    names = model_arguments(variant_id, config, xml_path)
    commands = {where: benchmark_command(config, model) for where, model in names.items()}
    conversion = ovc_command(variant_id)
    if conversion:
        commands["ovc"] = conversion
    if "file" in names:
        commands["benchmark_app"] = benchmark_app_command(config, names["file"])
    return commands


def reproduce_profile(variant_id: int | None, config: dict[str, Any], xml_path: str | None) -> dict[str, str]:
    return {where: profile_command(config, model) for where, model in model_arguments(variant_id, config, xml_path).items()}


def reproduce_accuracy(figure: AccuracyFigure | None, xml_path: str | None, reference_xml: str | None) -> str:
    """The accuracy command, or a sentence saying why there is none."""
    if figure is None:
        return "not measured"
    if figure.derived:
        return f"derived: {figure.source}"
    if figure.dataset_id is None or xml_path is None:
        why = "on random inputs" if "random" in figure.source else "its dataset was not recorded"
        return (f"{figure.source}; {why}, so there is no exact command; re-measure on your data with "
                f"`{PREFIX} accuracy {shlex.quote(xml_path or 'MODEL.xml')} --data DATASET"
                + (f" --reference {shlex.quote(reference_xml)}`" if reference_xml else "`"))
    parts = [PREFIX, "accuracy", shlex.quote(xml_path), "--data", str(figure.dataset_id)]
    if reference_xml:
        parts += ["--reference", shlex.quote(reference_xml)]
    if figure.samples:
        parts += ["--limit", str(figure.samples)]
    return " ".join(parts + ["--json"])
