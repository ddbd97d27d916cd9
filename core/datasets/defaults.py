"""Pre-filled preprocessing for a stored variant: facts from its IR, habits from its model record.

The model record (written at import, e.g. for the bundled sample) may say how its author
preprocessed images (info["preprocessing"]: resize/crop/colour/mean/scale); the IR says size,
layout and whether normalisation is already inside the graph. The IR wins where they disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.datasets.preprocessing import PreprocessSpec, spec_from_model
from core.ov_core import read_model
from core.variants import get_variant, variant_xml


def spec_for_xml(xml_path: Path | str, hints: dict[str, Any] | None = None) -> PreprocessSpec:
    return spec_from_model(read_model(xml_path), hints)


def spec_for_variant(variant_id: int) -> PreprocessSpec:
    variant = get_variant(variant_id)
    hints = (variant.model.info or {}).get("preprocessing") if variant.model is not None else None
    return spec_for_xml(variant_xml(variant), hints if isinstance(hints, dict) else None)
