"""`python -m core COMMAND ... [--json]` — everything a page does, scriptable.

Each feature (a package's `cli.py`) has `register(subparsers)` that adds its commands with
`add_command(...)`; a handler returns JSON-able data. With --json that data is printed as
JSON; without, a readable rendering. A UserError exits with status 2 and its message
(as {"error": ..., "hint": ...} with --json) — never a bare traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable
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
    # allow_abbrev=False: `--nstr` is not silently taken for `--nstreams` (benchmark_app/ovc lines
    # must mean exactly what they say). -v is accepted after the command too; SUPPRESS keeps the
    # top-level value when it is not repeated here.
    parser = subparsers.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log progress to stderr")
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="OV Workbench command line", allow_abbrev=False)
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    disable_telemetry()
    as_json = getattr(args, "json", False)
    try:
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
