"""The card of a model file or folder, or of a stored variant, and `python -m core card`.

The card itself is computed by core/card.py from an `ov.Model`; this module finds that model:
a path is read the way the importer reads it (any importable format), a variant's card is
read from the database (and computed and saved once for an older row that has none).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.card import ir_card, source_card
from core.commands import add_command
from core.errors import UserError
from core.importer.formats import source_for_path
from core.importer.frontends import read_source_model
from core.variants import get_variant, update_variant, variant_xml


def card_for_path(path: Path) -> dict[str, Any]:
    """The card of a model file or folder on disk, read without storing anything."""
    source = source_for_path(path)
    return source_card(read_source_model(source), source)


def card_for_variant(variant_id: int) -> dict[str, Any]:
    """The stored card of a variant (computed and saved now if an older row has none)."""
    variant = get_variant(variant_id)
    if variant.card:
        return variant.card
    card = ir_card(variant_xml(variant))
    update_variant(variant_id, card=card)
    return card


def _card_command(args: argparse.Namespace) -> dict[str, Any]:
    target = str(args.model)
    if target.isdigit() and not Path(target).exists():
        return card_for_variant(int(target))
    if not Path(target).exists():
        raise UserError(f"{target} is neither a file/folder nor a variant id.", "Pass a model path or an id from `python -m core models`.")
    return card_for_path(Path(target))


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "card", "model card: inputs/outputs, ops, parameters, GFLOPs, task guess", _card_command)
    parser.add_argument("model", help="model file/folder (any importable format) or a variant id")
