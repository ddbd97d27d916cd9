"""Every command run once with --json on small real models in one workspace: the documents the
schema tests validate (tests/test_schema.py).

In-process `core.cli.main` (each job still runs in its own child process, as from the CLI), so
a module pays OpenVINO's import once. Returns {command path: [document, ...]}.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

from analysis_models import conv_chain_ir
from orientation_data import write_flat_photos

from core.cli import main


def _reject(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON (json.dumps wrote it): use null and a flag")


class Runner:
    def __init__(self) -> None:
        self.documents: dict[str, list[dict[str, Any]]] = {}
        self.codes: dict[str, list[int]] = {}

    def __call__(self, command: str, *args: str, expect: int = 0) -> dict[str, Any]:
        """Run `python -m core COMMAND ARGS --json`; keep its document under the command path."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([*command.split(), *args, "--json"])
        assert code == expect, (command, args, code, out.getvalue()[-2000:])
        assert out.getvalue().count("\n") == 1 or expect == 0, "an error document is one line"
        document = json.loads(out.getvalue(), parse_constant=_reject)
        self.documents.setdefault(command if expect == 0 else "error", []).append(document)
        return document


def run_every_command(folder: Path) -> Runner:
    run = Runner()
    parent = conv_chain_ir(folder / "parent")
    damaged = conv_chain_ir(folder / "damaged", damaged="conv3")
    photos = write_flat_photos(folder / "photos", count=6)
    onnx_copy = folder / "chain.onnx"
    shutil.copyfile(parent.with_suffix(".onnx"), onnx_copy)

    run("info")
    run("sample")
    imported = run("import", str(onnx_copy), "--name", "imported chain")
    converted = run("convert", "--model-id", str(imported["model_id"]))
    variant = str(converted["variant_id"])
    run("models")
    run("card", str(parent))
    dataset = str(run("dataset import", str(photos), "--name", "photos")["id"])
    run("dataset list")

    bench = run("benchmark", variant, "-n", "16", "--infer-precision", "f32")
    other = run("benchmark", variant, "-n", "16", "--infer-precision", "f32", "--hint", "latency")
    profile = run("profile", variant, "--iterations", "4", "--repeats", "1", "--infer-precision", "f32")
    run("sweep", variant, "-b", "1", "--nstreams", "1", "--nireq", "1,2", "-t", "0.3", "--infer-precision", "f32")
    run("results")
    run("results", "--id", str(bench["id"]))
    run("compare", str(bench["id"]), str(other["id"]))
    run("graph", str(parent), "--profile", str(profile["id"]))
    saved = folder / "profile.json"  # `profile --json` output is what `graph --profile-json` reads
    saved.write_text(json.dumps(profile))
    coloured = run("graph", str(parent), "--profile-json", str(saved))
    assert coloured["colour_by"] == "Time per layer (ms)", coloured["colour_by"]
    run("graph", str(parent), "--diff", str(damaged))

    run("accuracy", str(damaged), "--data", dataset, "--reference", str(parent), "--limit", "5")
    run("accuracy", str(parent), "--data", dataset, "--reference", str(parent), "--limit", "5")  # identical: no infinity
    run("outputs", str(parent), str(damaged), "--data", dataset, "--limit", "2")
    run("layer-error", str(parent), str(damaged), "--data", dataset, "--samples", "2")
    run("layer-error", str(parent), str(parent), "--data", dataset, "--samples", "1", expect=2)  # same model: an error
    run("quantize", str(parent), "-o", str(folder / "int8"), "--data", dataset, "--subset-size", "4",
        "--preset", "performance")
    run("requantize", variant, "--data", dataset, "--subset-size", "4", "--ignore-types", "MatMul")
    run("compress", str(parent), "-o", str(folder / "fp16"), "--mode", "fp16")

    jobs = run("jobs")
    run("job", str(jobs["items"][0]["id"]))
    run("cancel", str(jobs["items"][0]["id"]))
    run("storage")
    run("storage sweep")
    run("storage delete", "result", str(other["id"]))

    run("cluster certs", "--dir", str(folder / "certs"))
    run("cluster")
    run("cluster status")
    run("target")
    run("target list")
    run("target forget", "never-joined")
    run("target join", "tls://127.0.0.1:8786", "--name", "schema-check", "--certs", str(folder / "certs" / "target"),
        "--dir", str(folder / "target"), "--check")
    run("target join", "tcp://192.0.2.10:8786", "--name", "x", "--dir", str(folder / "target"), expect=2)

    run("schema")
    run("schema", "benchmark")
    run("job", "999999", expect=2)  # a UserError document
    return run
