"""Targets: the machines jobs can measure on — this one and the lab machines that joined.

A thin view over `core.targets`: whether the app listens for targets (and how safely), every
machine with its state, CPU, memory, OpenVINO and devices as that host reported them, and the
two steps that add one (the certificate bundle, the join command). Everything a host reports
is shown as text (dataframe cells, st.text, st.json), never as Markdown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.config import get_settings
from core.errors import UserError
from core.targets import LOCAL_NAME, cluster_state, create_certs, join_command, list_targets, start_listening
from core.cluster.certs import AppCerts, default_certs_dir
from core.cluster.names import check_name
from core.targets.summary import device_rows, simd_flags, table_row
from pages.ui.frame import page_setup
from pages.ui.jobs import show_error
from pages.ui.text import error_text, md_text, plural

page_setup("Targets", "The machines a job can measure on: this one, and lab machines that joined with one command.")

REFRESH_S = 3.0
EXAMPLE_LISTEN = "tls://0.0.0.0:8786"
NAME_KEY = "targets_new_name"
CERTS_DONE_KEY = "_targets_certs_made"
TEXT = st.column_config.TextColumn
TABLE_COLUMNS = {
    "Name": TEXT("Name", width="small", pinned=True),
    "Last seen": TEXT("Last seen", width="medium", help="UTC, by the database's clock"),
    "Cores": TEXT("Cores", help="usable by measurements (of the machine's logical cores)"),
    "SIMD flags": TEXT("SIMD flags", width="large", help="vector and matrix ISA flags the host's CPU reports"),
}
STATE_BADGES = {"online": ":green-badge[online]", "busy": ":blue-badge[busy]", "lost": ":red-badge[lost]"}


@st.cache_resource(show_spinner="Starting the cluster that targets join…")
def _start_listening(listen: str, workspace: str) -> None:
    """The app's cluster listens once it exists (core.targets.start_listening): once per address
    and workspace, in case nothing started it yet (no job so far)."""
    start_listening()


def ensure_listening() -> tuple[dict[str, Any] | None, str | None]:
    """(cluster state, error): start the listening cluster if configured and not yet running."""
    settings = get_settings()
    state = cluster_state()
    if state is None and settings.cluster_listen and not settings.dask_scheduler:
        try:
            _start_listening(settings.cluster_listen, str(settings.workspace))
        except UserError as exc:
            _start_listening.clear()
            return None, error_text(exc.message, exc.hint)
        except Exception as exc:  # noqa: BLE001 - port taken, bad certificates: say it, keep the page
            _start_listening.clear()
            return None, md_text(f"The cluster could not listen on {settings.cluster_listen}: {exc}")
        state = cluster_state()
    return state, None


def certs_folder(state: dict[str, Any] | None) -> AppCerts:
    settings = get_settings()
    return AppCerts(Path((state or {}).get("certs") or settings.cluster_certs or default_certs_dir()))


def listening_status(state: dict[str, Any] | None, error: str | None) -> None:
    if error:
        st.error(error)
        return
    if state is None:
        st.info(f"Not listening for targets: set OVWB_CLUSTER_LISTEN={EXAMPLE_LISTEN} and restart the app "
                "(jobs then measure on this machine or on any machine that joins).")
        return
    address = state["listen"]
    if state.get("insecure"):
        reach = ("only from this machine (loopback)" if state.get("loopback_only")
                 else "from the network, WITHOUT encryption or certificates")
        st.warning(f"WARNING: listening on plain {md_text(address)}, {reach}: anyone who reaches this address can "
                   "run code on this machine and on every target. Use tls:// with the certificates of "
                   "`python -m core cluster certs`.")
    else:
        st.success(f"Listening for targets on {md_text(address)} with TLS: only machines holding a certificate "
                   "signed by this workbench's cluster CA can join.")


def target_details(target: dict[str, Any]) -> None:
    """What a host reported, in an expander per machine: devices, properties, all CPU flags."""
    info = target.get("info") or {}
    title = f"{md_text(target['name'])} — {plural(len(target.get('devices') or []), 'device')} and their properties"
    with st.expander(title, key=f"targets_details_{target['name']}"):
        st.markdown(STATE_BADGES.get(target["state"], md_text(target["state"])))
        if target.get("address"):
            st.text(f"Worker address: {target['address']}" + ("  (plain tcp)" if target.get("insecure") else ""))
        devices = device_rows(target)
        if devices:
            st.dataframe(pd.DataFrame(devices), hide_index=True, width="stretch")
        for device in info.get("devices") or []:
            if device.get("compute_summary"):
                st.text(device["compute_summary"])
            st.text(f"{device.get('device')} properties:")
            st.json(device.get("properties") or {}, expanded=False)
        flags = info.get("cpu_flags") or []
        st.text(f"SIMD flags: {' '.join(simd_flags(flags)) or 'none reported'}")
        st.text(f"All CPU flags ({len(flags)}): {' '.join(flags)}")


@st.fragment(run_every=REFRESH_S)
def machines() -> None:
    try:
        targets = list_targets()
    except UserError as exc:
        show_error(exc)
        return
    counts = {state: sum(t["state"] == state for t in targets if t["name"] != LOCAL_NAME)
              for state in ("online", "busy", "lost")}
    remote = len(targets) - 1
    st.caption(f"This machine and {plural(remote, 'target')}: {counts['online']} online, {counts['busy']} busy, "
               f"{counts['lost']} lost · refreshed every {REFRESH_S:g} s")
    st.dataframe(pd.DataFrame([table_row(t) for t in targets]), hide_index=True, width="stretch",
                 key="targets_table", column_config=TABLE_COLUMNS)
    for target in targets:
        target_details(target)


def add_target(state: dict[str, Any] | None) -> None:
    st.subheader("Add a target")
    certs = certs_folder(state)
    tls = state is None or str(state.get("listen", "")).startswith("tls://")
    st.markdown("**1. Certificates.** The app's cluster admits only machines holding a certificate signed by its own CA.")
    st.code("python -m core cluster certs", language="bash")
    made = st.session_state.pop(CERTS_DONE_KEY, None)
    if made:
        st.success("Certificates made.")
    if certs.ca.exists():
        st.text(f"Certificates: {certs.folder}\nTarget bundle to copy to each lab machine: {certs.target_bundle}")
    elif tls:
        st.caption("No certificates yet.")
        if st.button("Make the certificates", key="targets_make_certs", type="primary"):
            try:
                create_certs(certs.folder)
            except UserError as exc:
                show_error(exc)
            else:
                st.session_state[CERTS_DONE_KEY] = True
                st.rerun()
    st.markdown("**2. Join.** Copy the target bundle folder to the lab machine (e.g. `scp -r`), get this "
                "project there with its requirements installed, and run from its folder (FOLDER = where the "
                "bundle is; add `--check` to test the certificates and devices first):")
    name = st.text_input("Target name", value="edge-box", key=NAME_KEY, max_chars=63,
                         help="How the app shows that machine: letters, digits, '.', '_' or '-'.")
    try:
        check_name(name)
    except UserError as exc:
        show_error(exc)
        return
    st.code(join_command(name), language="bash", wrap_lines=True)
    if state is None:
        st.caption("The address becomes this app's once it listens (OVWB_CLUSTER_LISTEN).")
    else:
        st.caption("It shows up above as online within seconds; it runs until stopped (Ctrl+C) and rejoins by itself "
                   "when the app restarts. Its work folder is ~/.cache/ovwb-target/NAME (--dir to change).")


state, error = ensure_listening()
listening_status(state, error)
st.subheader("Machines")
machines()
add_target(state)
