"""Import & convert: upload model files or archives, see the card, convert to IR, check, download.

Uploads are staged in the workspace at once by core (Streamlit keeps them in memory only for
this session); reading the model and converting run as jobs (ImportRequest, ConvertRequest),
never in this script. The convert form is built from ConvertRequest's options.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.config import get_settings
from core.convert.export import ir_zip_bytes
from core.convert.references import reference_for
from core.convert.requests import ConvertRequest, form_inputs
from core.errors import UserError
from core.importer import format_support
from core.importer.requests import ImportRequest, stage_uploads
from core.jobs import get_job
from core.precision import device_compute
from core.store import Model, Variant
from core.variants import list_models, variant_xml
from pages.ui import links
from pages.ui.forms import option_widget
from pages.ui.frame import page_setup
from pages.ui.jobs import job_panel, show_error, submit_request
from pages.ui.model_card import render_card, render_check
from pages.ui.text import md_code, md_text

page_setup(
    "Import & convert",
    "Bring a model in (ONNX, OpenVINO IR, TensorFlow, TFLite, Paddle, PyTorch), see its card, "
    "convert it to OpenVINO IR and check that the IR computes the same thing.",
)

IMPORT_JOB = "imp_import_job"
CONVERT_JOB = "imp_convert_job"
MODEL_KEY = "imp_model_id"
UPLOADER_ROUND = "imp_uploader_round"
STAGED = "imp_staged_uploads"  # {"folder": workspace-relative, "files": {file_id: stored name}}
STAGE_ERROR = "imp_stage_error"
# The convert options' widget keys (per model); placeholders where the page can show an example.
CONVERT_KEYS = {"layout": "layout", "imagenet": "imagenet", "mean_values": "mean", "scale_values": "scale",
                "reverse_channels": "reverse", "run_check": "check"}
PLACEHOLDERS = {"layout": "e.g. NCHW or NHWC (needed for mean/scale when not guessable)",
                "mean_values": "e.g. 123.675,116.28,103.53 or name[...]",
                "scale_values": "e.g. 58.395,57.12,57.375 or name[...]"}


def fp16_weights_help() -> str:
    """What FP16 weights change on this device, from what the device reports (never assumed)."""
    facts = device_compute("CPU")
    default = facts["default"] or "its default precision"
    text = f"FP16 halves the file. The weights are decompressed and computed in the device default ({default})"
    if "f16" in facts["native"]:
        return text + "; this device also reports native f16 compute."
    return text + ", so FP16 weights alone do not change the speed here."


def on_upload(key: str) -> None:
    """Uploader on_change: stage the files in the workspace the moment they arrive.

    Streamlit keeps uploads in server memory only while the widget lives; a page switch drops
    them. Staged files survive that, and the Import button only names the folder. A late
    change event of an uploader replaced by "Import" is ignored (it re-staged the imported files).
    """
    if key != f"imp_uploader_{st.session_state.get(UPLOADER_ROUND, 0)}":
        return
    staged, error = stage_uploads(st.session_state.get(STAGED), st.session_state.get(key) or [])
    st.session_state.pop(STAGE_ERROR, None)
    if error is not None:
        st.session_state[STAGE_ERROR] = error
    if staged is None:
        st.session_state.pop(STAGED, None)
    else:
        st.session_state[STAGED] = staged


def upload_section(support: list[dict[str, Any]]) -> None:
    st.subheader("1 · Upload")
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
    st.file_uploader(
        "Model files or archives (select the .xml and .bin of an IR together)",
        accept_multiple_files=True,
        max_upload_size=get_settings().max_upload_mb,
        key=uploader_key,
        on_change=on_upload,
        args=(uploader_key,),
    )
    if STAGE_ERROR in st.session_state:
        show_error(st.session_state[STAGE_ERROR])
    staged = st.session_state.get(STAGED) or {"folder": None, "files": {}}
    staged_names = sorted(staged["files"].values())
    if staged_names:
        st.caption("In the workspace, ready to import: " + ", ".join(md_code(n) for n in staged_names))
    if st.session_state.pop("_imp_clear_name", False):
        st.session_state["imp_name"] = ""
    name = option_widget(ImportRequest.option("name"), "imp_name", placeholder="defaults to the file name")
    if st.button("Import", type="primary", disabled=not staged_names, key="imp_import"):
        if submit_request(ImportRequest(upload_dir=staged["folder"], name=name), IMPORT_JOB) is not None:
            st.session_state.pop(STAGED, None)
            st.session_state[UPLOADER_ROUND] = round_number + 1  # a fresh, empty uploader
            st.session_state["_imp_clear_name"] = True  # and no stale name for the next model (set before the widget)
            st.rerun()
    finished = job_panel(IMPORT_JOB, show_log=False)
    if finished is not None and finished.state == "done" and finished.result:
        if st.session_state.get("imp_seen_import") != finished.id:
            st.session_state["imp_seen_import"] = finished.id
            st.session_state[MODEL_KEY] = finished.result["model_id"]
        for model in finished.result["models"]:
            st.success(f"Imported **{md_text(model['name'])}** ({model['kind']})."
                       + (" Convert it below." if model["needs_conversion"] else " It is an IR already: it is ready to use."))
            for warning in model["warnings"]:
                st.warning(md_text(warning))


def convert_widget(name: str, model_id: int, container: Any = st, value: Any = None, **overrides: Any) -> Any:
    overrides = {"placeholder": PLACEHOLDERS[name], **overrides} if name in PLACEHOLDERS else overrides
    return option_widget(ConvertRequest.option(name), f"imp_{CONVERT_KEYS[name]}_{model_id}", value, container,
                         **overrides)


def convert_form(model: Model, card: dict[str, Any]) -> None:
    """The ConvertRequest's options for this model: a shape field per input of its card, the
    declared options, and the outputs/tensors to cut the graph at."""
    inputs = card.get("inputs", [])
    with st.form(key=f"imp_convert_form_{model.id}"):
        st.markdown("**Input shapes** — keep `?` for dynamic dimensions, e.g. `1,3,224,224` or `1 3 224 224` for static, "
                    "`?,3,224,224` for dynamic batch, `1..8` for a range.")
        shapes = []
        for index, port in enumerate(inputs):
            current = port["shape"].strip("[]")
            shapes.append(st.text_input(
                f"Shape of {md_code(port['name'] or index)} ({port['type']})", value="" if current == "..." else current,
                key=f"imp_shape_{model.id}_{index}", placeholder="no known shape: set one, e.g. 1,3,224,224"))
        left, right = st.columns(2)
        values: dict[str, Any] = {"layout": convert_widget("layout", model.id, left)}
        weights = ConvertRequest.option("compress_to_fp16").info
        values["compress_to_fp16"] = right.radio(weights.label, ["FP32", "FP16"], horizontal=True,
                                                 key=f"imp_precision_{model.id}",
                                                 help=f"{weights.help}. {fp16_weights_help()}") == "FP16"
        st.markdown(
            "**Preprocessing embedded in the IR** (Model Optimizer semantics: channels are reversed first, then the mean "
            "is subtracted and the result divided by the scale, both in the model's channel order)."
        )
        values["imagenet"] = convert_widget("imagenet", model.id)
        c1, c2 = st.columns(2)
        values["mean_values"] = convert_widget("mean_values", model.id, c1)
        values["scale_values"] = convert_widget("scale_values", model.id, c2)
        values["reverse_channels"] = convert_widget("reverse_channels", model.id)
        with st.expander("Cut the graph (advanced)"):
            output_names = [o["name"] for o in card.get("outputs", []) if o["name"]]
            outputs = st.multiselect("Keep only these outputs", output_names, key=f"imp_outputs_{model.id}")
            cut = st.text_input("Start at these tensors instead of the inputs (comma-separated names)",
                                key=f"imp_cut_{model.id}")
        reference = reference_for(model.source_format)
        runtime = reference.available() if reference is not None else None
        if runtime is not None:
            check_help = f"Runs {runtime[1]} on the original model and compares its outputs with the IR's (f32 compute)."
        else:
            check_help = (reference.missing_reason() if reference else
                          "not checked: there is no reference runtime for this source format") + "."
        check = ConvertRequest.option("run_check").info
        values["run_check"] = convert_widget("run_check", model.id, value=runtime is not None,
                                             help=f"{check.help}. {check_help}")
        submitted = st.form_submit_button("Convert", type="primary")
    if submitted:
        try:
            request = ConvertRequest(model_id=model.id, inputs=form_inputs(inputs, shapes, cut), outputs=outputs,
                                     **values)
        except UserError as error:
            show_error(error)
        else:
            if submit_request(request, CONVERT_JOB) is not None:
                st.rerun()


def pick_model(models: list[Model]) -> Model:
    """The model to show: a `?model=2` link wins, then the last import, else the newest."""
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
    model_id = st.selectbox("Model", ids, key=MODEL_KEY,
                            format_func=lambda i: f"{by_id[i].name} · {by_id[i].source_format} · #{i}")
    links.publish("import", model=model_id)
    return by_id[model_id]


def variants_section(model: Model) -> None:
    """The model's IR variants: pick one (the last converted by default), download, check, card."""
    variants: list[Variant] = list(model.variants)
    st.subheader("4 · IR variants of this model")
    if not variants:
        st.caption("None yet: convert the model above.")
        return
    last_job = get_job(st.session_state[CONVERT_JOB]) if st.session_state.get(CONVERT_JOB) else None
    default_variant = last_job.result.get("variant_id") if last_job is not None and last_job.result else None
    variant_ids = [v.id for v in variants]
    variant_by_id = {v.id: v for v in variants}
    chosen = st.selectbox(
        "Variant",
        variant_ids,
        index=variant_ids.index(default_variant) if default_variant in variant_by_id else len(variant_ids) - 1,
        format_func=lambda i: f"#{i} · {variant_by_id[i].name} · {variant_by_id[i].size_bytes / 1e6:.2f} MB",
        key=f"imp_variant_{model.id}",
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


upload_section(format_support())
models = list_models()
if not models:
    st.info("No models yet: upload one above.")
    st.stop()
model = pick_model(models)
card: dict[str, Any] = (model.info or {}).get("card") or {}
if card:
    render_card(card, key=f"imp-card-{model.id}")
for warning in (model.info or {}).get("warnings", []):
    st.caption(f"Note: {md_text(warning)}")

st.subheader("3 · Convert to OpenVINO IR")
if not (model.info or {}).get("source"):
    st.info("This model has no original files stored (it was made by another feature), so it cannot be converted here.")
else:
    convert_form(model, card)
finished = job_panel(CONVERT_JOB)
if finished is not None and finished.state == "done" and finished.result:
    st.success(f"Converted in {finished.result['seconds']:.2f} s → variant #{finished.result['variant_id']} "
               f"({finished.result['precision']}).")
variants_section(model)
