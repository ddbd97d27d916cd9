"""Dataset widgets shared by pages: upload (through core: staged, then imported by a job that
deletes the staged copy), a picker that only offers datasets fit for the model, the editable
image preprocessing and a preview of what the model will see."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.datasets import PreprocessSpec, dataset_to_dict, list_datasets, open_source, preview_samples
from core.datasets.catalog import get_dataset
from core.datasets.fitness import dataset_problem
from core.datasets.preprocessing import COLOR_ORDERS, INTERPOLATIONS, LAYOUTS, RESIZE_MODES, parse_floats
from core.datasets.uploads import DatasetUploadRequest, stage_dataset_upload
from core.errors import UserError
from core.importer.archives import archive_stem
from core.jobs import wait_for_job
from core.ov_core import read_model
from core.store import Variant
from core.variants import variant_xml
from pages.ui.jobs import job_panel, show_error, submit_request
from pages.ui.text import md_text, plural

RANDOM = "random"
UPLOAD_TYPES = ["zip", "tar", "gz", "tgz", "npz"]
UPLOAD_HELP = (
    "A **.zip / .tar(.gz)** of images. Labelled by, in this order: an annotation file at the top — "
    "`val.txt` with lines `file class` (several classes = any of them is right: `file 151 152 153`) or a "
    "CSV `file,label` (`file,151;152` for a set); class-index folders `0/`, `1/`, `207/` (no labels file "
    "needed); or class-name folders indexed by the lines of a `labels.txt` at the top (else sorted names). "
    "A flat folder is unlabelled. Or a **.npz** with one array per model input name (first axis = samples) "
    "and an optional integer `labels` array."
)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_problems(xml_path: str, mtime: float, datasets: tuple[tuple[int, str], ...], purpose: str) -> dict[int, str]:
    """Why each dataset cannot serve this model for `purpose` (only the unfit ones are listed).

    Keyed by the IR file and the datasets' ids and paths: no inference, shapes and stored
    label facts only, so it is instant even for many datasets.
    """
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


def upload_dataset(prefix: str, picker_key: str) -> None:
    """Upload a dataset once (kept for reuse); the new dataset becomes the choice of `picker_key`."""
    job_key = f"{prefix}_dataset_job"
    with st.expander("Upload a dataset (once — it is kept for reuse)", expanded=not list_datasets()):
        st.caption(UPLOAD_HELP)
        uploaded = st.file_uploader("Images archive or tensors", type=UPLOAD_TYPES, key=f"{prefix}_upload")
        if uploaded is not None and st.session_state.get(f"{prefix}_upload_seen") != uploaded.file_id:
            # A keyed widget keeps its first value: pre-fill the name from each new file explicitly.
            st.session_state[f"{prefix}_upload_seen"] = uploaded.file_id
            st.session_state[f"{prefix}_upload_name"] = archive_stem(Path(uploaded.name))
        name = st.text_input("Dataset name", key=f"{prefix}_upload_name")
        if st.button("Import dataset", disabled=uploaded is None, key=f"{prefix}_import"):
            try:  # streamed to a staging file; the job unpacks and checks it, then deletes the stage
                upload = stage_dataset_upload(uploaded, uploaded.name)
            except UserError as exc:
                show_error(exc)
                return
            job_id = submit_request(DatasetUploadRequest(upload=upload, name=name or uploaded.name), job_key)
            if job_id is not None:
                with st.spinner("Checking every image…"), contextlib.suppress(TimeoutError):
                    wait_for_job(job_id, timeout_s=60)  # small datasets: done before the page goes on
        finished = job_panel(job_key, show_log=False)
        if finished is not None and finished.state == "done" and st.session_state.get(f"{job_key}_seen") != finished.id:
            st.session_state[f"{job_key}_seen"] = finished.id
            st.session_state[picker_key] = finished.result["dataset_id"]
            st.rerun()


def describe_dataset(info: dict[str, Any], unfit_labels: bool) -> str:
    if not info["labelled"]:
        labelled = "unlabelled"
    elif info["class_names"]:
        labelled = f"labelled, {len(info['classes'] or [])} classes"
    else:
        labelled = f"labelled by class index ({len(info['classes'] or [])} used)"
    if info["multi_label"]:
        labelled += f", {info['multi_label']} with class sets"
    if unfit_labels:
        labelled += " — labels not for this model"
    return f"{info['name']} · {info['kind']} · {info['items']} samples · {labelled} · #{info['id']}"


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
        return describe_dataset({**dataset_to_dict(datasets[option]), "id": option}, option in label_only)

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
    mean = cols[0].text_input("Mean (0–255 units, per channel)", _numbers(spec.mean), key=f"{k}mean",
                              disabled="mean" in spec.embedded, help="Empty = no mean subtraction")
    scale = cols[1].text_input("Scale (divisor, 0–255 units)", _numbers(spec.scale), key=f"{k}scale",
                               disabled="scale" in spec.embedded, help="Empty = no division")
    try:
        return PreprocessSpec.from_dict({
            **spec.to_dict(), "width": int(width), "height": int(height), "resize": resize, "crop_fraction": float(crop),
            "color": color, "layout": layout, "interpolation": interpolation,
            "mean": None if "mean" in spec.embedded else parse_floats(mean),
            "scale": None if "scale" in spec.embedded else parse_floats(scale),
        })
    except UserError as exc:
        show_error(exc)
        return None


def _numbers(values: list[float] | None) -> str:
    return "" if values is None else ", ".join(f"{v:g}" for v in values)


def show_preview(variant: Variant, dataset_id: int, spec: PreprocessSpec | None) -> None:
    """What the model will see: a few samples after preprocessing, as pictures and tensor figures."""
    try:
        source = open_source(dataset_id, read_model(variant_xml(variant)), spec, minimum=1, purpose="preview")
        samples = preview_samples(source, 4)
    except UserError as exc:
        show_error(exc)
        return
    pictures = [s for s in samples if s["picture"] is not None]
    if pictures:
        st.image([s["picture"] for s in pictures], width=150,
                 caption=[f"{s['name']}" + (f" · class {s['class']}" if s["class"] is not None else "") for s in pictures])
        st.caption("What the model will see (tensor values stretched to 0–255 for display; a BGR tensor shows blue skin).")
    st.dataframe(pd.DataFrame([{"Sample": s["name"], "Input": s["input"], "Shape": str(s["shape"]), "dtype": s["dtype"],
                                "Min": round(s["min"], 4), "Max": round(s["max"], 4), "Mean": round(s["mean"], 4)}
                               for s in samples]), hide_index=True, width="stretch")
