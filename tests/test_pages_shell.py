"""AppTest of the shell pages (home, jobs) through the real router."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from core.jobs import run_job_inline
from core.sample import seed_sample
from tests.conftest import open_page, page_text


def test_home_shows_versions_devices_models_and_jobs(workspace: Path) -> None:
    seed_sample()
    run_job_inline("test", "tests.jobfns:count", {"steps": 1}, target="warm-up")
    at = open_page()
    assert not at.exception, at.exception
    text = page_text(at)
    assert f"OpenVINO {metadata.version('openvino')}" in text and f"NNCF {metadata.version('nncf')}" in text  # what is installed
    assert "CPU" in text and "Capabilities" in text and "Streams:" in text
    from core.precision import compute_summary, device_compute

    facts = device_compute("CPU")  # what the device reports, on whatever CPU runs this
    assert compute_summary("CPU") in text and f"default `{facts['default']}`" in text
    assert all(f"`{p}`" in text for p in facts["native"])
    assert "**Document orientation (sample)** · ONNX · classification" in text
    assert "FP32 (converted)" in text
    jobs = next(df.value for df in at.dataframe if "Job" in df.value.columns)
    assert jobs["State"].iloc[0] == "done"


def test_jobs_page_shows_a_failed_job_in_words_with_its_log(workspace: Path) -> None:
    run_job_inline("test", "tests.jobfns:fail_for_user", target="images")
    at = open_page("pages/jobs.py")
    assert not at.exception, at.exception
    assert "The input has 4 channels, the model wants 3." in page_text(at)
    assert any("Full log" in e.label for e in at.expander)


def test_every_page_renders_through_the_router(workspace: Path) -> None:
    for page in ["pages/home.py", "pages/import.py", "pages/optimize.py", "pages/graph.py",
                 "pages/benchmark.py", "pages/compare.py", "pages/jobs.py"]:
        at = open_page(page)
        assert not at.exception, (page, at.exception)
        assert at.title, page

