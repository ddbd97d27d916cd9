"""Issue 13 in Debian's Chromium: the app listens for targets with TLS on loopback; a user reads
the Targets page, copies the certificate bundle, runs the join command the page shows (a real
`python -m core target join` process with its own folder and nothing of the app's environment),
sees the machine appear online, benchmarks a small model on it and on this machine, reads one
comparison that names both machines, and measures a classifier's accuracy there from the
Optimize page (the labelled photos travel to the target as a sample pack)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from benchmark_models import conv_net
from orientation_data import orientation_ir, photo_paths, register_orientation_variant, write_rotated_dataset
from test_targets import benchmark_result
from tests.conftest import ROOT, choose_option, free_port, open_from_sidebar, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("patient_expect")]

NAME = "lab-box"
SETTINGS = {"device": "CPU", "hint": "throughput", "infer_precision": "f32", "duration_s": 2.0}
TALL = {"width": 1400, "height": 3000}


def _join(command: str, bundle: Path, folder: Path) -> subprocess.Popen[bytes]:
    """Run the page's join command as a user would on the lab machine: FOLDER = where the bundle
    was copied, from the project's folder, with nothing of the app's environment."""
    argv = shlex.split(command.replace("--certs FOLDER", f"--certs {shlex.quote(str(bundle))}"))
    assert argv[:5] == ["python", "-m", "core", "target", "join"], argv
    argv = [sys.executable, *argv[1:], "--dir", str(folder / "work")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVWB_")}
    env["PYTHONPATH"] = str(ROOT)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "join.log", "ab") as log:
        return subprocess.Popen(argv, cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def test_add_a_target_benchmark_on_it_and_compare(workspace: Path, server_factory, page, tmp_path: Path) -> None:
    port = free_port()
    address = f"tls://127.0.0.1:{port}"
    server = server_factory(workspace, env={"OVWB_CLUSTER_LISTEN": address, "OVWB_DASK_WORKERS": "1"})
    page.set_viewport_size(TALL)
    main = open_from_sidebar(page, server, "Targets")
    expect(main.get_by_text(f"Listening for targets on {address} with TLS")).to_be_visible(timeout=60_000)
    expect(main.get_by_text("This machine and 0 targets")).to_be_visible()

    # step 1: the bundle (the app made the certificates when it started listening)
    bundle_line = main.get_by_text("Target bundle to copy to each lab machine:")
    expect(bundle_line).to_be_visible()
    source = Path(re.search(r"Target bundle to copy to each lab machine: (\S+)", bundle_line.inner_text()).group(1))
    lab = tmp_path / "lab"
    bundle = lab / "bundle"
    shutil.copytree(source, bundle)  # the user's `scp -r`

    # step 2: a name, and the command the page shows for it
    name_box = main.get_by_label("Target name", exact=True)
    name_box.fill(NAME)
    name_box.press("Enter")
    wait_for_app(page)
    code = main.get_by_test_id("stCode").filter(has_text="target join")
    expect(code).to_contain_text(f"python -m core target join {address} --name {NAME} --certs FOLDER")
    screenshot(page, "targets-before-join")
    target = _join(code.inner_text().strip(), bundle, lab / NAME)
    try:
        expect(main.get_by_text("This machine and 1 target: 1 online")).to_be_visible(timeout=120_000)
        details = main.get_by_test_id("stExpander").filter(has_text=f"{NAME} — 1 device")
        expect(details).to_be_visible()
        details.get_by_text(f"{NAME} — 1 device").click()
        expect(details.get_by_text("online", exact=True)).to_be_visible()
        expect(details.get_by_text(re.compile(r"^CPU computes natively in"))).to_be_visible()
        expect(details.get_by_text("CPU properties:")).to_be_visible()
        screenshot(page, "targets-joined")
        assert {p.name for p in (lab / NAME / "work").iterdir()} <= {"blobs", "models", "runs", "workspace", "dask"}

        # the same IR benchmarked here (from the CLI's request) and on the target from the Benchmark page
        from core.benchmark import list_results
        from core.variants import create_model, register_variant
        from core.workspace import new_artifact_dir

        xml = conv_net(new_artifact_dir("models"), "net", dynamic_batch=False, size=48)

        model_id = create_model("conv net", "ir", task="classification")
        variant_id = register_variant(model_id, xml, precision="FP32", method="imported", name="FP32")
        local_id = benchmark_result(variant_id, "", SETTINGS)
        main = open_from_sidebar(page, server, "Benchmark & profile")
        choose_option(page, "Target machine", re.compile(rf"^{NAME} · online · CPU"))
        bench_form = main.get_by_test_id("stForm").filter(has_text="Run benchmark")
        bench_form.get_by_test_id("stSelectbox").filter(has_text="Compute precision").click()
        page.get_by_role("option", name=re.compile(r"^f32 \(exact\)")).click()
        bench_form.get_by_role("spinbutton", name="Duration (s)").fill("2")
        bench_form.get_by_role("button", name="Run benchmark").click()
        expect(main.get_by_text("Median latency").filter(visible=True).first).to_be_visible(timeout=180_000)
        screenshot(page, "targets-benchmark-page")
        remote = [r for r in list_results("benchmark") if (r.machine or {}).get("target") == NAME]
        assert len(remote) == 1 and remote[0].config["infer_precision"] == "f32", remote
        remote_id = remote[0].id
        assert (lab / NAME / "work" / "blobs").is_dir()  # the model travelled to the target's own folder

        main = open_from_sidebar(page, server, "Compare")
        recommendation = main.get_by_test_id("stAlertContentSuccess")
        expect(recommendation).to_contain_text("Recommendation")
        warning = main.get_by_test_id("stAlertContentWarning").filter(has_text="measured on 2 machines")
        expect(warning).to_contain_text(f"{NAME} (")
        expect(warning).to_contain_text("local (")
        fps_chart = main.locator(".js-plotly-plot").first
        expect(fps_chart).to_contain_text(f"CPU on {NAME}")
        expect(fps_chart.locator("g.point")).to_have_count(2)
        expect(main.get_by_text(f"On {NAME}: CPU computes natively in")).to_be_visible()
        screenshot(page, "targets-compare")
        with page.expect_download() as csv_download:
            main.get_by_role("button", name="Table (CSV)").click()
        table = Path(csv_download.value.path()).read_text()
        header, *rows = table.strip().splitlines()
        assert "Target" in header.split(",") and len(rows) == 2
        assert any(f",{NAME}," in row for row in rows) and any(",local," in row for row in rows), rows
        assert any("cross-machine ratio" in row for row in rows), rows
        assert {local_id, remote_id} == {int(row.split(",")[0]) for row in rows}

        # accuracy of a trained classifier on labelled photos, measured on the target from the Optimize page
        from core.datasets import import_dataset

        orientation = register_orientation_variant(orientation_ir(tmp_path / "orientation"))
        import_dataset(write_rotated_dataset(tmp_path / "rotated", photo_paths()[:2]))
        main = open_from_sidebar(page, server, "Optimize precision")
        choose_option(page, "Model variant to optimize", re.compile(r"orientation", re.IGNORECASE))
        main.get_by_test_id("stRadio").get_by_text("FP16 — half-precision weights").click()  # no calibration data
        wait_for_app(page)
        choose_option(page, "Data to measure accuracy with (optional)", re.compile(r"rotated"))
        choose_option(page, "Target machine", re.compile(rf"^{NAME} · online · CPU"))
        expect(main.get_by_role("combobox", name="Device", exact=True)).to_have_value("CPU")
        main.get_by_role("button", name="Measure accuracy").click()
        where = main.get_by_text(f"(read back from the compiled model) on CPU of target {NAME}")
        expect(where).to_be_visible(timeout=180_000)
        where.scroll_into_view_if_needed()
        screenshot(page, "targets-accuracy")
        from core.store import Result, session_scope

        with session_scope() as s:
            rows = [r for r in s.query(Result).filter(Result.kind == "accuracy", Result.variant_id == orientation)]
        assert len(rows) == 1 and rows[0].machine["target"] == NAME and rows[0].metrics["samples"] == 8
    finally:
        if target.poll() is None:
            os.killpg(target.pid, signal.SIGTERM)
            try:
                target.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(target.pid, signal.SIGKILL)
