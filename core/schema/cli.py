"""`python -m core schema [CMD ...]`: the JSON Schema of a command's --json document.

Always prints JSON (a schema has no useful plain-text rendering), so
`python -m core schema benchmark > benchmark.schema.json` is the whole workflow.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.commands import add_command
from core.schema import index, schema_for


def _schema(args: argparse.Namespace) -> Any:
    if not args.cmd:
        return index()
    return schema_for(" ".join(args.cmd))


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "schema", "JSON Schema of a command's --json output; without CMD: every command",
                         _schema)
    parser.add_argument("cmd", nargs="*", metavar="CMD", help="command, e.g. benchmark or 'storage delete'")
    parser.set_defaults(always_json=True)
