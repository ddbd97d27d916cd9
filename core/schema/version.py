"""The version every --json document carries as `schema_version` (see core/schema/__init__.py)."""

SCHEMA_VERSION = "1"
