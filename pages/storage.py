"""Storage: what uses disk in the workspace, and deleting models, variants, datasets, results.

A thin view over `core.storage`: sizes by area and by item, then a delete that first shows
everything it would take along (variants made from a variant, their results) and asks for
it explicitly. Names from models and files are shown only in table cells and option labels
(plain text), never as Markdown.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.errors import UserError
from core.storage import KINDS, delete_item, delete_plan, storage_report, sweep_abandoned
from pages.ui.frame import page_setup
from pages.ui.jobs import show_error
from pages.ui.text import plural

page_setup("Storage", "What uses disk in this workspace, and deleting what you no longer need (with what depends on it).")

MB = 1024 * 1024
DONE_KEY = "storage_done"  # what the last delete or sweep did, shown once after its rerun


def mb(size: int) -> float:
    return round(size / MB, 2)


def overview(report: dict[str, Any]) -> None:
    left, middle, right = st.columns(3)
    left.metric("Workspace", f"{mb(report['total_bytes']):,.1f} MB")
    middle.metric("Free on this disk", f"{report['free_bytes'] / MB / 1024:,.1f} GB")
    right.metric("Abandoned uploads", f"{mb(sum(u['bytes'] for u in report['abandoned_uploads'])):,.1f} MB")
    st.text(f"Workspace folder: {report['workspace']}")
    if DONE_KEY in st.session_state:
        st.success(st.session_state.pop(DONE_KEY))


def item_tables(report: dict[str, Any]) -> None:
    st.subheader("By area")
    st.dataframe(pd.DataFrame([{"Area": a["area"], "Size MB": mb(a["bytes"])} for a in report["areas"]]),
                 hide_index=True, width="stretch")
    tables = {
        "Models": [{"Id": m["id"], "Name": m["name"], "Format": m["format"], "Size MB": mb(m["bytes"]),
                    "Variants": ", ".join(f"#{v}" for v in m["variants"])} for m in report["models"]],
        "Variants": [{"Id": v["id"], "Model": v["model_id"], "Name": v["name"], "Precision": v["precision"],
                      "Size MB": mb(v["bytes"]), "Made from": v["parent_id"],
                      "Children": ", ".join(f"#{c}" for c in v["children"]),
                      "Results": ", ".join(f"#{r}" for r in v["results"])} for v in report["variants"]],
        "Datasets": [{"Id": d["id"], "Name": d["name"], "Kind": d["kind"], "Items": d["items"], "Size MB": mb(d["bytes"]),
                      "Used by results": ", ".join(f"#{r}" for r in d["used_by_results"])} for d in report["datasets"]],
        "Results": [{"Id": r["id"], "Kind": r["kind"], "Variant": r["variant_id"], "Device": r["device"],
                     "Measured": r["created_at"]} for r in report["results"]],
    }
    for tab, (title, rows) in zip(st.tabs(list(tables)), tables.items()):
        with tab:
            if rows:
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            else:
                st.caption(f"No {title.lower()}.")


def delete_labels(report: dict[str, Any]) -> dict[str, dict[int, str]]:
    return {
        "model": {m["id"]: f"#{m['id']} {m['name']} · {mb(m['bytes'])} MB" for m in report["models"]},
        "variant": {v["id"]: f"#{v['id']} {v['name']} ({v['precision']}) · {mb(v['bytes'])} MB" for v in report["variants"]},
        "dataset": {d["id"]: f"#{d['id']} {d['name']} · {mb(d['bytes'])} MB" for d in report["datasets"]},
        "result": {r["id"]: f"#{r['id']} {r['kind']} of variant {r['variant_id']}" for r in report["results"]},
    }


def show_plan(plan: dict[str, Any]) -> None:
    """Everything a delete takes along, before anything is deleted."""
    removes = ([("Model", f"#{i}") for i in plan["models"]] + [("Variant", f"#{i}") for i in plan["variants"]]
               + [("Dataset", f"#{i}") for i in plan["datasets"]] + [("Result", f"#{i}") for i in plan["results"]]
               + [("Folder", f) for f in plan["folders"]] + [("File", f) for f in plan["files"]])
    st.caption(f"Deleting this removes {plural(len(removes), 'item')} and frees {mb(plan['bytes']):,.2f} MB:")
    st.dataframe(pd.DataFrame(removes, columns=["What", "Which"]), hide_index=True, width="stretch")
    if plan["kept_results"]:
        st.caption("Results measured with this dataset stay (they keep their numbers): "
                   + ", ".join(f"#{r}" for r in plan["kept_results"]))
    if plan["blocked_by_jobs"]:
        st.warning("In use by job(s) " + ", ".join(f"#{j}" for j in plan["blocked_by_jobs"])
                   + ": wait for them or cancel them on the Jobs page first.")


def delete_form(labels: dict[str, dict[int, str]]) -> None:
    st.subheader("Delete")
    kind = st.radio("What", KINDS, horizontal=True, key="storage_kind", format_func=str.capitalize)
    options = list(labels[kind])
    if not options:
        st.caption(f"No {kind}s to delete.")
        return
    item_id = st.selectbox(kind.capitalize(), options, format_func=lambda i: labels[kind][i], key=f"storage_{kind}_id")
    try:
        plan = delete_plan(kind, item_id)
    except UserError as error:
        show_error(error)
        st.stop()
    show_plan(plan)
    dependants = plan["dependants"]["variants"] + plan["dependants"]["results"]
    confirm = True
    if dependants:
        confirm = st.checkbox(
            f"Also delete what depends on it: {plural(len(plan['dependants']['variants']), 'variant')} made from it "
            f"and {plural(len(plan['dependants']['results']), 'result')}", key=f"storage_confirm_{kind}_{item_id}")
    if st.button("Delete", type="primary", disabled=bool(plan["blocked_by_jobs"]) or not confirm, key="storage_delete"):
        try:
            done = delete_item(kind, item_id, with_dependants=bool(dependants))
        except UserError as error:
            show_error(error)
        else:
            st.session_state[DONE_KEY] = f"Deleted {kind} #{item_id}; freed {mb(done['bytes']):,.2f} MB."
            st.rerun()


def abandoned_uploads(uploads: list[dict[str, Any]]) -> None:
    st.subheader("Abandoned uploads")
    if not uploads:
        st.caption("None.")
        return
    st.dataframe(pd.DataFrame([{"Folder": u["folder"], "Size MB": mb(u["bytes"]), "Age h": u["age_h"]} for u in uploads]),
                 hide_index=True, width="stretch")
    st.caption("Uploads no model or job uses (abandoned import stages, interrupted dataset uploads). "
               "They are removed at start-up after 6 h; here after 1 h.")
    if st.button("Remove those older than 1 h", key="storage_sweep"):
        swept = sweep_abandoned(3600)
        st.session_state[DONE_KEY] = (f"Removed {plural(len(swept['removed_uploads']), 'folder')}, "
                                      f"{mb(swept['freed_bytes']):,.2f} MB.")
        st.rerun()


report = storage_report()
overview(report)
item_tables(report)
delete_form(delete_labels(report))
abandoned_uploads(report["abandoned_uploads"])
