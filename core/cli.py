"""`python -m core COMMAND ... [--json]` — everything a page does, scriptable.

Each feature (a package's `cli.py`) has `register(subparsers)` that adds its commands with
`add_command(...)`; a handler returns JSON-able data. With --json that data is printed as
JSON; without, a readable rendering. A UserError exits with status 2 and its message
(as {"error": ..., "hint": ...} with --json) — never a bare traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from core.config import disable_telemetry
from core.errors import UserError
from core.workspace import private_files

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
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=handler)
    return parser


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    disable_telemetry()
    private_files()  # the workspace is private: files 0600, folders 0700
    as_json = getattr(args, "json", False)
    try:
        _check_path_arguments(args)
        with _stdout_to_stderr() if as_json else contextlib.nullcontext():
            result = args.handler(args)
    except UserError as exc:
        if as_json:
            print(json.dumps(exc.to_dict()))
        print(f"error: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if as_json:
        print(json.dumps(result, indent=2, default=str))
    elif result is not None:
        print(_human(result))
    exit_code = result.get("exit_code") if isinstance(result, dict) else None
    return int(exit_code) if isinstance(exit_code, int) else 0
