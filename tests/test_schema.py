"""Every command's --json output, run for real on small models, matches its published schema
(`python -m core schema CMD`); every command has one; usage errors are JSON too."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from core.cli import build_parser
from core.schema import SCHEMA_VERSION, command_names, schema_for
from core.schema.commands import DEFINITIONS
from core.store.models import JobState
from schema_run import Runner, run_every_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """Every command once, in one fresh workspace (~30 s: the jobs run in child processes)."""
    folder = tmp_path_factory.mktemp("schema-run")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OVWB_WORKSPACE", str(folder / "workspace"))
        patch.setenv("OVWB_NO_SAMPLE", "1")
        patch.delenv("OVWB_DATABASE_URL", raising=False)
        patch.delenv("OVWB_DASK_SCHEDULER", raising=False)
        from core.store import init_db

        init_db()
        yield run_every_command(folder)


def registered_commands() -> set[str]:
    """Command paths of every parser that runs a handler ("storage delete", "dataset list", ...)."""
    found: set[str] = set()

    def walk(parser: argparse.ArgumentParser) -> None:
        path = parser.get_default("command_path")
        if path and parser.get_default("handler"):
            found.add(path)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    walk(child)

    walk(build_parser())
    return found


def success_validator(command: str) -> Draft202012Validator:
    """The command's schema without its error branch: a success must not pass as an error."""
    schema = schema_for(command)
    return Draft202012Validator({"$defs": schema["$defs"], **schema["anyOf"][0]})


def test_every_registered_command_has_a_schema_and_the_schemas_are_valid() -> None:
    assert registered_commands() == set(command_names())
    for command in command_names():
        Draft202012Validator.check_schema(schema_for(command))
    assert DEFINITIONS["job"]["properties"]["state"]["enum"] == [state.value for state in JobState]


@pytest.mark.parametrize("command", command_names())
def test_real_output_matches_the_schema(documents: Runner, command: str) -> None:
    runs = documents.documents.get(command)
    assert runs, f"{command} was not run by tests/schema_run.py"
    validator, whole = success_validator(command), Draft202012Validator(schema_for(command))
    for document in runs:
        assert list(document)[0] == "schema_version" and document["schema_version"] == SCHEMA_VERSION
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])
        whole.validate(document)


def test_error_documents_match_every_schema(documents: Runner) -> None:
    errors = documents.documents["error"]
    assert errors and all(set(e) >= {"schema_version", "error", "hint"} for e in errors)
    for command in command_names():
        validator = Draft202012Validator({"$defs": DEFINITIONS, "$ref": "#/$defs/error"})
        whole = Draft202012Validator(schema_for(command))
        for error in errors:
            validator.validate(error)
            whole.validate(error)


def test_one_measurement_shape(documents: Runner) -> None:
    docs = documents.documents
    benchmark = docs["benchmark"][0]
    by_id = next(d for d in docs["results"] if "id" in d)
    assert by_id["id"] == benchmark["id"]
    assert by_id.keys() == benchmark.keys() and by_id["metrics"] == benchmark["metrics"]
    assert by_id["config"] == benchmark["config"]
    for run in ("profile", "sweep"):
        assert docs[run][0].keys() == benchmark.keys() and docs[run][0]["kind"] == run
    listed = next(d for d in docs["results"] if "items" in d)["items"]
    assert {item["kind"] for item in listed} == {"benchmark", "profile", "sweep"}
    for item in listed:
        assert set(item) == set(benchmark) - {"metrics", "machine", "schema_version"}
        assert item["config"] == next((d["config"] for run in ("benchmark", "profile", "sweep") for d in docs[run]
                                       if d["id"] == item["id"]), item["config"])


def test_no_infinity_anywhere(documents: Runner) -> None:
    """Documents parsed strictly (Runner rejects Infinity/NaN); no figure is the string "inf"."""
    text = json.dumps(documents.documents)
    assert '"inf"' not in text and '"-inf"' not in text
    identical = documents.documents["accuracy"][1]["report"]["agreement"]["outputs"]["probs"]
    assert identical["psnr_db"] is None and identical["identical"] is True
    different = documents.documents["accuracy"][0]["report"]["agreement"]["outputs"]["probs"]
    assert different["psnr_db"] > 0 and different["identical"] is False


def test_schema_command_lists_every_command(documents: Runner) -> None:
    listed = documents.documents["schema"][0]
    assert [c["command"] for c in listed["commands"]] == command_names()
    published = documents.documents["schema"][1]
    assert published["title"] == "python -m core benchmark --json" and "measurement" in published["$defs"]


def cli(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), OVWB_NO_SAMPLE="1", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)


def test_usage_errors_are_json_with_exit_2_when_json_is_on_the_line(workspace: Path) -> None:
    error_schema = Draft202012Validator({"$defs": DEFINITIONS, "$ref": "#/$defs/error"})
    for line in (["results", "--id", "seven", "--json"], ["results", "--json", "--id", "seven"]):
        done = cli(*line, workspace=workspace)
        assert done.returncode == 2
        document = json.loads(done.stdout.splitlines()[0])  # one line
        error_schema.validate(document)
        assert "invalid int value: 'seven'" in document["error"] and document["usage"].startswith("usage: python -m core results")
        assert "python -m core results --help" in document["hint"]
        assert "invalid int value" in done.stderr  # the message for a person, as argparse prints it
    missing = cli("--json", workspace=workspace)  # no command at all: the top-level usage
    assert missing.returncode == 2 and json.loads(missing.stdout)["usage"].startswith("usage: python -m core")
    plain = cli("results", "--id", "seven", workspace=workspace)  # without --json: argparse as before
    assert plain.returncode == 2 and plain.stdout == "" and "invalid int value" in plain.stderr


def test_the_schemas_reject_the_old_shapes(documents: Runner) -> None:
    """The schemas bite: a bare list, a flat measurement, PSNR as "inf", a missing version all fail."""
    import copy

    docs = documents.documents
    assert not success_validator("jobs").is_valid(docs["jobs"][0]["items"])  # a bare array
    flat = {k: v for k, v in docs["benchmark"][0].items() if k != "metrics"}
    flat.update(docs["benchmark"][0]["metrics"])  # the old benchmark --json: metrics at the top
    assert not success_validator("benchmark").is_valid(flat)
    wrong = copy.deepcopy(docs["benchmark"][0])
    wrong["metrics"]["throughput_fps"] = "fast"
    assert not success_validator("benchmark").is_valid(wrong)
    old = copy.deepcopy(docs["accuracy"][1])
    old["report"]["agreement"]["outputs"]["probs"]["psnr_db"] = "inf"
    assert not success_validator("accuracy").is_valid(old)
    unversioned = {k: v for k, v in docs["info"][0].items() if k != "schema_version"}
    assert not Draft202012Validator(schema_for("info")).is_valid(unversioned)
    assert not Draft202012Validator(schema_for("results")).is_valid(docs["sweep"][0] | {"kind": "quantize"})


def test_stdout_is_only_the_document_in_a_real_process(tmp_path: Path, workspace: Path) -> None:
    """NNCF logs INFO lines through its own stdout handler; with --json they go to stderr."""
    from analysis_models import conv_chain_ir
    from orientation_data import write_flat_photos

    xml, photos = conv_chain_ir(tmp_path / "chain"), write_flat_photos(tmp_path / "photos", count=6)
    done = cli("quantize", str(xml), "-o", str(tmp_path / "int8"), "--data", str(photos), "--subset-size", "4",
               "--ignored-types", "MatMul", "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr[-2000:]
    success_validator("quantize").validate(json.loads(done.stdout))
    assert "INFO:nncf" in done.stderr


def test_layer_error_rows_stored_with_inf_strings_read_as_null() -> None:
    from core.analysis.results import legacy_finite

    old = {"name": "relu1", "relative_error": 0.0, "input_error": 0.0, "snr_db": "inf", "jump": 0.0}
    assert legacy_finite(old) == {**old, "snr_db": None, "identical": True}
    zero = {"name": "x", "relative_error": "inf", "input_error": 0.0, "snr_db": "-inf", "jump": 0.0}
    assert legacy_finite(zero) == {**zero, "relative_error": None, "snr_db": None, "identical": False}
    today = {"name": "y", "relative_error": 0.1, "snr_db": 20.0, "identical": False}
    assert legacy_finite(today) is today
