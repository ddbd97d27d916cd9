"""The exact CLI commands that reproduce each number of a comparison.

A colleague who receives the report should be able to re-measure any row: each benchmark
row gets the `python -m core benchmark ...` line with every setting it was run with (by
variant id in this workspace, and by IR file anywhere), and each accuracy figure the
`python -m core accuracy ...` line when the dataset is known.
"""

from __future__ import annotations

import shlex
from typing import Any

from core.compare.accuracy import AccuracyFigure

PREFIX = "python -m core"


def _setting_flags(config: dict[str, Any]) -> list[str]:
    """Flags of the settings shared by `benchmark` and `profile` (core/benchmark/cli.py)."""
    flags = ["-d", str(config.get("device") or "CPU"), "--hint", str(config.get("hint") or "throughput")]
    for key, flag in (("nstreams", "--nstreams"), ("nireq", "--nireq"), ("batch", "-b"), ("nthreads", "--nthreads"),
                      ("infer_precision", "--infer-precision")):
        if config.get(key) not in (None, ""):
            flags += [flag, str(config[key])]
    if config.get("cache"):
        flags.append("--cache")
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


def reproduce_benchmark(variant_id: int | None, config: dict[str, Any], xml_path: str | None) -> dict[str, str]:
    return {where: benchmark_command(config, model) for where, model in model_arguments(variant_id, config, xml_path).items()}


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
