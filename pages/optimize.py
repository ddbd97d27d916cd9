"""Optimize precision: FP16, INT8 by calibration, accuracy-aware INT8, weight compression.

A thin view over `core.datasets` / `core.quantize`: the user picks a variant and data, reviews
the preprocessing (with a preview of what the model will see), chooses a method; every check
runs before the job starts, the job runs outside the page with progress and cancel, and the
result shows accuracy next to the FP32 parent and the size change.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.datasets import (
    PreprocessSpec,
    dataset_to_dict,
    list_datasets,
    open_source,
    preview_samples,
)
from core.importer.archives import archive_stem
from core.datasets.catalog import KIND_NPZ
from core.datasets.defaults import spec_for_variant
from core.datasets.feeding import RANDOM_DATA_WARNING
from core.datasets.uploads import DATASET_UPLOAD_ENTRYPOINT, stage_dataset_upload
from core.datasets.preprocessing import COLOR_ORDERS, INTERPOLATIONS, LAYOUTS, RESIZE_MODES, parse_floats
from core.errors import UserError
from core.datasets.fitness import dataset_problem
from core.datasets.preview import thumbnail_data_urls
from core.jobs import wait_for_job
from core.precision import compute_choices, device_compute
from core.quantize.compression import fp16_runtime_note
from core.quantize.layers import WEIGHTED_TYPES, model_layers
from core.quantize.options import DROP_TYPES, PRESETS, TARGET_DEVICES, QuantizeOptions
from core.quantize.pipeline import prepare_quantization
from core.quantize.summary import (
    accuracy_rows,
    agreement_rows,
    headline_text,
    int8_kernels_seen,
    per_image_rows,
    size_change,
)
from core.store import Result, Variant, session_scope
from core.variants import get_variant, list_variants, variant_xml
from pages.ui import links
from pages.ui.frame import page_setup
from pages.ui.jobs import job_panel, start_job
from pages.ui.pickers import pick_variant, variant_label
from pages.ui.text import error_text, md_code, md_text, plural

page_setup(
    "Optimize precision",
    "Make a model smaller and faster — FP16, INT8 calibrated with NNCF, INT8 with accuracy control, or "
    "weight-only compression — and see what it cost in accuracy against the FP32 parent.",
)

JOB_KEY = "optimize_job"
DATASET_JOB_KEY = "optimize_dataset_job"
ACCURACY_JOB_KEY = "optimize_accuracy_job"
RANDOM = "random"
METHODS = {
    "int8": "INT8 — post-training quantization",
    "int8_aa": "INT8 with accuracy control",
    "fp16": "FP16 — half-precision weights",
    "weights": "Weight-only compression (INT8 / INT4)",
}
UPLOAD_TYPES = ["zip", "tar", "gz", "tgz", "npz"]


@st.cache_data(show_spinner=False, max_entries=8)
def cached_layers(xml_path: str, mtime: float) -> list[dict[str, str]]:
    from core.accuracy.evaluate import read_model

    return model_layers(read_model(xml_path))


@st.cache_data(show_spinner=False, max_entries=32)
def cached_problems(xml_path: str, mtime: float, datasets: tuple[tuple[int, str], ...], purpose: str) -> dict[int, str]:
    """Why each dataset cannot serve this model for `purpose` (only the unfit ones are listed).

    Keyed by the IR file and the datasets' ids and paths: no inference, shapes and stored
    label facts only, so it is instant even for many datasets.
    """
    from core.accuracy.evaluate import read_model
    from core.datasets.catalog import get_dataset

    model = read_model(xml_path)
    problems = {}
    for dataset_id, _path in datasets:
        problem = dataset_problem(get_dataset(dataset_id), model, purpose)
        if problem is not None:
            problems[dataset_id] = problem
    return problems


def dataset_problems(variant: Variant, purpose: str) -> dict[int, str]:
    xml = variant_xml(variant)
    keys = tuple((d.id, d.path) for d in list_datasets())
    return cached_problems(str(xml), xml.stat().st_mtime, keys, purpose) if keys else {}


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


def upload_dataset() -> None:
    with st.expander("Upload a dataset (once — it is kept for reuse)", expanded=not list_datasets()):
        st.caption(
            "A **.zip / .tar(.gz)** of images. Labelled by, in this order: an annotation file at the top — "
            "`val.txt` with lines `file class` (several classes = any of them is right: `file 151 152 153`) or a "
            "CSV `file,label` (`file,151;152` for a set); class-index folders `0/`, `1/`, `207/` (no labels file "
            "needed); or class-name folders indexed by the lines of a `labels.txt` at the top (else sorted names). "
            "A flat folder is unlabelled. Or a **.npz** with one array per model input name (first axis = samples) "
            "and an optional integer `labels` array."
        )
        uploaded = st.file_uploader("Images archive or tensors", type=UPLOAD_TYPES, key="optimize_upload")
        if uploaded is not None and st.session_state.get("optimize_upload_seen") != uploaded.file_id:
            # A keyed widget keeps its first value: pre-fill the name from each new file explicitly.
            st.session_state["optimize_upload_seen"] = uploaded.file_id
            st.session_state["optimize_upload_name"] = archive_stem(Path(uploaded.name))
        name = st.text_input("Dataset name", key="optimize_upload_name")
        if st.button("Import dataset", disabled=uploaded is None, key="optimize_import"):
            try:  # streamed to a staging file; a job unpacks and checks it, then deletes the stage
                upload = stage_dataset_upload(uploaded, uploaded.name)
            except UserError as exc:
                st.error(error_text(exc.message, exc.hint))
                return
            job_id = start_job("dataset", DATASET_UPLOAD_ENTRYPOINT, {"upload": upload, "name": name or uploaded.name},
                               target=f"dataset {name or uploaded.name}"[:200], key=DATASET_JOB_KEY)
            with st.spinner("Checking every image…"):
                with contextlib.suppress(TimeoutError):
                    wait_for_job(job_id, timeout_s=60)  # small datasets: done before the page goes on
        finished = job_panel(DATASET_JOB_KEY, show_log=False)
        if finished is not None and finished.state == "done" and st.session_state.get("optimize_dataset_job_seen") != finished.id:
            st.session_state["optimize_dataset_job_seen"] = finished.id
            st.session_state["optimize_dataset"] = finished.result["dataset_id"]
            st.rerun()


def pick_dataset(label: str, key: str, variant: Variant, purpose: str, allow_random: bool = False,
                 optional: bool = False) -> int | None | str:
    """A dataset picker that never offers (nor keeps) a dataset that cannot belong to the model.

    For accuracy, a dataset whose labels are not this model's classes (or whose images it cannot
    take) is left out and named below with the reason; a selection that became unfit (e.g. the
    method switched from INT8 to FP16) is dropped, and the page says so. Calibration reads only
    images, so there such a dataset stays, with a warning that its labels are ignored.
    """
    datasets = {d.id: d for d in list_datasets()}
    if not datasets:
        st.info("No datasets yet: upload one above.")
        if allow_random and st.checkbox("Calibrate on random data instead (not recommended)", key=f"{key}_random"):
            return RANDOM
        return None
    refused = dataset_problems(variant, purpose)
    label_only = {i: p for i, p in dataset_problems(variant, "accuracy").items() if i not in refused}
    usable = [i for i in datasets if i not in refused]
    options: list[Any] = ([None] if optional else []) + usable + ([RANDOM] if allow_random else [])

    def describe(option: Any) -> str:
        if option is None:
            return "No dataset (skip the accuracy comparison)"
        if option == RANDOM:
            return "Random data (not recommended — no real data)"
        info = dataset_to_dict(datasets[option])
        if not info["labelled"]:
            labelled = "unlabelled"
        elif info["class_names"]:
            labelled = f"labelled, {len(info['classes'] or [])} classes"
        else:
            labelled = f"labelled by class index ({len(info['classes'] or [])} used)"
        if info["multi_label"]:
            labelled += f", {info['multi_label']} with class sets"
        if option in label_only:
            labelled += " — labels not for this model"
        return f"{info['name']} · {info['kind']} · {info['items']} samples · {labelled} · #{option}"

    current = st.session_state.get(key)
    if current not in options:
        st.session_state.pop(key, None)
        if current in refused:
            st.info(f"Dataset #{current} was unselected: it does not fit this model.")
    choice = st.selectbox(label, options, format_func=describe, key=key)
    if refused:
        with st.expander(f"{plural(len(refused), 'dataset')} not offered: they do not fit this model"):
            st.dataframe(pd.DataFrame([{"Dataset": f"#{i} {datasets[i].name}", "Why": why} for i, why in refused.items()]),
                         hide_index=True, width="stretch")
    if choice in label_only:
        st.warning(md_text(label_only[choice]) + " Its images are used for calibration only; the accuracy of the result is "
                   "measured as agreement with the parent, not against these labels.")
    return choice


def preprocessing_form(variant: Variant, defaults: dict[str, Any]) -> PreprocessSpec | None:
    """Editable preprocessing, pre-filled from the model; returns None (with an error) if invalid."""
    spec = PreprocessSpec.from_dict(defaults)
    k = f"pp{variant.id}"
    if spec.embedded:
        st.info(
            "This IR already applies " + ", ".join(spec.embedded).replace("_", " ") + " itself (embedded at conversion). "
            "Images are fed as resized pixels in 0–255" + (" in BGR order" if spec.color == "BGR" else "")
            + " — never normalised a second time."
        )
    cols = st.columns(4)
    width = cols[0].number_input("Width", 1, 8192, spec.width, key=f"{k}w")
    height = cols[1].number_input("Height", 1, 8192, spec.height, key=f"{k}h")
    resize = cols[2].selectbox("Resize", RESIZE_MODES, RESIZE_MODES.index(spec.resize), key=f"{k}r",
                               help="center_crop keeps the aspect ratio: short side to size/crop fraction, then a centre crop; "
                                    "stretch resizes to the size directly")
    crop = cols[3].number_input("Crop fraction", 0.1, 1.0, float(spec.crop_fraction), 0.005, format="%.4f", key=f"{k}c",
                                disabled=resize != "center_crop", help="0.875 = 224 of 256, the usual evaluation crop")
    cols = st.columns(4)
    color = cols[0].selectbox("Colour order", COLOR_ORDERS, COLOR_ORDERS.index(spec.color), key=f"{k}col")
    layout = cols[1].selectbox("Layout", LAYOUTS, LAYOUTS.index(spec.layout), key=f"{k}lay")
    interpolation = cols[2].selectbox("Interpolation", list(INTERPOLATIONS), list(INTERPOLATIONS).index(spec.interpolation),
                                      key=f"{k}int")
    cols[3].text_input("Input", spec.input_name, disabled=True, key=f"{k}in")
    cols = st.columns(2)
    to_text = lambda values: "" if values is None else ", ".join(f"{v:g}" for v in values)  # noqa: E731
    mean = cols[0].text_input("Mean (0–255 units, per channel)", to_text(spec.mean), key=f"{k}mean",
                              disabled="mean" in spec.embedded, help="Empty = no mean subtraction")
    scale = cols[1].text_input("Scale (divisor, 0–255 units)", to_text(spec.scale), key=f"{k}scale",
                               disabled="scale" in spec.embedded, help="Empty = no division")
    try:
        return PreprocessSpec.from_dict({
            **spec.to_dict(), "width": int(width), "height": int(height), "resize": resize, "crop_fraction": float(crop),
            "color": color, "layout": layout, "interpolation": interpolation,
            "mean": None if "mean" in spec.embedded else parse_floats(mean),
            "scale": None if "scale" in spec.embedded else parse_floats(scale),
        })
    except UserError as exc:
        st.error(error_text(exc.message, exc.hint))
        return None


def show_preview(variant: Variant, dataset_id: int, spec: PreprocessSpec | None) -> None:
    from core.accuracy.evaluate import read_model

    try:
        source = open_source(dataset_id, read_model(variant_xml(variant)), spec, minimum=1, purpose="preview")
        samples = preview_samples(source, 4)
    except UserError as exc:
        st.error(error_text(exc.message, exc.hint))
        return
    pictures = [s for s in samples if s["picture"] is not None]
    if pictures:
        st.image([s["picture"] for s in pictures], width=150,
                 caption=[f"{s['name']}" + (f" · class {s['class']}" if s["class"] is not None else "") for s in pictures])
        st.caption("What the model will see (tensor values stretched to 0–255 for display; a BGR tensor shows blue skin).")
    st.dataframe(pd.DataFrame([{"Sample": s["name"], "Input": s["input"], "Shape": str(s["shape"]), "dtype": s["dtype"],
                                "Min": round(s["min"], 4), "Max": round(s["max"], 4), "Mean": round(s["mean"], 4)}
                               for s in samples]), hide_index=True, width="stretch")


def int8_options(variant: Variant, accuracy_aware: bool) -> dict[str, Any]:
    xml = variant_xml(variant)
    layers = cached_layers(str(xml), xml.stat().st_mtime)
    types = sorted({layer["type"] for layer in layers})
    weighted = [layer["name"] for layer in layers if layer["type"] in WEIGHTED_TYPES]
    cols = st.columns(4)
    subset = cols[0].number_input("Subset size", 1, 100_000, 300, key="q_subset",
                                  help="Calibration samples NNCF reads (it takes all when the dataset is smaller)")
    preset = cols[1].selectbox("Preset", PRESETS, key="q_preset",
                               help="performance: symmetric weights and activations; mixed: asymmetric activations "
                                    "(better for activations that are not centred, e.g. after GELU)")
    model_type = cols[2].selectbox("Model type", ["", "transformer"], format_func=lambda v: v or "generic (CNN)",
                                   key="q_model_type", help="transformer adds patterns that keep attention accurate")
    device = cols[3].selectbox("Target device", TARGET_DEVICES, key="q_device")
    fast_bias = st.checkbox("Fast bias correction", True, key="q_fast_bias",
                            help="Off: the slower bias correction, often a little more accurate")
    ignored_types = st.multiselect("Keep these layer types in float (ignored scope)", types, key="q_ignored_types")
    ignored_names = st.multiselect("Keep these layers in float (ignored scope)", weighted, key="q_ignored_names",
                                   help="Convolutions and MatMuls of this model, in graph order")
    alpha = None
    if model_type == "transformer" and st.checkbox("Set the SmoothQuant alpha", key="q_sq"):
        alpha = st.slider("SmoothQuant alpha (MatMul)", 0.0, 1.0, 0.95, 0.05, key="q_alpha",
                          help="How much of the activation outliers moves into the weights before quantizing")
    options: dict[str, Any] = {
        "subset_size": int(subset), "preset": preset, "model_type": model_type, "fast_bias_correction": fast_bias,
        "target_device": device, "ignored_types": ignored_types, "ignored_names": ignored_names,
        "smooth_quant_alpha": alpha, "accuracy_aware": accuracy_aware,
    }
    if accuracy_aware:
        cols = st.columns(4)
        options["metric"] = cols[0].selectbox(
            "Metric", ["top1", "agreement"], key="q_metric",
            format_func=lambda m: "Top-1 (needs labels)" if m == "top1" else "Top-1 agreement with FP32 (no labels)")
        options["max_drop"] = cols[1].number_input("Maximal drop", 0.0, 0.99, 0.01, 0.005, format="%.3f", key="q_drop",
                                                   help="0.01 = one percentage point (absolute)")
        options["drop_type"] = cols[2].selectbox("Drop type", DROP_TYPES, key="q_drop_type")
        options["max_iterations"] = int(cols[3].number_input("Max iterations", 1, 500, 50, key="q_iter",
                                                             help="Layers are reverted to float one group per iteration"))
    return options


def submit(variant: Variant, method: str, data: Any, spec: PreprocessSpec | None, form: dict[str, Any]) -> None:
    dataset_id = None if data == RANDOM else data
    preprocessing = spec.to_dict() if spec is not None else None
    try:
        if method in ("int8", "int8_aa"):
            options = QuantizeOptions.from_dict(form["options"])
            _, _, _, warnings = prepare_quantization(variant_xml(variant), dataset_id, options, preprocessing,
                                                     form.get("validation_dataset_id"))
            params = {"variant_id": variant.id, "dataset_id": dataset_id, "options": options.to_dict(),
                      "preprocessing": preprocessing, "validation_dataset_id": form.get("validation_dataset_id")}
            entrypoint, kind = "core.quantize.jobs:quantize_job", "quantize"
        else:
            if dataset_id is not None:
                from core.accuracy.evaluate import read_model

                open_source(dataset_id, read_model(variant_xml(variant)), spec, purpose="accuracy")
            params = {"variant_id": variant.id, "mode": form["mode"], "ratio": form.get("ratio"),
                      "group_size": form.get("group_size"), "dataset_id": dataset_id, "preprocessing": preprocessing}
            entrypoint, kind, warnings = "core.quantize.jobs:compress_job", "compress", []
    except UserError as exc:
        st.error(error_text(exc.message, exc.hint))
        return
    for warning in warnings:
        st.warning(md_text(warning))
    start_job(kind, entrypoint, params, target=f"{METHODS[method]} · {variant_label(variant)}", key=JOB_KEY,
              variant_id=variant.id)
    st.rerun()


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
        from core.datasets.catalog import get_dataset

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


links.show_problems(links.apply_variant(links.incoming("optimize"), "optimize_variant"))  # ?variant=3
variant = pick_variant("Model variant to optimize", key="optimize_variant")
if variant is None:
    st.stop()
links.publish("optimize", variant=variant.id)

def int8_device_note(device: str = "CPU") -> str:
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


st.subheader("1 · Data for calibration and accuracy")
upload_dataset()
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
form: dict[str, Any] = {}
if method == "fp16":
    st.info(fp16_runtime_note())
    form["mode"] = "fp16"
elif method == "weights":
    cols = st.columns(3)
    form["mode"] = cols[0].selectbox("Mode", ["int8", "int8_sym", "int4", "int4_asym"], key="w_mode")
    if form["mode"].startswith("int4"):
        form["ratio"] = cols[1].slider("Share of layers in INT4 (rest INT8)", 0.1, 1.0, 1.0, 0.05, key="w_ratio")
        form["group_size"] = cols[2].selectbox("Group size", [128, 64, 32, -1], key="w_group",
                                               help="-1 = per channel")
    st.caption("Weight-only compression shrinks the weights of large models (LLMs); activations stay in float, so "
               "CNNs gain little speed from it — use INT8 quantization for them.")
else:
    form["options"] = int8_options(variant, accuracy_aware=method == "int8_aa")
    if method == "int8_aa":
        validation = pick_dataset("Validation data (accuracy is controlled on it)", "optimize_validation", variant,
                                  "validation" if form["options"].get("metric") == "top1" else "calibration",
                                  allow_random=False)
        form["validation_dataset_id"] = validation if isinstance(validation, int) else None
    st.caption(int8_device_note())
st.caption("The **inference precision hint** (f32 / bf16 / f16 — how the runtime computes, independent of the "
           "file's precision) is a runtime setting: choose it on the **Benchmark** page.")

blocked = (needs_data and data is None) or (chosen is not None and chosen["kind"] != KIND_NPZ and spec is None)
if st.button(f"Start: {METHODS[method]}", type="primary", disabled=blocked, key="optimize_start"):
    submit(variant, method, data, spec, form)

st.subheader("4 · Job and result")
finished = job_panel(JOB_KEY)
if finished is not None and finished.state == "done" and finished.result:
    show_result(finished.result)
elif st.session_state.get(JOB_KEY) is None:
    st.caption("No job started from this page yet.")
history(variant)


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
    computes = dict(compute_choices("CPU"))  # f32 first: the exact figure is the default, as before
    compute = st.selectbox("Compute precision", ["f32", *[c for c in computes if c != "f32"]], key="accuracy_compute",
                           format_func=lambda c: computes.get(c, c),
                           help="What the variant computes in while measured (the reference stays f32): the device "
                                "default shows what its reduced compute costs in accuracy.")
    if st.button("Measure accuracy", key="accuracy_start", disabled=blocked or problem is not None):
        start_job(
            "accuracy", "core.accuracy.jobs:accuracy_job",
            {"variant_id": variant.id, "dataset_id": data, "reference_variant_id": reference,
             "preprocessing": spec.to_dict() if spec is not None else None, "compute_precision": compute},
            target=f"accuracy · {variant_label(variant)}", key=ACCURACY_JOB_KEY, variant_id=variant.id,
        )
        st.rerun()
    finished_accuracy = job_panel(ACCURACY_JOB_KEY)
    if finished_accuracy is not None and finished_accuracy.state == "done" and finished_accuracy.result:
        with session_scope() as session:
            stored = session.get(Result, finished_accuracy.result["result_id"])
        accuracy = stored.metrics if stored is not None else {}
        st.dataframe(pd.DataFrame(accuracy_rows(accuracy)), hide_index=True, width="stretch")
        st.caption(headline_text(accuracy))
        st.caption(f"Computed in {accuracy.get('compute_precision') or 'f32'} (read back from the compiled model); "
                   "the reference in f32.")
        rows = agreement_rows(accuracy)
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        show_per_image(accuracy, "accuracy_per_image")


measure_existing_variant(variant, data, spec, blocked=chosen is not None and chosen["kind"] != KIND_NPZ and spec is None)
