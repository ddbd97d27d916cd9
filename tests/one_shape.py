"""Checks that a page and the CLI offer a request's options the same way (issue 11).

`assert_cli_offers` reads the real parser of `python -m core`; `assert_page_offers` reads the
widgets of a page that an AppTest has rendered. Both compare against the request's own
declaration (core/requests.py), so a label, default or help written twice cannot drift.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.cli import build_parser
from core.requests import Request


def command_parser(*words: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in words:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


def assert_cli_offers(request_type: type[Request], *words: str) -> None:
    """Every CLI option of the request is a flag of the command, with its default, choices and help."""
    actions = {action.dest: action for action in command_parser(*words)._actions}
    for opt in request_type.options():
        if not opt.info.cli:
            assert opt.name not in actions, f"{opt.name} is declared page-only but the CLI has it"
            continue
        assert opt.name in actions, f"`{' '.join(words)}` lacks {opt.flag}"
        action = actions[opt.name]
        assert opt.flag in action.option_strings
        assert action.default == opt.default, (opt.name, action.default, opt.default)
        assert str(action.help).startswith(opt.info.help), (opt.name, action.help)
        if opt.choices is not None:
            assert list(action.choices) == opt.choices


def _widgets(at: Any) -> dict[str, Any]:
    found = {}
    for kind in ("number_input", "selectbox", "checkbox", "text_input", "multiselect", "slider", "radio", "toggle"):
        for widget in getattr(at, kind):
            if getattr(widget, "key", None):
                found[widget.key] = widget
    return found


def assert_page_offers(at: Any, request_type: type[Request], key: str, skip: tuple[str, ...] = ()) -> None:
    """Every page option of the request has a widget `{key}_{name}` with the request's label and help."""
    widgets = _widgets(at)
    for opt in request_type.options():
        if not opt.info.page or opt.name in skip:
            continue
        widget = widgets.get(f"{key}_{opt.name}")
        assert widget is not None, f"the page has no widget for {request_type.__name__}.{opt.name}"
        assert widget.label == opt.info.label, (opt.name, widget.label)
        assert (widget.help or "") == opt.info.help, (opt.name, widget.help)
