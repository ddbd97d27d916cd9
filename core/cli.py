"""`python -m core COMMAND ... [--json]` — everything a page does, scriptable.

Each feature (a package's `cli.py`) has `register(subparsers)` that adds its commands with
`add_command(...)`; a handler returns JSON-able data. With --json that data is printed as
JSON; without, a readable rendering. A UserError exits with status 2 and its message
(as {"error": ..., "hint": ...} with --json) — never a bare traceback.

Every --json document is an object with `schema_version` first (`json_document`, the one
place it is added): a handler's dict gets the key, a handler's list is wrapped as
{"schema_version", "items": [...]} (a JSON array cannot carry a version, and an object can
grow keys later without breaking a script). Each command's document is described by a JSON
Schema: `python -m core schema CMD` (core/schema). A usage error with --json anywhere on the
line is a document too: {"schema_version", "error", "hint", "usage"} on stdout, exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from core.config import disable_telemetry
from core.errors import UserError

# Top-level modules that contribute commands; each has `register(subparsers)`. Every
# feature package with a `cli.py` (core/benchmark/cli.py, ...) is found on its own, so
# features never edit a shared list.
TOP_LEVEL_COMMAND_MODULES = ["core.system_info", "core.variants", "core.sample", "core.card", "core.storage"]
CORE_DIR = Path(__file__).resolve().parent


def command_modules() -> list[str]:
    packages = sorted(p.parent.name for p in CORE_DIR.glob("*/cli.py"))
    return TOP_LEVEL_COMMAND_MODULES + [f"core.{name}.cli" for name in packages]


Handler = Callable[[argparse.Namespace], Any]


def add_command(subparsers: Any, name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON (its schema: python -m core schema COMMAND)")
    # The command's path ("storage delete") names its JSON Schema; set beside the handler so a
    # nested command overrides its parent's exactly as the handler does.
    parser.set_defaults(handler=handler, command_path=_command_path(parser))
    return parser


def _command_path(parser: argparse.ArgumentParser) -> str:
    """"storage delete" from the prog "python -m core storage delete"."""
    return parser.prog.split(" core ", 1)[-1].strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="OV Workbench command line")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in command_modules():
        importlib.import_module(module_name).register(subparsers)
    return parser


def _human(data: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(data, dict):
        lines = []
        for key, value in data.items():
            if isinstance(value, (dict, list)) and value:
                lines.append(f"{pad}{key}:")
                lines.append(_human(value, indent + 1))
            else:
                lines.append(f"{pad}{key}: {value}")
        return "\n".join(lines)
    if isinstance(data, list):
        return "\n".join(
            (f"{pad}-\n{_human(item, indent + 1)}" if isinstance(item, (dict, list)) else f"{pad}- {item}")
            for item in data
        )
    return f"{pad}{data}"


def json_document(result: Any) -> dict[str, Any]:
    """The one place `schema_version` is added: dicts get the key, lists become {"items": [...]}."""
    from core.schema.version import SCHEMA_VERSION

    if isinstance(result, dict):
        return {"schema_version": SCHEMA_VERSION, **{k: v for k, v in result.items() if k != "schema_version"}}
    if isinstance(result, (list, tuple)):
        return {"schema_version": SCHEMA_VERSION, "items": list(result)}
    return {"schema_version": SCHEMA_VERSION, "value": result}


class UsageExit(SystemExit):
    """argparse's usage error (exit 2), carrying what --json prints."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(2)
        self.message = message
        self.usage = parser.format_usage().strip()
        self.hint = f"See `{parser.prog} --help`."


def _usage_error(parser: argparse.ArgumentParser, message: str) -> None:
    """argparse's own stderr text, then UsageExit (a SystemExit(2), so other callers see no change)."""
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    raise UsageExit(parser, message)


def _report_usage_errors(parser: argparse.ArgumentParser) -> None:
    """Every parser of the tree (sub-commands too) raises UsageExit on a usage error."""
    parser.error = lambda message, p=parser: _usage_error(p, message)  # type: ignore[method-assign]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _report_usage_errors(child)


def _print_json(data: Any, indent: int | None = 2) -> None:
    """JSON has no infinity or NaN: a stray one becomes null rather than invalid JSON.

    Error documents are one line (indent=None): a script can read the first line of stdout.
    """
    try:
        print(json.dumps(data, indent=indent, default=str, allow_nan=False))
    except ValueError:
        print(json.dumps(_finite_only(data), indent=indent, default=str, allow_nan=False))


def _finite_only(data: Any) -> Any:
    import math

    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite_only(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite_only(v) for v in data]
    return data


@contextlib.contextmanager
def _stdout_for_the_document_only(as_json: bool) -> Iterator[None]:
    """With --json, stdout holds the one JSON document: whatever the handler's libraries print
    or log to stdout (NNCF's logger has its own stdout handler) goes to stderr meanwhile."""
    if not as_json:
        yield
        return
    stdout = sys.stdout
    moved = []
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            stream = getattr(handler, "stream", None)
            if isinstance(handler, logging.StreamHandler) and stream in (stdout, sys.__stdout__) \
                    and stream is not sys.stderr:
                moved.append((handler, stream))
                handler.setStream(sys.stderr)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        for handler, stream in moved:
            handler.setStream(stream)


def main(argv: list[str] | None = None) -> int:
    line = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    _report_usage_errors(parser)
    try:
        args = parser.parse_args(line)
    except UsageExit as exc:
        if "--json" in line:
            _print_json(json_document({"error": exc.message, "hint": exc.hint, "usage": exc.usage}), indent=None)
        return 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    disable_telemetry()
    as_json = getattr(args, "json", False) or getattr(args, "always_json", False)
    try:
        with _stdout_for_the_document_only(as_json):
            result = args.handler(args)
    except UserError as exc:
        if as_json:
            _print_json(json_document(exc.to_dict()), indent=None)
        print(f"error: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if as_json:
        _print_json(json_document(result))
    elif result is not None:
        print(_human(result))
    exit_code = result.get("exit_code") if isinstance(result, dict) else None
    return int(exit_code) if isinstance(exit_code, int) else 0
