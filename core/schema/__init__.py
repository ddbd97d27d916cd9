"""JSON Schemas of every command's --json document (`python -m core schema [CMD]`)."""

SCHEMA_VERSION = "1"
