"""Form widgets built from a core request's options, so a page and the CLI offer the same
settings with the same label, default, bounds, choices and help (core/requests.py)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.requests import Option, Request


def option_widget(opt: Option, key: str, value: Any = None, container: Any = st, **overrides: Any) -> Any:
    """One widget for one option; `value` pre-fills it (e.g. from an earlier run); `overrides` change
    a widget argument where the page knows better (e.g. a smaller maximum for this model)."""
    current = opt.default if value is None else value
    info = opt.info
    label, help_text = overrides.pop("label", info.label), overrides.pop("help", info.help)
    if opt.choices is not None:
        options = list(opt.choices)
        if opt.optional:
            options = ["(default)", *options]
        index = options.index(str(current)) if current is not None and str(current) in options else 0
        chosen = container.selectbox(label, options, index=index, key=key, help=help_text, **overrides)
        return None if chosen == "(default)" else chosen
    if opt.kind is bool:
        return container.checkbox(label, value=bool(current), key=key, help=help_text, **overrides)
    if opt.kind in (int, float):
        number = opt.kind
        args: dict[str, Any] = {"min_value": None if info.minimum is None else number(info.minimum),
                                "max_value": None if info.maximum is None else number(info.maximum)}
        if info.step is not None:
            args["step"] = number(info.step)
        args.update(overrides)
        start = current if current is not None else (args["min_value"] or number(0))
        return container.number_input(label, value=number(start), key=key, help=help_text, **args)
    if opt.kind is list:
        text = container.text_input(label, value=", ".join(current or []), key=key, help=help_text, **overrides)
        return [item.strip() for item in text.split(",") if item.strip()]
    text = container.text_input(label, value="" if current is None else str(current), key=key, help=help_text,
                                **overrides)
    return text if text or not opt.optional else None


def option_widgets(request_type: type[Request], key: str, *, skip: tuple[str, ...] = (),
                   values: dict[str, Any] | None = None, container: Any = st,
                   overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Widgets for every page option of `request_type` (in declaration order) but `skip`;
    returns their values by field name, ready for `request_type(**values, **context)`."""
    values, overrides = values or {}, overrides or {}
    chosen = {}
    for opt in request_type.options():
        if not opt.info.page or opt.name in skip:
            continue
        chosen[opt.name] = option_widget(opt, f"{key}_{opt.name}", values.get(opt.name), container,
                                         **overrides.get(opt.name, {}))
    return chosen
