"""Issue 11: every feature request is offered by the CLI with the same names, defaults, choices and
help as its declaration (the pages are checked in their own page tests with `assert_page_offers`,
where the page has been driven to the state that shows the form)."""

from __future__ import annotations

import argparse

import pytest

from core.analysis.requests import LayerErrorRequest, OutputsRequest, RequantizeRequest
from core.errors import UserError
from core.requests import Request, add_options, from_args
from tests.one_shape import assert_cli_offers

# (request type, the CLI command words that build it)
CLI_REQUESTS: list[tuple[type[Request], tuple[str, ...]]] = [
    (OutputsRequest, ("outputs",)),
    (LayerErrorRequest, ("layer-error",)),
    (RequantizeRequest, ("requantize",)),
]


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
