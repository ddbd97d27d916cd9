"""Import & convert: upload model files or archives, see the card, convert to IR, check, download.

Uploads are written to the workspace at once (Streamlit keeps them in memory only for
this session); reading the model and converting run as jobs, never in this script.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.config import get_settings
from core.convert.export import ir_zip_bytes
from core.convert.options import ConvertOptions, InputSpec, check_shape_text, parse_layout, parse_values, split_top_level
from core.convert.references import reference_for
from core.errors import UserError
from core.importer import format_support
from core.importer.storage import store_stream
from core.jobs import get_job
from core.precision import device_compute
from core.store import Model, Variant
from core.variants import list_models, variant_xml
from core.workspace import new_artifact_dir, remove_artifact_dir, resolve, to_relative
from pages.ui import links
from pages.ui.frame import page_setup
from pages.ui.jobs import job_panel, start_job
from pages.ui.model_card import render_card, render_check
from pages.ui.text import error_text, md_code, md_text

IMPORT_JOB = "imp_import_job"
CONVERT_JOB = "imp_convert_job"
MODEL_KEY = "imp_model_id"
UPLOADER_ROUND = "imp_uploader_round"
STAGED = "imp_staged_uploads"  # {"folder": workspace-relative, "files": {file_id: stored name}}
STAGE_ERROR = "imp_stage_error"
IMAGENET = ("123.675,116.28,103.53", "58.395,57.12,57.375")

page_setup(
    "Import & convert",
    "Bring a model in (ONNX, OpenVINO IR, TensorFlow, TFLite, Paddle, PyTorch), see its card, "
    "convert it to OpenVINO IR and check that the IR computes the same thing.",
)


def fp16_weights_help() -> str:
    """What FP16 weights change on this device, from what the device reports (never assumed)."""
    facts = device_compute("CPU")
    default = facts["default"] or "its default precision"
    text = f"FP16 halves the file. The weights are decompressed and computed in the device default ({default})"
    if "f16" in facts["native"]:
        return text + "; this device also reports native f16 compute."
    return text + ", so FP16 weights alone do not change the speed here."


def show_user_error(error: UserError) -> None:
    st.error(error_text(error.message, error.hint))


# --- 1. upload ------------------------------------------------------------------------------

st.subheader("1 · Upload")
support = format_support()
st.caption(
    "Accepted: "
    + "; ".join(f"**{row['label']}** ({row['files']})" for row in support if row["available"])
    + ". Archives (.zip, .tar.gz) holding any of them work too."
)
for row in support:
    if not row["available"]:
        st.warning(f"{row['label']} ({row['files']}): {row['note']}.")

round_number = st.session_state.setdefault(UPLOADER_ROUND, 0)
uploader_key = f"imp_uploader_{round_number}"


def stage_uploads(key: str) -> None:
    """Write files to the workspace the moment they arrive (uploader on_change).

    Streamlit keeps uploads in server memory only while the widget lives; a page switch
    drops them. Staged files survive that, and the Import button only names the folder.
    A late change event of an uploader replaced by "Import" is ignored (it re-staged the
    imported files); a stage left empty is removed; abandoned ones are swept by age.
    """
    if key != f"imp_uploader_{st.session_state.get(UPLOADER_ROUND, 0)}":
        return
    files = st.session_state.get(key) or []
    staged = st.session_state.get(STAGED) or {"folder": to_relative(new_artifact_dir("uploads")), "files": {}}
    folder = resolve(staged["folder"])
    current = {upload.file_id for upload in files}
    for file_id, stored_name in list(staged["files"].items()):
        if file_id not in current:  # removed from the uploader: remove it from the stage too
            (folder / stored_name).unlink(missing_ok=True)
            del staged["files"][file_id]
    st.session_state.pop(STAGE_ERROR, None)
    for upload in files:
        if upload.file_id in staged["files"]:
            continue
        try:
            staged["files"][upload.file_id] = store_stream(upload, upload.name, folder).name
        except UserError as error:
            st.session_state[STAGE_ERROR] = error
    if not staged["files"]:
        remove_artifact_dir(folder)
        st.session_state.pop(STAGED, None)
        return
    st.session_state[STAGED] = staged


st.file_uploader(
    "Model files or archives (select the .xml and .bin of an IR together)",
    accept_multiple_files=True,
    max_upload_size=get_settings().max_upload_mb,
    key=uploader_key,
    on_change=stage_uploads,
    args=(uploader_key,),
)
if STAGE_ERROR in st.session_state:
    show_user_error(st.session_state[STAGE_ERROR])
staged = st.session_state.get(STAGED) or {"folder": None, "files": {}}
staged_names = sorted(staged["files"].values())
if staged_names:
    st.caption("In the workspace, ready to import: " + ", ".join(md_code(n) for n in staged_names))
if st.session_state.pop("_imp_clear_name", False):
    st.session_state["imp_name"] = ""
name = st.text_input("Model name (optional)", key="imp_name", placeholder="defaults to the file name")
if st.button("Import", type="primary", disabled=not staged_names, key="imp_import"):
    start_job(
        "import",
        "core.importer.jobs:import_job",
        {"upload_dir": staged["folder"], "name": name.strip() or None},
        target=", ".join(staged_names)[:200],
        key=IMPORT_JOB,
    )
    st.session_state.pop(STAGED, None)
    st.session_state[UPLOADER_ROUND] = round_number + 1  # a fresh, empty uploader
    st.session_state["_imp_clear_name"] = True  # and no stale name for the next model (set before the widget)
    st.rerun()

finished_import = job_panel(IMPORT_JOB, show_log=False)
if finished_import is not None and finished_import.state == "done" and finished_import.result:
    imported_id = finished_import.result["model_id"]
    if st.session_state.get("imp_seen_import") != finished_import.id:
        st.session_state["imp_seen_import"] = finished_import.id
        st.session_state[MODEL_KEY] = imported_id
    for model in finished_import.result["models"]:
        st.success(f"Imported **{md_text(model['name'])}** ({model['kind']})." + (" Convert it below." if model["needs_conversion"] else " It is an IR already: it is ready to use."))
        for warning in model["warnings"]:
            st.warning(md_text(warning))

# --- 2. model card --------------------------------------------------------------------------

models = list_models()
if not models:
    st.info("No models yet: upload one above.")
    st.stop()
by_id: dict[int, Model] = {m.id: m for m in models}
ids = list(by_id)
link = links.incoming("import")  # ?model=2
link_model, problem = links.parse_id(link.get("model"), "model")
if link_model is not None and link_model not in by_id:
    problem = f"There is no model #{link_model} in this workspace."
elif link_model is not None:
    st.session_state[MODEL_KEY] = link_model
links.show_problems([problem or ""])
if st.session_state.get(MODEL_KEY) not in by_id:
    st.session_state[MODEL_KEY] = ids[-1]
st.subheader("2 · Model")
model_id = st.selectbox(
    "Model",
    ids,
    key=MODEL_KEY,
    format_func=lambda i: f"{by_id[i].name} · {by_id[i].source_format} · #{i}",
)
model = by_id[model_id]
links.publish("import", model=model_id)
card: dict[str, Any] = (model.info or {}).get("card") or {}
if card:
    render_card(card, key=f"imp-card-{model_id}")
for warning in (model.info or {}).get("warnings", []):
    st.caption(f"Note: {md_text(warning)}")

# --- 3. convert -----------------------------------------------------------------------------

st.subheader("3 · Convert to OpenVINO IR")
if not (model.info or {}).get("source"):
    st.info("This model has no original files stored (it was made by another feature), so it cannot be converted here.")
else:
    inputs = card.get("inputs", [])
    with st.form(key=f"imp_convert_form_{model_id}"):
        st.markdown("**Input shapes** — keep `?` for dynamic dimensions, e.g. `1,3,224,224` or `1 3 224 224` for static, `?,3,224,224` for dynamic batch, `1..8` for a range.")
        shape_values = {}
        for index, port in enumerate(inputs):
            current = port["shape"].strip("[]")
            shape_values[port["name"] or str(index)] = st.text_input(
                f"Shape of {md_code(port['name'] or index)} ({port['type']})",
                value="" if current == "..." else current,
                key=f"imp_shape_{model_id}_{index}",
                placeholder="no known shape: set one, e.g. 1,3,224,224",
            )
        left, right = st.columns(2)
        layout_text = left.text_input("Layout", key=f"imp_layout_{model_id}", placeholder="e.g. NCHW or NHWC (needed for mean/scale when not guessable)")
        precision = right.radio("Weights", ["FP32", "FP16"], horizontal=True, key=f"imp_precision_{model_id}", help=fp16_weights_help())
        st.markdown(
            "**Preprocessing embedded in the IR** (Model Optimizer semantics: channels are reversed first, then the mean "
            "is subtracted and the result divided by the scale, both in the model's channel order)."
        )
        preset = st.checkbox("ImageNet normalisation (mean 123.675,116.28,103.53 / scale 58.395,57.12,57.375)", key=f"imp_imagenet_{model_id}")
        c1, c2 = st.columns(2)
        mean_text = c1.text_input("Mean values", key=f"imp_mean_{model_id}", placeholder="e.g. 123.675,116.28,103.53 or name[...]")
        scale_text = c2.text_input("Scale values", key=f"imp_scale_{model_id}", placeholder="e.g. 58.395,57.12,57.375 or name[...]")
        reverse = st.checkbox("Reverse input channels (RGB ↔ BGR): the IR then takes BGR images as OpenCV reads them", key=f"imp_reverse_{model_id}")
        with st.expander("Cut the graph (advanced)"):
            output_names = [o["name"] for o in card.get("outputs", []) if o["name"]]
            keep_outputs = st.multiselect("Keep only these outputs", output_names, key=f"imp_outputs_{model_id}")
            cut_inputs = st.text_input("Start at these tensors instead of the inputs (comma-separated names)", key=f"imp_cut_{model_id}")
        reference = reference_for(model.source_format)
        runtime = reference.available() if reference is not None else None
        if runtime is not None:
            check_help = f"Runs {runtime[1]} on the original model and compares its outputs with the IR's (f32 compute)."
        else:
            check_help = (reference.missing_reason() if reference else "not checked: there is no reference runtime for this source format") + "."
        run_check = st.checkbox(
            "Conversion check: run the original in its own runtime and the IR with f32 compute, and compare",
            value=runtime is not None,
            key=f"imp_check_{model_id}",
            help=check_help,
        )
        submitted = st.form_submit_button("Convert", type="primary")
    if submitted:
        try:
            specs = []
            for index, port in enumerate(inputs):
                text = shape_values[port["name"] or str(index)].strip()
                original = port["shape"].strip("[]")
                shape = check_shape_text(text, port["name"] or f"input {index}") if text else None
                if shape and shape != original.replace(" ", ""):  # ovc's reading: "1 3 224 224" is four dims
                    specs.append(InputSpec(port["name"] or None, shape))
            if cut_inputs.strip():
                specs = [InputSpec(n, None) for n in split_top_level(cut_inputs)]
            elif specs and len(specs) < len(inputs) and any(s.name is None for s in specs):
                raise UserError("Inputs without names need all shapes given.")
            mean_text_final = IMAGENET[0] if preset and not mean_text.strip() else mean_text
            scale_text_final = IMAGENET[1] if preset and not scale_text.strip() else scale_text
            options = ConvertOptions(
                inputs=specs,
                outputs=list(keep_outputs),
                layout=parse_layout(layout_text.strip() or None),
                mean_values=parse_values(mean_text_final.strip() or None, "mean values"),
                scale_values=parse_values(scale_text_final.strip() or None, "scale values"),
                reverse_channels=reverse,
                compress_to_fp16=precision == "FP16",
                name=None,
            )
        except UserError as error:
            show_user_error(error)
        else:
            start_job(
                "convert",
                "core.convert.jobs:convert_job",
                {"model_id": model_id, "options": options.to_params(), "run_check": bool(run_check)},
                target=f"{model.name}: {options.summary()}"[:290],
                key=CONVERT_JOB,
            )
            st.rerun()

finished = job_panel(CONVERT_JOB)
if finished is not None and finished.state == "done" and finished.result:
    st.success(f"Converted in {finished.result['seconds']:.2f} s → variant #{finished.result['variant_id']} ({finished.result['precision']}).")

# --- 4. variants: card, check, download -----------------------------------------------------

variants: list[Variant] = list(model.variants)
st.subheader("4 · IR variants of this model")
if not variants:
    st.caption("None yet: convert the model above.")
    st.stop()
last_job = get_job(st.session_state[CONVERT_JOB]) if st.session_state.get(CONVERT_JOB) else None
default_variant = last_job.result.get("variant_id") if last_job is not None and last_job.result else None
variant_ids = [v.id for v in variants]
variant_by_id = {v.id: v for v in variants}
chosen = st.selectbox(
    "Variant",
    variant_ids,
    index=variant_ids.index(default_variant) if default_variant in variant_by_id else len(variant_ids) - 1,
    format_func=lambda i: f"#{i} · {variant_by_id[i].name} · {variant_by_id[i].size_bytes / 1e6:.2f} MB",
    key=f"imp_variant_{model_id}",
)
variant = variant_by_id[chosen]
xml = variant_xml(variant)
st.download_button(
    "Download IR (.xml + .bin as .zip)",
    data=lambda: ir_zip_bytes(xml),
    file_name=f"{xml.stem}_{variant.precision}.zip",
    mime="application/zip",
    key=f"imp_download_{variant.id}",
    on_click="ignore",
)
params = variant.params or {}
render_check(params.get("conversion_check"))
if variant.card:
    render_card(variant.card, key=f"imp-variant-card-{variant.id}", show_check=False)
if params.get("options"):
    with st.expander("Conversion options and log"):
        st.json(params["options"], expanded=False)
        st.code("\n".join(params.get("log", [])) or "(no log)", language="log")
