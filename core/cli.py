"""`python -m core COMMAND ... [--json]` — everything a page does, scriptable.

Each feature (a package's `cli.py`) has `register(subparsers)` that adds its commands with
`core.commands.add_command(...)`; a handler returns JSON-able data. With --json that data is printed as
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
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.schema.version import SCHEMA_VERSION
from core.telemetry import disable_telemetry
from core.workspace import private_files

# Top-level modules that contribute commands; each has `register(subparsers)`. Every
# feature package with a `cli.py` (core/benchmark/cli.py, ...) is found on its own, so
# features never edit a shared list.
TOP_LEVEL_COMMAND_MODULES = ["core.system_info", "core.variants", "core.sample", "core.card_service", "core.storage"]
CORE_DIR = Path(__file__).resolve().parent


def command_modules() -> list[str]:
    packages = sorted(p.parent.name for p in CORE_DIR.glob("*/cli.py"))
    return TOP_LEVEL_COMMAND_MODULES + [f"core.{name}.cli" for name in packages]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="OV Workbench command line", allow_abbrev=False)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in command_modules():
        importlib.import_module(module_name).register(subparsers)
    return parser


def _printable(value: Any) -> str:
    """Terminal-safe text: a name from a model may carry escape sequences (colours, cursor moves,
    a cleared screen, a fake prompt); control characters are shown escaped, never sent."""
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in str(value))


def _human(data: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(data, dict):
        lines = []
        for key, value in data.items():
            if isinstance(value, (dict, list)) and value:
                lines.append(f"{pad}{_printable(key)}:")
                lines.append(_human(value, indent + 1))
            else:
                lines.append(f"{pad}{_printable(key)}: {_printable(value)}")
        return "\n".join(lines)
    if isinstance(data, list):
        return "\n".join(
            (f"{pad}-\n{_human(item, indent + 1)}" if isinstance(item, (dict, list)) else f"{pad}- {_printable(item)}")
            for item in data
        )
    return f"{pad}{_printable(data)}"


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """While a --json command works, everything written to stdout goes to stderr instead —
    at the file-descriptor level, so NNCF's log handler (bound to stdout at its import),
    progress bars, print() in libraries and native code's std::cout all stay out of the
    JSON. stdout then carries the JSON document only."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # also when sys.stdout is not fd 1
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _check_path_arguments(args: argparse.Namespace) -> None:
    """A file name that is not valid text (bytes from another encoding on a UTF-8 system)
    reaches argparse as lone surrogates, and OpenVINO's C++ binding then fails with an
    encoding error nobody can act on: refuse it here, in words."""
    for name, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, str):
                continue
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                shown = item.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                raise UserError(
                    f"The {name.replace('_', ' ')} {shown!r} is not valid UTF-8 text, so it cannot be opened.",
                    "Rename the file (or folder) to a name in UTF-8, e.g. with `convmv -f latin1 -t utf8`, and try again.",
                ) from None


def json_document(result: Any) -> dict[str, Any]:
    """The one place `schema_version` is added: dicts get the key, lists become {"items": [...]}."""
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
    private_files()  # the workspace is private: files 0600, folders 0700
    as_json = getattr(args, "json", False) or getattr(args, "always_json", False)
    try:
        _check_path_arguments(args)
        with _stdout_to_stderr() if as_json else contextlib.nullcontext():
            result = args.handler(args)
    except UserError as exc:
        if as_json:
            _print_json(json_document(exc.to_dict()), indent=None)
        print(f"error: {_printable(exc.message)}" + (f"\nhint: {_printable(exc.hint)}" if exc.hint else ""), file=sys.stderr)
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
