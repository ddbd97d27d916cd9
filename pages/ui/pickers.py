"""Selectors over what is stored, shared by all pages."""

from __future__ import annotations

import streamlit as st

from core.store import Variant
from core.variants import list_variants


def variant_label(variant: Variant) -> str:
    size_mb = (variant.size_bytes or 0) / 1e6
    model = variant.model.name if variant.model else f"model {variant.model_id}"
    return f"{model} · {variant.name} · {variant.precision} · {size_mb:.1f} MB · #{variant.id}"


def pick_variant(label: str = "Model variant", key: str = "variant", help_text: str | None = None) -> Variant | None:
    """A selectbox over every variant; remembers the choice across pages via `?variant=`-like state."""
    variants = list_variants()
    if not variants:
        st.info("No models yet: import one on the **Import** page (or wait for the sample to finish).")
        return None
    by_id = {v.id: v for v in variants}
    ids = list(by_id)
    remembered = st.session_state.get("_ovwb_last_variant")
    index = ids.index(remembered) if remembered in by_id else 0
    chosen = st.selectbox(label, ids, index=index, format_func=lambda i: variant_label(by_id[i]), key=key, help=help_text)
    if chosen is not None:
        st.session_state["_ovwb_last_variant"] = chosen
    return by_id.get(chosen) if chosen is not None else None
