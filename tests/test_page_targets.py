"""AppTest of the Targets page through the real router: not listening, listening with TLS and a
real target process joined (then lost), plain tcp on loopback (a warning), and a host report
whose strings look like Markdown (shown as text)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port, open_page, page_text
from test_targets import Target, wait_state

PAGE = "pages/targets.py"


def _table(at):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if "State" in df.value.columns)


def _markdown_sources(at) -> str:  # type: ignore[no-untyped-def]
    """Everything the page sent through Markdown (as written, before rendering)."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader", "title"):
        parts.extend(str(e.value) for e in getattr(at, kind, []))
    parts.extend(str(e.label) for e in at.expander)
    return "\n".join(parts)


def test_not_listening_says_how_and_shows_this_machine(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OVWB_CLUSTER_LISTEN", raising=False)
    at = open_page(PAGE)
    assert not at.exception, at.exception
    text = page_text(at)
    assert "Not listening for targets: set OVWB_CLUSTER_LISTEN=tls://0.0.0.0:8786 and restart" in text
    table = _table(at)
    assert table.iloc[0]["Name"] == "local" and table.iloc[0]["State"] == "online"
    from core.system_info import cpu_model

    assert table.iloc[0]["CPU"] == cpu_model() and table.iloc[0]["OpenVINO"]
    assert "CPU" in table.iloc[0]["Devices"]
    # the join command follows the typed name; a bad name is refused with the rule
    assert "python -m core target join tls://APP-HOST:8786 --name edge-box --certs FOLDER" in text
    at.text_input(key="targets_new_name").set_value("lab-2").run()
    assert "--name lab-2 --certs FOLDER" in page_text(at)
    at.text_input(key="targets_new_name").set_value("two words").run()
    assert "'two words' is not a usable target name." in page_text(at)
    assert not [c for c in at.code if "target join" in str(c.value)]
    # the certificate step: made by the button, the bundle's folder named
    certs = workspace / "cluster" / "certs"
    assert not (certs / "ca.pem").exists()
    at.button(key="targets_make_certs").click().run()
    assert not at.exception, at.exception
    assert (certs / "target" / "target.pem").is_file()
    text = page_text(at)
    assert "Certificates made." in text and f"Target bundle to copy to each lab machine: {certs / 'target'}" in text
    assert not [b for b in at.button if b.key == "targets_make_certs"]


@pytest.fixture(scope="module")
def listening(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app's cluster listening with TLS on loopback, and one real target process joined."""
    from core.jobs.cluster import get_client, shutdown_client
    from core.store import init_db
    from core.targets import create_certs

    base = tmp_path_factory.mktemp("targets-page")
    port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OVWB_WORKSPACE", str(base / "workspace"))
        patch.setenv("OVWB_NO_SAMPLE", "1")
        patch.setenv("OVWB_DASK_WORKERS", "1")
        patch.setenv("OVWB_CLUSTER_LISTEN", f"tls://127.0.0.1:{port}")
        for name in ("OVWB_DATABASE_URL", "OVWB_DASK_SCHEDULER", "OVWB_CLUSTER_INSECURE", "OVWB_CLUSTER_CERTS"):
            patch.delenv(name, raising=False)
        init_db()
        made = create_certs()
        bundle = base / "lab" / "bundle"
        shutil.copytree(made["target_bundle"], bundle)
        shutdown_client()
        get_client()
        target = Target("bench-1", f"tls://127.0.0.1:{port}", bundle, base / "lab" / "bench-1").start()
        try:
            wait_state("bench-1", "online", target=target)
            yield {"port": port, "target": target, "certs": Path(made["folder"])}
        finally:
            target.stop()
            shutdown_client()


def test_accuracy_on_the_target_picked_on_the_optimize_page(listening: dict[str, Any]) -> None:
    """The accuracy step offers the joined target, the devices it reported and their compute
    precisions; the job measures there and the page says where the figure was computed."""
    from core.jobs import wait_for_job
    from core.sample import seed_sample
    from core.store import Result, session_scope

    seed_sample()
    at = open_page("pages/optimize.py")
    assert not at.exception, at.exception
    labelled = next(o for o in at.selectbox(key="optimize_dataset").options if "rotated" in o)
    at.radio(key="optimize_method").set_value("fp16").run()
    at.selectbox(key="optimize_dataset").select(labelled).run()
    picker = at.selectbox(key="accuracy_target")
    assert picker.value == "local" and "bench-1" in picker.options[1]
    picker.set_value("bench-1").run()
    assert "CPU" in at.selectbox(key="accuracy_device").options
    assert at.selectbox(key="accuracy_compute").value == "f32"
    at.button(key="accuracy_start").click().run()
    job = wait_for_job(at.session_state["optimize_accuracy_job"], timeout_s=180)
    assert job.state == "done", (job.error, job.error_hint)
    assert job.host == "bench-1"
    at.run()
    assert not at.exception, at.exception
    with session_scope() as s:
        stored = s.get(Result, job.result["result_id"])
        assert stored.machine["target"] == "bench-1" and stored.config["target"] == "bench-1"
    assert "(read back from the compiled model) on CPU of target bench-1" in page_text(at)


def test_listening_with_tls_lists_the_joined_target_then_lost(listening: dict[str, Any]) -> None:
    at = open_page(PAGE)
    assert not at.exception, at.exception
    port = listening["port"]
    text = page_text(at)
    assert f"Listening for targets on tls://127.0.0.1:{port} with TLS" in text
    assert "WARNING" not in text
    assert f"python -m core target join tls://127.0.0.1:{port} --name edge-box --certs FOLDER" in text
    assert f"Target bundle to copy to each lab machine: {listening['certs'] / 'target'}" in text
    table = _table(at)
    assert list(table["Name"]) == ["local", "bench-1"]
    row = table.iloc[1]
    assert row["State"] == "online" and row["Last seen"].startswith("seen ")
    assert row["CPU"] != "?" and row["OpenVINO"] != "?" and "CPU" in row["Devices"] and row["Memory"].endswith("GB")
    assert "1 target: 1 online, 0 busy, 0 lost" in text
    labels = [e.label for e in at.expander]
    assert any(label.startswith("bench") and "device" in label for label in labels), labels
    # the target's device report: a device table and its properties
    devices = [df.value for df in at.dataframe if "Default compute" in df.value.columns]
    assert len(devices) == 2 and all("CPU" in list(d["Device"]) for d in devices)
    assert at.json  # device properties

    listening["target"].stop()
    wait_state("bench-1", "lost", timeout_s=60)
    at.run()
    row = _table(at).iloc[1]
    assert row["State"] == "lost" and row["Last seen"].startswith("lost at ")
    assert "1 target: 0 online, 0 busy, 1 lost" in page_text(at)


def test_plain_tcp_on_loopback_is_a_visible_warning(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.jobs.cluster import shutdown_client

    port = free_port()
    monkeypatch.setenv("OVWB_CLUSTER_LISTEN", f"tcp://127.0.0.1:{port}")
    monkeypatch.setenv("OVWB_DASK_WORKERS", "1")
    shutdown_client()
    try:
        at = open_page(PAGE)  # the page starts the listening cluster itself
        assert not at.exception, at.exception
        warning = "\n".join(str(w.value) for w in at.warning)
        assert "WARNING: listening on plain tcp" in warning and "anyone who reaches this address can run code" in warning
        assert "only from this machine (loopback)" in warning
        assert f"python -m core target join tcp://127.0.0.1:{port} --name edge-box" in page_text(at)
    finally:
        shutdown_client()


def test_a_refused_listen_address_is_an_error_on_the_page(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVWB_CLUSTER_LISTEN", "tcp://0.0.0.0:0")
    monkeypatch.delenv("OVWB_CLUSTER_INSECURE", raising=False)
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert "Plain tcp:// on 0.0.0.0 is refused" in page_text(at)


def test_host_report_strings_are_text_never_markdown(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A joined host chooses its own CPU name, host name and device names: none of it may render."""
    from core.store import session_scope
    from core.store.models import Target as TargetRow

    monkeypatch.delenv("OVWB_CLUSTER_LISTEN", raising=False)
    hostile = "![x](http://192.0.2.1/i.png) **bold** :red[red] `code`"
    info = {"machine": {"cpu": hostile, "cpu_count": 4, "openvino": hostile, "host": hostile}, "hostname": hostile,
            "cpu_flags": ["avx2", hostile], "usable_cpus": 4, "memory_mb": 4096,
            "devices": [{"device": "CPU", "full_name": hostile, "capabilities": [hostile], "properties": {"X": hostile},
                         "compute": {"native": ["f32"], "default": "f32"}, "compute_summary": hostile}]}
    with session_scope() as s:
        s.add(TargetRow(name="odd_box-1.lab", address="tls://192.0.2.5:1234", info=info))
    at = open_page(PAGE)
    assert not at.exception, at.exception
    row = _table(at).iloc[1]
    assert row["Name"] == "odd_box-1.lab" and row["CPU"] == hostile and row["State"] == "lost"
    assert row["Last seen"] == "not connected (app not listening)"
    assert hostile not in _markdown_sources(at)
    assert any(hostile in str(t.value) for t in at.text)
