"""Optimize precision: FP16, INT8 by calibration, accuracy-aware INT8, weight compression.

A thin view over `core.quantize.requests`: the user picks a variant and data, reviews the
preprocessing (with a preview of what the model will see), chooses a method; the method's
form is built from its request (QuantizeRequest / CompressRequest), which checks itself once
before the job starts; the job runs outside the page with progress and cancel, and the result
shows accuracy next to the FP32 parent and the size change.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.accuracy.requests import AccuracyRequest
from core.datasets import PreprocessSpec, dataset_to_dict, list_datasets
from core.datasets.catalog import KIND_NPZ, get_dataset
from core.datasets.defaults import spec_for_variant
from core.datasets.feeding import RANDOM_DATA_WARNING
from core.datasets.preview import thumbnail_data_urls
from core.errors import UserError
from core.ov_core import read_model
from core.precision import compute_choices, device_compute
from core.quantize.compression import fp16_runtime_note
from core.quantize.layers import WEIGHTED_TYPES, model_layers
from core.quantize.requests import WEIGHT_MODES, CompressMode, CompressRequest, QuantizeRequest
from core.quantize.summary import (
    accuracy_rows,
    agreement_rows,
    headline_text,
    int8_kernels_seen,
    per_image_rows,
    size_change,
)
from core.requests import Request
from core.store import Variant
from core.store.reads import stored_metrics
from core.variants import get_variant, list_variants, variant_xml
from pages.ui import links, machines
from pages.ui.datasets import RANDOM, dataset_problems, pick_dataset, preprocessing_form, show_preview, upload_dataset
from pages.ui.forms import option_widget
from pages.ui.frame import page_setup
from pages.ui.jobs import job_panel, submit_request
from pages.ui.pickers import pick_variant, variant_label
from pages.ui.text import md_code, md_text, plural

page_setup(
    "Optimize precision",
    "Make a model smaller and faster — FP16, INT8 calibrated with NNCF, INT8 with accuracy control, or "
    "weight-only compression — and see what it cost in accuracy against the FP32 parent.",
)

JOB_KEY = "optimize_job"
ACCURACY_JOB_KEY = "optimize_accuracy_job"
METHODS = {
    "int8": "INT8 — post-training quantization",
    "int8_aa": "INT8 with accuracy control",
    "fp16": "FP16 — half-precision weights",
    "weights": "Weight-only compression (INT8 / INT4)",
}
# Where the page knows better than the declaration (core/quantize/requests.py): how to show a choice.
QUANTIZE_WIDGETS: dict[str, dict[str, Any]] = {
    "model_type": {"format_func": lambda v: "generic (CNN)" if v == "(default)" else v},
    "metric": {"format_func": {"top1": "Top-1 (needs labels)", "agreement": "Top-1 agreement with FP32 (no labels)"}.get},
    "max_drop": {"format": "%.3f"},
    "smooth_quant_alpha": {"min_value": 0.0},  # -1 (SmoothQuant off) is the CLI's; here: leave the box unticked
}


@st.cache_data(show_spinner=False, max_entries=8)
def cached_layers(xml_path: str, mtime: float) -> list[dict[str, str]]:
    return model_layers(read_model(xml_path))


@st.cache_data(show_spinner=False, max_entries=8)
def cached_thumbnails(dataset_id: int, dataset_path: str, files: tuple[str, ...]) -> dict[str, str]:
    return thumbnail_data_urls(dataset_id, list(files))


@st.cache_data(show_spinner=False, max_entries=16)
def cached_default_spec(variant_id: int, xml_path: str) -> dict[str, Any] | None:
    """Keyed by the IR path too: ids repeat across workspaces, files do not."""
    try:
        return spec_for_variant(variant_id).to_dict()
    except UserError:
        return None  # not an image model: only .npz data fits it


def quantize_widget(name: str, container: Any = st, value: Any = None) -> Any:
    return option_widget(QuantizeRequest.option(name), f"q_{name}", value, container, **QUANTIZE_WIDGETS.get(name, {}))


def int8_form(variant: Variant, accuracy_aware: bool) -> dict[str, Any]:
    """The QuantizeRequest's options; layer names and types are offered from this model."""
    xml = variant_xml(variant)
    layers = cached_layers(str(xml), xml.stat().st_mtime)
    values = {name: quantize_widget(name, col)
              for name, col in zip(("subset_size", "preset", "model_type", "target_device"), st.columns(4))}
    values["fast_bias_correction"] = quantize_widget("fast_bias_correction")
    offered = {"ignored_types": sorted({layer["type"] for layer in layers}),
               "ignored_names": [layer["name"] for layer in layers if layer["type"] in WEIGHTED_TYPES]}
    for name, choices in offered.items():
        info = QuantizeRequest.option(name).info
        values[name] = st.multiselect(info.label, choices, key=f"q_{name}", help=info.help)
    values["smooth_quant_alpha"] = None
    if values["model_type"] == "transformer" and st.checkbox("Set the SmoothQuant alpha", key="q_sq"):
        values["smooth_quant_alpha"] = quantize_widget("smooth_quant_alpha", value=0.95)
    if accuracy_aware:
        values.update({name: quantize_widget(name, col)
                       for name, col in zip(QuantizeRequest.ACCURACY_OPTIONS, st.columns(4))})
    return values


def weights_form() -> dict[str, Any]:
    """The CompressRequest's options for the weight-only modes (FP16 has its own method)."""
    cols = st.columns(3)
    mode = CompressRequest.option("mode").info
    values: dict[str, Any] = {"mode": cols[0].selectbox(mode.label, [str(m) for m in WEIGHT_MODES], key="w_mode",
                                                        help=mode.help)}
    if values["mode"].startswith("int4"):
        for name, col in zip(CompressRequest.INT4_OPTIONS, cols[1:]):
            values[name] = option_widget(CompressRequest.option(name), f"w_{name}", container=col)
    return values


def method_form(variant: Variant, method: str) -> tuple[dict[str, Any], int | None]:
    """The chosen method's options (and, for accuracy control, its validation dataset)."""
    if method == "fp16":
        st.info(fp16_runtime_note())
        return {"mode": CompressMode.FP16}, None
    if method == "weights":
        values = weights_form()
        st.caption("Weight-only compression shrinks the weights of large models (LLMs); activations stay in float, so "
                   "CNNs gain little speed from it — use INT8 quantization for them.")
        return values, None
    values = int8_form(variant, accuracy_aware=method == "int8_aa")
    validation = None
    if method == "int8_aa":
        picked = pick_dataset("Validation data (accuracy is controlled on it)", "optimize_validation", variant,
                              "validation" if values.get("metric") == "top1" else "calibration", allow_random=False)
        validation = picked if isinstance(picked, int) else None
    st.caption(int8_device_note(variant))
    return values, validation


def method_request(variant: Variant, method: str, data: Any, spec: PreprocessSpec | None, values: dict[str, Any],
                   validation: int | None) -> Request:
    """The request the form describes; the page adds only what it picked (variant, data, method)."""
    context = {"variant_id": variant.id, "dataset_id": None if data == RANDOM else data,
               "preprocessing": spec.to_dict() if spec is not None else None}
    if method in ("int8", "int8_aa"):
        return QuantizeRequest(**context, validation_dataset_id=validation, accuracy_aware=method == "int8_aa", **values)
    return CompressRequest(**context, **values)


def show_per_image(accuracy: dict[str, Any], key: str) -> None:
    """Per-image predictions, worst disagreements first, with small thumbnails (sortable)."""
    rows = per_image_rows(accuracy)
    if not rows:
        return
    report = accuracy.get("report") or {}
    if report.get("labels_ignored"):
        st.warning(md_text(report["labels_ignored"]) + " The figures above are agreement with the parent, not accuracy.")
    frame = pd.DataFrame(rows)
    dataset_id = report.get("dataset_id")
    if dataset_id is not None:
        try:
            path = get_dataset(dataset_id).path
        except UserError:
            path = None
        if path is not None:
            thumbs = cached_thumbnails(dataset_id, path, tuple(frame["File"]))
            frame.insert(0, "Image", [thumbs.get(f) for f in frame["File"]])
    frame = frame.dropna(axis=1, how="all")
    for column in ("Confidence", "Parent's confidence"):
        if column in frame:
            frame[column] = frame[column] * 100  # shown like every other percentage here: two decimals
    st.markdown(f"**Per image** ({len(frame)} samples; disagreements with the parent and least confident first — "
                "click a column to sort)")
    st.dataframe(
        frame, hide_index=True, width="stretch", key=key,
        column_config={
            "Image": st.column_config.ImageColumn("Image", width="small"),
            "Confidence": st.column_config.NumberColumn("Confidence", format="%.2f %%",
                                                        help="Top-1 probability (softmax of the scores)"),
            "Parent's confidence": st.column_config.NumberColumn("Parent's confidence", format="%.2f %%"),
            "Agree": st.column_config.CheckboxColumn("Agree", help="Same top-1 class as the parent"),
            "Correct": st.column_config.CheckboxColumn("Correct", help="Prediction is one of the image's label(s)"),
            "Cosine": st.column_config.NumberColumn("Cosine", format="%.6f"),
        },
    )


def show_result(job_result: dict[str, Any]) -> None:
    new = get_variant(job_result["variant_id"])
    parent = get_variant(job_result["parent_variant_id"])
    st.success(f"New variant **#{new.id} {md_text(new.name)}** ({new.precision}), made from #{parent.id} {md_text(parent.name)}.")
    for warning in job_result.get("warnings", []):
        (st.warning if warning == RANDOM_DATA_WARNING else st.info)(warning)
    cols = st.columns(3)
    cols[0].metric("Size", f"{new.size_bytes / 1e6:.2f} MB",
                   f"{(new.size_bytes - parent.size_bytes) / parent.size_bytes * 100:+.1f} %", delta_color="inverse")
    cols[1].metric("Time taken", f"{job_result['seconds']:.1f} s")
    if "quantized_layers" in job_result:
        kept = len(job_result.get("float_layers", []))
        cols[2].metric("Weighted layers in INT8", f"{job_result['quantized_layers']} of {job_result['quantized_layers'] + kept}",
                       help="Convolutions and MatMuls fed by quantized inputs; the rest stay in floating point")
    st.caption(size_change(parent.size_bytes, new.size_bytes))
    accuracy = new.accuracy
    if accuracy:
        st.markdown("**Accuracy: FP32 parent vs this variant**")
        st.dataframe(pd.DataFrame(accuracy_rows(accuracy)), hide_index=True, width="stretch")
        st.caption(headline_text(accuracy))
        rows = agreement_rows(accuracy)
        if rows:
            st.markdown("**Output agreement with the FP32 parent** (same inputs)")
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        show_per_image(accuracy, "optimize_per_image")
    else:
        st.caption("No accuracy measured: pick a dataset to compare with the parent.")
    floats = job_result.get("float_layers") or []
    if floats:
        with st.expander(f"{plural(len(floats), 'layer')} kept in floating point"):
            st.write(", ".join(md_code(name) for name in floats))
    with st.expander("Lineage (how this variant was made)"):
        st.json(new.params, expanded=False)


def history(variant: Variant) -> None:
    children = [v for v in list_variants() if v.parent_id == variant.id]
    if not children:
        return
    st.subheader("Made from this variant")
    rows = []
    for child in children:
        accuracy = child.accuracy or {}
        rows.append({"Variant": f"#{child.id} {child.name}", "Precision": child.precision, "Method": child.method,
                     "Size": size_change(variant.size_bytes, child.size_bytes),
                     "Accuracy": headline_text(accuracy) if accuracy else "—"})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def int8_device_note(variant: Variant, device: str = "CPU") -> str:
    """What INT8 will run on, from the device's own report (never a fact written here)."""
    facts = device_compute(device)
    default = facts["default"] or "its default precision"
    if facts["int8"]:
        text = (f"{device} reports INT8 among its optimization capabilities: quantized layers run in integer kernels, "
                f"layers left in float compute in {default} (its default).")
    else:
        text = (f"{device} does not report INT8 among its optimization capabilities "
                f"({', '.join(facts['capabilities']) or 'none reported'}): expect little speed gain from INT8.")
    seen = int8_kernels_seen(variant.model_id)
    if seen is None:
        return text + " The speed gain is measured on the Benchmark page; a profile there names the kernels that ran."
    kernels = ", ".join(f"`{name}` ×{count}" for name, count in seen["kernels"].items()) or "none"
    return text + (f" The newest stored profile of INT8 variant #{seen['variant_id']} ran {seen['integer_layers']} of "
                   f"{seen['layers']} layers in integer kernels ({kernels}).")


def _choice(key: str, options: list[str]) -> None:
    """Forget a pick the new machine or device does not offer (the select falls back to its first)."""
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)


def pick_accuracy_machine() -> tuple[str, str, str]:
    """(target, device, compute precision) for an accuracy job: the machine, one of the devices it
    reported, and the compute precisions that device has (f32 first: the exact figure is the default)."""
    target, overview = machines.pick_target(AccuracyRequest.option("target").info, "accuracy_target")
    devices = {d["device"]: d for d in overview["devices"]} or {"CPU": {}}
    declared_device = AccuracyRequest.option("device").info
    _choice("accuracy_device", list(devices))
    device = st.selectbox(declared_device.label, list(devices), key="accuracy_device", help=declared_device.help)
    computes = dict(compute_choices(device, devices[device].get("compute")))
    declared = AccuracyRequest.option("compute_precision").info
    offered = ["f32", *[c for c in computes if c != "f32"]]
    _choice("accuracy_compute", offered)
    compute = st.selectbox(declared.label, offered, key="accuracy_compute", format_func=lambda c: computes.get(c, c),
                           help=declared.help)
    return target, device, compute


def measure_existing_variant(variant: Variant, data: Any, spec: PreprocessSpec | None, blocked: bool) -> None:
    """Accuracy of the chosen variant as it is (e.g. an imported INT8 IR), with the data of section 1."""
    st.subheader("5 · Measure the accuracy of this variant")
    if not isinstance(data, int):
        st.caption("Pick a dataset in section 1: with labels you get top-1/top-5, without labels the agreement "
                   "with a reference variant (by default the parent).")
        return
    siblings = {v.id: v for v in list_variants() if v.model_id == variant.model_id and v.id != variant.id}
    options = [None, *siblings]
    default = options.index(variant.parent_id) if variant.parent_id in siblings else 0
    reference = st.selectbox(
        "Reference for agreement", options, index=default, key="accuracy_reference",
        format_func=lambda i: "none (labels only)" if i is None else variant_label(siblings[i]),
    )
    problem = dataset_problems(variant, "accuracy").get(data)
    if problem is not None:
        st.error(md_text(problem) + " It cannot be scored for this model: pick another dataset in section 1.")
    limit = option_widget(AccuracyRequest.option("limit"), "accuracy_limit")
    target, device, compute = pick_accuracy_machine()
    if st.button("Measure accuracy", key="accuracy_start", disabled=blocked or problem is not None):
        request = AccuracyRequest(variant_id=variant.id, dataset_id=data, reference_variant_id=reference,
                                  preprocessing=spec.to_dict() if spec is not None else None,
                                  compute_precision=compute, limit=limit, device=device, target=target)
        if submit_request(request, ACCURACY_JOB_KEY) is not None:
            st.rerun()
    finished_accuracy = job_panel(ACCURACY_JOB_KEY)
    if finished_accuracy is not None and finished_accuracy.state == "done" and finished_accuracy.result:
        accuracy = stored_metrics(finished_accuracy.result["result_id"])
        st.dataframe(pd.DataFrame(accuracy_rows(accuracy)), hide_index=True, width="stretch")
        st.caption(headline_text(accuracy))
        where = accuracy.get("report", {}).get("device") or "CPU"
        machine = (accuracy.get("target") or {}).get("name")
        st.caption(f"Computed in {accuracy.get('compute_precision') or 'f32'} (read back from the compiled model) on "
                   f"{where}{f' of target {machine}' if machine else ''}; the reference in f32.")
        rows = agreement_rows(accuracy)
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        show_per_image(accuracy, "accuracy_per_image")


links.show_problems(links.apply_variant(links.incoming("optimize"), "optimize_variant"))  # ?variant=3
variant = pick_variant("Model variant to optimize", key="optimize_variant")
if variant is None:
    st.stop()
links.publish("optimize", variant=variant.id)

st.subheader("1 · Data for calibration and accuracy")
upload_dataset("optimize", picker_key="optimize_dataset")
method = st.radio("Method", list(METHODS), format_func=METHODS.get, horizontal=True, key="optimize_method")
needs_data = method in ("int8", "int8_aa")
data = pick_dataset("Calibration data" if needs_data else "Data to measure accuracy with (optional)",
                    "optimize_dataset", variant, "calibration" if needs_data else "accuracy",
                    allow_random=method == "int8", optional=not needs_data)
if data == RANDOM:
    st.warning(RANDOM_DATA_WARNING)

spec: PreprocessSpec | None = None
defaults = cached_default_spec(variant.id, str(variant_xml(variant)))
chosen = dataset_to_dict(next(d for d in list_datasets() if d.id == data)) if isinstance(data, int) else None
if chosen is not None and chosen["kind"] != KIND_NPZ:
    st.subheader("2 · Preprocessing (pre-filled from the model)")
    if defaults is None:
        st.error("This model does not take one image input: use a .npz dataset with one array per input.")
    else:
        spec = preprocessing_form(variant, defaults)
        if st.toggle("Preview preprocessed samples", value=True, key="optimize_preview"):
            show_preview(variant, data, spec)
elif chosen is not None:
    with st.expander("Preview the tensors", expanded=False):
        show_preview(variant, data, None)

st.subheader("3 · Method settings")
values, validation = method_form(variant, method)
st.caption("The **inference precision hint** (f32 / bf16 / f16 — how the runtime computes, independent of the "
           "file's precision) is a runtime setting: choose it on the **Benchmark** page.")

blocked = (needs_data and data is None) or (chosen is not None and chosen["kind"] != KIND_NPZ and spec is None)
if st.button(f"Start: {METHODS[method]}", type="primary", disabled=blocked, key="optimize_start"):
    if submit_request(method_request(variant, method, data, spec, values, validation), JOB_KEY) is not None:
        st.rerun()

st.subheader("4 · Job and result")
finished = job_panel(JOB_KEY)
if finished is not None and finished.state == "done" and finished.result:
    show_result(finished.result)
elif st.session_state.get(JOB_KEY) is None:
    st.caption("No job started from this page yet.")
history(variant)
measure_existing_variant(variant, data, spec, blocked=chosen is not None and chosen["kind"] != KIND_NPZ and spec is None)
