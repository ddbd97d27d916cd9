"""How a feature adds its commands to `python -m core` (the dispatcher is core/cli.py).

Each feature's `register(subparsers)` calls `add_command(...)` per command; a handler takes
the parsed arguments and returns JSON-able data. This module stands on the ground floor so
every feature can import it at the top: core/cli.py, which finds and loads every feature,
stands above them all.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

Handler = Callable[[argparse.Namespace], Any]


def add_command(subparsers: Any, name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
    # allow_abbrev=False: `--nstr` is not silently taken for `--nstreams` (benchmark_app/ovc lines
    # must mean exactly what they say). -v is accepted after the command too; SUPPRESS keeps the
    # top-level value when it is not repeated here.
    parser = subparsers.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON (its schema: python -m core schema COMMAND)")
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log progress to stderr")
    # The command's path ("storage delete") names its JSON Schema; set beside the handler so a
    # nested command overrides its parent's exactly as the handler does.
    parser.set_defaults(handler=handler, command_path=_command_path(parser))
    return parser


def _command_path(parser: argparse.ArgumentParser) -> str:
    """"storage delete" from the prog "python -m core storage delete"."""
    return parser.prog.split(" core ", 1)[-1].strip()
