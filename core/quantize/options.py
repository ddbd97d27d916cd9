"""Compatibility for callers not yet on `QuantizeRequest` (core/quantize/requests.py), the one
record of the quantize options: `QuantizeOptions` is that request with the old method names.

Only core/analysis/requests.py still uses it (its owner moves it to the request); nothing new
should import this module.
"""

from __future__ import annotations

from typing import Any

from core.quantize.requests import Preset, QuantizeRequest

PRESETS = tuple(p.value for p in Preset)


class QuantizeOptions(QuantizeRequest):
    """The quantize request under its former name: `from_dict` checks, `to_dict` is the lineage's options."""

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> QuantizeOptions:
        options: QuantizeOptions = cls.from_params(dict(data or {}))
        options.check_options()
        return options

    def to_dict(self) -> dict[str, Any]:
        return self.options_dict()
