"""JSON Schemas of every command's --json document: `python -m core schema [CMD]`.

Why: scripts parse our JSON; a published schema per command is the contract they can check
against (tests/test_schema.py validates each command's real output against it).

The rules every document follows are RULES below; `python -m core schema` prints them.
"""

from __future__ import annotations

import copy
from typing import Any

from core.errors import UserError
from core.schema.commands import COMMANDS, DEFINITIONS
from core.schema.version import SCHEMA_VERSION

DIALECT = "https://json-schema.org/draft/2020-12/schema"

__all__ = ["RULES", "SCHEMA_VERSION", "command_names", "schema_for", "index"]

RULES = [
    f"Every --json document is an object whose first key is schema_version (now {SCHEMA_VERSION!r}). A command that "
    "yields a list prints {\"schema_version\", \"items\": [...]}: a bare array could not carry the version.",
    "A failure is {\"schema_version\", \"error\", \"hint\"} with exit status 2; a command-line usage error "
    "(--json anywhere on the line) adds \"usage\". The message also goes to stderr.",
    "JSON has no infinity or NaN: a figure that would be infinite or undefined is null, and a boolean beside it "
    "says why (identical: true where PSNR or SNR would be +infinity). Never the string \"inf\".",
    "One shape per concept: a stored benchmark, profile or sweep is the measurement definition wherever it is "
    "printed (benchmark, profile, sweep, results --id); the results list holds the same objects without "
    "metrics and machine.",
    "New keys may appear in any object without a version change (the schemas allow extra keys); removing, "
    "renaming or retyping a key raises schema_version.",
]


def command_names() -> list[str]:
    """Command paths that have a schema ("storage delete", "dataset list", ...), sorted."""
    return sorted(COMMANDS)


def schema_for(command: str) -> dict[str, Any]:
    """The full JSON Schema document of `command`'s --json output (success or error)."""
    name = " ".join(command.split())
    if name not in COMMANDS:
        raise UserError(f"There is no command {command!r} with a JSON document.",
                        "List them with `python -m core schema`.")
    success = copy.deepcopy(COMMANDS[name]["schema"])
    success.setdefault("properties", {})["schema_version"] = {"const": SCHEMA_VERSION}
    success.setdefault("required", []).insert(0, "schema_version")
    return {
        "$schema": DIALECT,
        "$id": f"ovwb:cli/{name.replace(' ', '/')}/v{SCHEMA_VERSION}",
        "title": f"python -m core {name} --json",
        "description": COMMANDS[name]["description"],
        "x-schema-version": SCHEMA_VERSION,
        # anyOf, not oneOf: a success document may hold an `error` key of its own (a failed job's).
        "anyOf": [success, {"$ref": "#/$defs/error"}],
        "$defs": copy.deepcopy(DEFINITIONS),
    }


def index() -> dict[str, Any]:
    """What `python -m core schema` prints: every command and where its schema is."""
    return {
        "rules": RULES,
        "commands": [{"command": name, "description": COMMANDS[name]["description"],
                      "schema": f"python -m core schema {name}"} for name in command_names()],
    }
