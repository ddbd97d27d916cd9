"""One shape (issue 11): a feature's page and CLI offer the options its request declares, with the
same name, default and help — because both are built from that one declaration.

Each entry: (request type, CLI command words, the CLI's own context flags by destination, page
file, the page's form key or None when the request has no form there). The lead merges the
entries of every helper here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from core.accuracy.requests import AccuracyRequest
from core.benchmark.requests import BenchmarkRequest, ProfileRequest, SweepRequest
from core.cli import build_parser
from core.requests import Request

# Flags every command has, and what each command adds as context (the model, a dataset path ...).
COMMON = {"help", "json", "verbose"}
MEASURE_CONTEXT = {"model", "model_flag"}
PREPROCESSING = {"mean_values", "scale_values", "reverse_channels", "color", "layout", "resize", "input_size"}

ENTRIES: list[tuple[type[Request], tuple[str, ...], set[str], str | None, str | None]] = [
    (BenchmarkRequest, ("benchmark",), MEASURE_CONTEXT, "pages/benchmark.py", "bench-form"),
    (ProfileRequest, ("profile",), MEASURE_CONTEXT | {"perf_counts_flag"}, "pages/benchmark.py", "profile-form"),
    (SweepRequest, ("sweep",), MEASURE_CONTEXT, "pages/benchmark.py", "sweep-form"),
    # The accuracy form lives on the Optimize page (its helper adds that entry): CLI only here.
    (AccuracyRequest, ("accuracy",), {"model", "data", "reference", "labels", "annotations"} | PREPROCESSING,
     None, None),
]
IDS = [entry[0].__name__ for entry in ENTRIES]


def _command(words: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in words:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


@pytest.mark.parametrize(("request_type", "words", "context", "page", "form"), ENTRIES, ids=IDS)
def test_cli_has_exactly_the_request_options(request_type: type[Request], words: tuple[str, ...], context: set[str],
                                             page: str | None, form: str | None) -> None:
    parser = _command(words)
    options = {opt.name: opt for opt in request_type.options() if opt.info.cli}
    # every destination the command fills is a declared option or the command's own context
    # (benchmark_app's extra spellings share the destination of the declared flag)
    destinations = {action.dest for action in parser._actions}
    assert destinations - COMMON - context == set(options)
    for name, opt in options.items():
        flagged = [a for a in parser._actions if opt.flag in a.option_strings]
        assert len(flagged) == 1, (name, opt.flag)
        action = flagged[0]
        assert action.dest == name
        assert action.default == opt.default, name
        assert action.help is not None and action.help.startswith(opt.info.help), name
        if opt.choices is not None and action.choices is not None:
            assert set(opt.choices) <= set(action.choices), name


def _widgets(at: Any) -> dict[str, Any]:
    found = {}
    for kind in ("selectbox", "number_input", "text_input", "checkbox", "radio", "multiselect", "slider", "toggle"):
        for widget in getattr(at, kind, []):
            if widget.key:
                found[widget.key] = widget
    return found


PAGE_ENTRIES = [entry for entry in ENTRIES if entry[3] is not None]


@pytest.mark.parametrize(("request_type", "words", "context", "page", "form"), PAGE_ENTRIES,
                         ids=[entry[0].__name__ for entry in PAGE_ENTRIES])
def test_page_shows_each_option_with_its_label_and_help(workspace: Path, request_type: type[Request],
                                                        words: tuple[str, ...], context: set[str], page: str,
                                                        form: str) -> None:
    from tests.conftest import open_page

    at = open_page(page)
    assert not at.exception, at.exception
    widgets = _widgets(at)
    for opt in request_type.options():
        if not opt.info.page:
            continue
        widget = widgets.get(f"{form}_{opt.name}")
        assert widget is not None, (opt.name, sorted(k for k in widgets if k.startswith(form)))
        assert widget.label == opt.info.label, opt.name
        assert widget.help == opt.info.help, opt.name
