"""`python -m core` as a user runs it: a real subprocess, JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_info_json_lists_versions_and_devices(workspace: Path) -> None:
    done = run_cli("info", "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["versions"]["openvino"] == metadata.version("openvino")  # what is installed, not a pinned release
    cpu = next(d for d in info["devices"] if d["device"] == "CPU")
    assert cpu["full_name"] and "FP32" in cpu["capabilities"]
    assert "RANGE_FOR_STREAMS" in cpu["properties"]
    assert {v["device"] for v in info["virtual_devices"]} >= {"AUTO", "HETERO"}


def test_sample_then_models_and_jobs(workspace: Path) -> None:
    done = run_cli("sample", "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] is True
    models = json.loads(run_cli("models", "--json", workspace=workspace).stdout)["items"]  # a list, in its envelope
    assert models[0]["task"] == "classification"
    assert models[0]["variants"][0]["precision"] == "FP32"
    assert Path(models[0]["variants"][0]["xml"]).is_file()
    assert json.loads(run_cli("jobs", "--json", workspace=workspace).stdout) == {"schema_version": "1", "items": []}


def test_unknown_job_is_a_clear_error_with_exit_2(workspace: Path) -> None:
    done = run_cli("job", "12345", "--json", workspace=workspace)
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"] == "There is no job 12345."
    assert "Traceback" not in done.stderr


def test_core_never_imports_streamlit() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "core").rglob("*.py")
        if any(
            line.strip().startswith(("import streamlit", "from streamlit"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []
