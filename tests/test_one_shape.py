"""One declaration, two faces: for each feature request, the CLI command has a flag for every
CLI option with the request's default and help, and the page shows a widget for every page
option with the request's label and help (core/requests.py, pages/ui/forms.py).

Each case: (request type, CLI command, page, how to bring the page to show all its options,
options the CLI spells by hand for compatibility with ovc / the Model Optimizer).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.accuracy.requests import AccuracyRequest
from core.analysis.requests import LayerErrorRequest, OutputsRequest, RequantizeRequest
from core.benchmark.requests import BenchmarkRequest, ProfileRequest, SweepRequest
from core.cli import build_parser
from core.convert.requests import ConvertRequest
from core.importer.requests import ImportRequest
from core.errors import UserError
from core.quantize.requests import CompressRequest, QuantizeRequest
from core.requests import Request, add_options, from_args
from tests.conftest import open_page
from tests.models_onnx import make_tiny_cnn_ir, make_tiny_cnn_onnx
from tests.one_shape import assert_cli_offers


def _subparser(command: str) -> argparse.ArgumentParser:
    actions = build_parser()._subparsers._group_actions  # type: ignore[union-attr]
    return actions[0].choices[command]  # type: ignore[index]


def _flags(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: action for action in parser._actions for flag in action.option_strings}


def _widgets(at: Any) -> list[Any]:
    kinds = ("number_input", "selectbox", "checkbox", "multiselect", "text_input", "radio", "slider", "toggle")
    return [widget for kind in kinds for widget in getattr(at, kind)]


def _optimize_int8(at: Any) -> None:
    at.radio(key="optimize_method").set_value("int8_aa").run()
    at.selectbox(key="q_model_type").set_value("transformer").run()
    at.checkbox(key="q_sq").check().run()


def _optimize_int4(at: Any) -> None:
    at.radio(key="optimize_method").set_value("weights").run()
    at.selectbox(key="w_mode").set_value("int4").run()


def _variant(tmp_path: Path) -> None:
    from core.importer import import_paths

    xml = make_tiny_cnn_ir(tmp_path / "ir")
    import_paths([xml, xml.with_suffix(".bin")])


def _model(tmp_path: Path) -> None:
    from core.importer import import_paths

    import_paths([make_tiny_cnn_onnx(tmp_path / "onnx")])


CASES: list[tuple[type[Request], str, str, Callable[[Path], None], Callable[[Any], None], tuple[str, ...]]] = [
    (QuantizeRequest, "quantize", "pages/optimize.py", _variant, _optimize_int8, ()),
    (CompressRequest, "compress", "pages/optimize.py", _variant, _optimize_int4, ()),
    (ConvertRequest, "convert", "pages/import.py", _model, lambda at: None, ("compress_to_fp16",)),
    (ImportRequest, "import", "pages/import.py", lambda path: None, lambda at: None, ()),
]
IDS = [case[0].__name__ for case in CASES]


@pytest.mark.parametrize(("request_type", "command", "handwritten"), [(c[0], c[1], c[5]) for c in CASES], ids=IDS)
def test_cli_has_every_option_with_its_default_and_help(request_type: type[Request], command: str,
                                                        handwritten: tuple[str, ...]) -> None:
    flags = _flags(_subparser(command))
    for opt in request_type.options():
        assert opt.info.page or opt.info.cli, opt.name
        if opt.info.page:
            assert opt.info.cli, f"{opt.name}: a page option must exist on the CLI too"
        if not opt.info.cli:
            continue
        action = flags.get(opt.flag)
        assert action is not None, f"{command} has no {opt.flag}"
        assert action.dest == opt.name
        assert (action.help or "").startswith(opt.info.help), opt.name
        if opt.name not in handwritten:  # ovc's spelling: "not given" (None) means our default
            assert action.default == opt.default, opt.name
            if opt.choices is not None:
                assert list(action.choices or []) == opt.choices, opt.name


@pytest.mark.parametrize(("request_type", "page", "prepare", "show"), [(c[0], c[2], c[3], c[4]) for c in CASES], ids=IDS)
def test_page_shows_every_option_with_its_label_and_help(workspace: Path, tmp_path: Path, request_type: type[Request],
                                                         page: str, prepare: Callable[[Path], None],
                                                         show: Callable[[Any], None]) -> None:
    prepare(tmp_path)
    at = open_page(page)
    show(at)
    assert not at.exception
    widgets = _widgets(at)
    for opt in request_type.options():
        if not opt.info.page:
            continue
        found = [w for w in widgets if w.label == opt.info.label]
        assert found, f"{page} shows no widget labelled {opt.info.label!r}"
        # A page may add what it knows (e.g. what this device does with FP16), after the declared help.
        assert any((w.help or "").startswith(opt.info.help) for w in found), opt.name


def test_flags_spelled_before_the_requests_still_mean_the_same() -> None:
    from core.convert.requests import request_from_args
    from core.datasets.preprocessing import IMAGENET_MEAN_255, IMAGENET_SCALE_255
    from core.requests import from_args

    args = build_parser().parse_args(["quantize", "m.xml", "-o", "out", "--data", "random", "--ignored-types", "MatMul,Add",
                                      "--model-type", "transformer", "--no-fast-bias-correction", "--accuracy-aware",
                                      "--max-iterations", "7"])
    request = from_args(QuantizeRequest, args)
    assert request.ignored_types == ["MatMul", "Add"] and request.model_type == "transformer"
    assert not request.fast_bias_correction and request.accuracy_aware and request.max_iterations == 7
    assert QuantizeRequest().options_dict()["model_type"] == ""  # the lineage's spelling of "generic"
    assert QuantizeRequest.from_params({"model_type": ""}).model_type is None

    converted = request_from_args(build_parser().parse_args(["convert", "m.onnx", "--no-check", "--imagenet"]))
    options = converted.convert_options()
    assert not converted.run_check and not options.compress_to_fp16
    assert options.mean_values == {"": IMAGENET_MEAN_255} and options.scale_values == {"": IMAGENET_SCALE_255}
    assert request_from_args(build_parser().parse_args(["convert", "m.onnx"])).run_check


def test_a_bad_choice_fails_when_the_request_is_made() -> None:
    with pytest.raises(UserError, match="Unknown mode .int2.*fp16, int8, int8_sym"):
        CompressRequest.from_params({"mode": "int2"})
    with pytest.raises(UserError, match="max iterations"):
        QuantizeRequest(max_iterations=0).check_options()


# (request type, the CLI command words that build it)
CLI_REQUESTS: list[tuple[type[Request], tuple[str, ...]]] = [
    (OutputsRequest, ("outputs",)),
    (LayerErrorRequest, ("layer-error",)),
    (RequantizeRequest, ("requantize",)),
]
# The INT8 analysis page shows its forms only with a finished analysis: tests/test_page_int8_analysis.py
# checks them there with `assert_page_offers`.


@pytest.mark.parametrize(("request_type", "words"), CLI_REQUESTS, ids=[r.__name__ for r, _ in CLI_REQUESTS])
def test_the_cli_offers_every_option_as_declared(request_type: type[Request], words: tuple[str, ...]) -> None:
    assert_cli_offers(request_type, *words)


@pytest.mark.parametrize(("request_type", "words"), CLI_REQUESTS, ids=[r.__name__ for r, _ in CLI_REQUESTS])
def test_every_option_has_a_label_and_a_help_sentence(request_type: type[Request], words: tuple[str, ...]) -> None:
    for opt in request_type.options():
        assert opt.info.label.strip() and opt.info.help.strip().endswith("."), (request_type.__name__, opt.name)


def test_a_request_survives_its_job_params_and_refuses_strangers() -> None:
    request = OutputsRequest(model_a="1", model_b="2", image_path="x.png", layout="ssd", top_k=3)
    again = OutputsRequest.from_params(request.to_params())
    assert again == request and again.layout is request.layout
    with pytest.raises(UserError, match="Unknown setting"):
        OutputsRequest.from_params({**request.to_params(), "colour": "red"})
    with pytest.raises(UserError, match="Unknown layout"):
        OutputsRequest(model_a="1", model_b="2", layout="sideways")
    with pytest.raises(UserError, match="at most 100"):
        Request.check(OutputsRequest(model_a="1", model_b="2", top_k=1000))


def test_flags_and_aliases_build_the_same_request() -> None:
    parser = argparse.ArgumentParser()
    add_options(parser, RequantizeRequest)
    new = from_args(RequantizeRequest, parser.parse_args(["--ignored-names", "a", "b", "--preset", "mixed"]), parent=1)
    old = from_args(RequantizeRequest, parser.parse_args(["--ignore", "a", "b", "--preset", "mixed"]), parent=1)
    assert new == old and new.ignored_names == ["a", "b"] and str(new.preset) == "mixed"


# --- the measuring requests: the CLI has exactly the declared options plus its context flags ---
# Flags every command has, and what each command adds as context (the model, a dataset path ...).
COMMON = {"help", "json", "verbose"}
MEASURE_CONTEXT = {"model", "model_flag"}
PREPROCESSING = {"mean_values", "scale_values", "reverse_channels", "color", "layout", "resize", "input_size"}

MEASURE_ENTRIES: list[tuple[type[Request], tuple[str, ...], set[str], str | None, str | None]] = [
    (BenchmarkRequest, ("benchmark",), MEASURE_CONTEXT, "pages/benchmark.py", "bench-form"),
    (ProfileRequest, ("profile",), MEASURE_CONTEXT | {"perf_counts_flag"}, "pages/benchmark.py", "profile-form"),
    (SweepRequest, ("sweep",), MEASURE_CONTEXT, "pages/benchmark.py", "sweep-form"),
    # The accuracy form lives on the Optimize page (its helper adds that entry): CLI only here.
    (AccuracyRequest, ("accuracy",), {"model", "data", "reference", "labels", "annotations"} | PREPROCESSING,
     None, None),
]
MEASURE_IDS = [entry[0].__name__ for entry in MEASURE_ENTRIES]


def _measure_command(words: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in words:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


@pytest.mark.parametrize(("request_type", "words", "context", "page", "form"), MEASURE_ENTRIES, ids=MEASURE_IDS)
def test_measuring_cli_has_exactly_the_request_options(request_type: type[Request], words: tuple[str, ...], context: set[str],
                                             page: str | None, form: str | None) -> None:
    parser = _measure_command(words)
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


def _keyed_widgets(at: Any) -> dict[str, Any]:
    found = {}
    for kind in ("selectbox", "number_input", "text_input", "checkbox", "radio", "multiselect", "slider", "toggle"):
        for widget in getattr(at, kind, []):
            if widget.key:
                found[widget.key] = widget
    return found


MEASURE_PAGE_ENTRIES = [entry for entry in MEASURE_ENTRIES if entry[3] is not None]


@pytest.mark.parametrize(("request_type", "words", "context", "page", "form"), MEASURE_PAGE_ENTRIES,
                         ids=[entry[0].__name__ for entry in MEASURE_PAGE_ENTRIES])
def test_measuring_page_shows_each_option_with_its_label_and_help(workspace: Path, request_type: type[Request],
                                                        words: tuple[str, ...], context: set[str], page: str,
                                                        form: str) -> None:
    at = open_page(page)
    assert not at.exception, at.exception
    widgets = _keyed_widgets(at)
    for opt in request_type.options():
        if not opt.info.page:
            continue
        if opt.name == "target":  # one machine picker for all of the page's forms, above them
            widget = widgets.get("bench_target")
            assert widget is not None and (widget.label, widget.help) == (opt.info.label, opt.info.help)
            continue
        widget = widgets.get(f"{form}_{opt.name}")
        assert widget is not None, (opt.name, sorted(k for k in widgets if k.startswith(form)))
        assert widget.label == opt.info.label, opt.name
        assert widget.help == opt.info.help, opt.name
