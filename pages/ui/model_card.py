"""Show a model card (core.card) — used by the import page, reusable by any page."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


def _mb(value: int) -> str:
    return f"{value / 1e6:.2f} MB" if value >= 1e5 else f"{value / 1e3:.1f} kB"


def render_card(card: dict[str, Any], key: str, show_check: bool = True) -> None:
    """Inputs/outputs, size and compute figures, op counts and precision facts.

    A converted variant's card carries the conversion check's two sentences (verdict in f32
    compute, device-default deviation as information); `show_check=False` where the full check
    is shown next to it.
    """
    cols = st.columns([1.6, 1, 1, 1, 1])
    cols[0].metric("Task (guess)", card.get("task", "unknown"), help=card.get("task_reason"))
    cols[1].metric("Parameters", f"{card.get('parameters', 0) / 1e6:.3f} M" if card.get("parameters", 0) >= 1e4 else f"{card.get('parameters', 0):,}")
    gflops = card.get("gflops")
    cols[2].metric("GFLOPs", f"{gflops:.3g}" if gflops is not None else "—", help=card.get("flops_note") or "Convolution/MatMul multiply-adds x 2")
    cols[3].metric("Precision", card.get("precision", "?"), help="Quantized (FakeQuantize / low-precision weights)" if card.get("quantized") else "Not quantized")
    cols[4].metric("Files", _mb(card.get("files_total", 0)))
    if card.get("flops_note"):
        st.caption(f"GFLOPs: {card['flops_note']}")
    ports = [
        {"kind": kind, "name": port["name"], "shape": port["shape"], "type": port["type"], "layout": port["layout"] or "—",
         "all names": ", ".join(port["names"])}
        for kind, group in (("input", card.get("inputs", [])), ("output", card.get("outputs", [])))
        for port in group
    ]
    st.dataframe(pd.DataFrame(ports), hide_index=True, width="stretch", key=f"{key}-ports")
    facts = []
    if card.get("ir_version"):
        facts.append(f"IR v{card['ir_version']}")
    if card.get("opsets"):
        facts.append("opsets " + ", ".join(card["opsets"]))
    facts.append(f"{card.get('op_total', 0)} operations")
    facts.append("quantized: " + ("yes" if card.get("quantized") else "no"))
    if card.get("source_format"):
        facts.append(f"source: {card['source_format']}")
    st.caption(" · ".join(facts))
    check = card.get("conversion_check") or {}
    if show_check and check.get("summary"):
        st.text(check["summary"])
        if check.get("default_compute_summary"):
            st.caption(check["default_compute_summary"])
    preprocessing = card.get("ovwb_preprocessing") or {}
    for name, record in preprocessing.items():
        st.info(
            f"Embedded preprocessing on **{name}** ({record['layout']}): {' → '.join(record['steps'])}"
            + (f"; mean {record['mean_values']}" if record.get("mean_values") else "")
            + (f"; scale {record['scale_values']}" if record.get("scale_values") else "")
            + (". Feed BGR images in 0..255 (channels are reversed first)." if record.get("reverse_channels") else ". Feed raw pixel values.")
        )
    with st.expander("Operations by type and weights by precision"):
        left, right = st.columns(2)
        left.dataframe(pd.DataFrame({"op": list(card.get("ops", {})), "count": list(card.get("ops", {}).values())}), hide_index=True, key=f"{key}-ops")
        weights = card.get("weights_bytes", {})
        right.dataframe(pd.DataFrame({"element type": list(weights), "bytes": list(weights.values())}), hide_index=True, key=f"{key}-weights")
        files = card.get("files", {})
        if files:
            right.dataframe(pd.DataFrame({"file": list(files), "bytes": list(files.values())}), hide_index=True, key=f"{key}-files")


def render_check(check: dict[str, Any] | None) -> None:
    """The conversion check: the verdict in f32 compute (green/red), one row per output, and the
    device-default deviation as information (never red: it is the cost of bf16, not an error).

    The coloured boxes hold only our own words; anything that can come from the model or a
    runtime (reasons naming inputs, output names, the reference's version) is shown as text.
    """
    from core.convert.check import check_summary

    if not check:
        return
    status = check.get("status")
    compute = check.get("compute") or "device default"
    if status == "match":
        st.success(f"Conversion check: the IR matches the original model in {compute} compute.")
    elif status == "mismatch":
        st.error(f"Conversion check ({compute} compute): mismatch — outputs differ beyond tolerance. "
                 "Look at the rows below and the conversion log.")
    elif status == "skipped":
        st.info("Conversion check: not checked.")
    elif status == "error":
        st.warning("Conversion check: the check itself could not run (the IR is still saved).")
    st.text(check_summary(check))
    rows = [
        {
            "output": o["name"],
            "status": o["status"],
            "max |diff|": o.get("max_abs_diff"),
            "mean |diff|": o.get("mean_abs_diff"),
            "cosine": o.get("cosine"),
        }
        for o in check.get("outputs", [])
    ]
    number_columns = {
        "max |diff|": st.column_config.NumberColumn(format="%.3e"),
        "mean |diff|": st.column_config.NumberColumn(format="%.3e"),
        "cosine": st.column_config.NumberColumn(format="%.6f"),
    }
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=number_columns)
        tolerance = check.get("tolerance", {})
        st.caption(
            f"Tolerance for {check.get('weights', 'these')} weights in {compute} compute: cosine ≥ {tolerance.get('cosine_min')}, "
            f"max |diff| ≤ {tolerance.get('max_abs_diff_rel')} × max(1, |reference|)."
        )
        st.text(f"Input shapes: {check.get('input_shapes')}")
    default = check.get("default_compute")
    if default:
        st.info(
            f"For information — device default ({default.get('compute')} compute): "
            f"max |diff| {default.get('max_abs_diff', float('nan')):.3g}, cosine {default.get('cosine', float('nan')):.6f}. "
            f"{str(default.get('note', '')).capitalize()}"
        )
    elif check.get("compute") and status in ("match", "mismatch"):
        st.caption(f"The device computes in {compute} by default too, so this is also what you get without asking.")
