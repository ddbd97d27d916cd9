"""benchmark_app / ovc command lines work with `python -m core` put in front (issue 15).

Every benchmark_app single-dash alias parses to the same settings as our long form; the
options we did not have really act (reshape, data shape, layout, pinning, cache folder,
per-layer counters); `convert` reads shapes as ovc does and takes its long options; -v works
anywhere; and the benchmark_app / ovc reproduce lines of a comparison really run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark_models import conv_net
from core.benchmark.cli import _model_of, benchmark_app_differences
from core.benchmark.cli import request_from as _settings
from core.benchmark.requests import BenchmarkRequest
from core.benchmark.settings import BenchmarkSettings
from core.cli import build_parser
from core.convert.options import check_shape_text, parse_input_specs
from core.errors import UserError
from tests.models_onnx import make_tiny_cnn_onnx, make_two_input_onnx, make_unsupported_op_onnx

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def cli(*args: str, workspace: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), OVWB_NO_SAMPLE="1", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=timeout)


def parsed(line: str):  # type: ignore[no-untyped-def]
    return build_parser().parse_args(shlex.split(line))


# (benchmark_app spelling, our long spelling) — each pair must give identical settings.
ALIASES = [
    ("-d CPU", "--device CPU"),
    ("-nstreams 2", "--nstreams 2"),
    ("-nireq 4", "--nireq 4"),
    ("-nthreads 2", "--nthreads 2"),
    ("-hint tput", "--hint throughput"),
    ("-hint throughput", "--hint throughput"),
    ("-hint ctput", "--hint cumulative_throughput"),
    ("-hint latency", "--hint latency"),
    ("-hint none", "--hint none"),
    ("-b 2", "--batch 2"),
    ("-infer_precision f32", "--infer-precision f32"),
    ("-cdir /tmp/ovwb-cache", "--cache-dir /tmp/ovwb-cache"),
    ("-shape [1,3,16,16]", "--shape [1,3,16,16]"),
    ("-data_shape image[2,3,32,32]", "--data-shape image[2,3,32,32]"),
    ("-layout [NCHW]", "--layout [NCHW]"),
    ("-pin NO", "--pin NO"),
    ("-pin YES", "--pin yes"),
    ("-api sync", "--api sync"),
    ("-t 3", "--time 3"),
    ("-niter 7", "--iterations 7"),
    ("-pc", "--perf-counts"),
    ("-pc true", "--perf-counts"),
]


@pytest.mark.parametrize(("alias", "long"), ALIASES, ids=[a for a, _ in ALIASES])
def test_benchmark_app_alias_gives_the_same_settings(alias: str, long: str) -> None:
    ours = _settings(parsed(f"benchmark net.xml {long}"))
    theirs = _settings(parsed(f"benchmark -m net.xml {alias}"))
    assert theirs == ours
    assert theirs.to_config() == ours.to_config()
    untouched = BenchmarkRequest(model_path=theirs.model_path)
    assert theirs != untouched or alias.startswith(("-d", "-hint t"))  # the option did something


def test_aliases_in_one_benchmark_app_line_and_in_profile_and_sweep() -> None:
    line = ("benchmark -m net.xml -d CPU -hint none -nstreams 2 -nireq 4 -nthreads 2 -b 1 -infer_precision f32 "
            "-cdir /tmp/c -shape [1,3,8,8] -layout [NCHW] -pin NO -api async -niter 40 -pc")
    args = parsed(line)
    settings = _settings(args)
    assert _model_of(args) == "net.xml"
    assert (settings.hint, settings.nstreams, settings.nireq, settings.nthreads, settings.batch) == ("none", 2, 4, 2, 1)
    assert (settings.infer_precision, settings.cache_dir, settings.shape, settings.layout) == ("f32", "/tmp/c", "[1,3,8,8]", "[NCHW]")
    assert (settings.pin, settings.api, settings.iterations, settings.perf_counts) == (False, "async", 40, True)
    profile = parsed("profile -m net.xml -niter 5 -hint tput -pc")
    assert profile.iterations == 5 and _settings(profile).hint == "throughput"
    sweep = parsed("sweep net.xml -nstreams 1,2 -nireq 2,4 -hint tput")
    assert _settings(sweep).nstreams_values == [1, 2] and _settings(sweep).nireq_values == [2, 4]


def test_prefixes_are_not_guessed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:  # --nstr is not silently --nstreams any more
        parsed("benchmark net.xml --nstr 2")
    assert exited.value.code == 2
    with pytest.raises(UserError, match="Two models"):
        _model_of(parsed("benchmark a.xml -m b.xml"))


def test_verbose_anywhere_on_the_line() -> None:
    assert parsed("-v benchmark net.xml").verbose is True
    assert parsed("benchmark net.xml -v").verbose is True
    assert parsed("benchmark net.xml -nstreams 2 --verbose --json").verbose is True
    assert parsed("convert model.onnx -v").verbose is True
    assert parsed("benchmark net.xml").verbose is False


def test_default_differences_are_named() -> None:
    plain = parsed("benchmark -m net.xml -hint latency")
    notes = benchmark_app_differences(plain, _settings(plain))
    assert any("60 s" in n for n in notes) and any("-api sync" in n for n in notes)
    matched = parsed("benchmark -m net.xml -hint latency -api sync -t 60")
    assert benchmark_app_differences(matched, _settings(matched)) == []


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return conv_net(tmp_path_factory.mktemp("cli-compat"), "net", dynamic_batch=True)


def test_real_benchmark_app_line_runs_and_reports(model: Path, workspace: Path) -> None:
    done = cli("benchmark", str(model), "-nstreams", "2", "-hint", "tput", "-t", "1", "-pc", "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # notes go to stderr only: stdout stays JSON (the one measurement shape)
    assert result["metrics"]["throughput_fps"] > 0 and result["metrics"]["nstreams_actual"] == 2
    stored = json.loads(cli("results", "--id", str(result["id"]), "--json", workspace=workspace).stdout)
    assert stored["config"]["hint"] == "throughput" and stored["config"]["nstreams"] == 2
    assert stored["config"]["perf_counts"] is True and stored["metrics"]["compile_config"]["PERF_COUNT"] is True
    rows = result["perf_counts"]
    assert rows == stored["metrics"]["perf_counts"]
    assert {"Convolution", "ReduceMean"} <= {row["layer_type"] for row in rows}
    assert any(row["status"] == "EXECUTED" and row["real_time_ms"] > 0 for row in rows)

    # without --json, -pc prints benchmark_app's per-layer table; -v after the command logs progress
    shown = cli("benchmark", "-m", str(model), "-niter", "16", "-pc", "-v", workspace=workspace)
    assert shown.returncode == 0, shown.stderr
    assert "Convolution" in shown.stdout and "Total time:" in shown.stdout
    assert "[100%]" in shown.stderr
    # -niter given: no duration note; the async-vs-sync note only with the latency hint
    assert "benchmark_app's default is 60 s" not in shown.stderr


def test_shape_reshapes_before_compile_and_data_shape_feeds_a_dynamic_input(model: Path, workspace: Path) -> None:
    from core.benchmark.engine import load_and_compile, run_benchmark

    quiet = lambda *_: None  # noqa: E731
    _prepared, compiled, _ms, _config = load_and_compile(
        model, BenchmarkSettings(shape="image[2,3,16,16]", infer_precision="f32"), quiet)
    assert list(compiled.inputs[0].get_shape()) == [2, 3, 16, 16]
    prepared, compiled, _ms, _config = load_and_compile(
        model, BenchmarkSettings(shape="[?,3,32,32]", data_shape="[3,3,32,32]", infer_precision="f32"), quiet)
    assert compiled.inputs[0].get_partial_shape().is_dynamic  # as benchmark_app: compiled dynamic, fed static
    assert prepared.data_shapes == {0: [3, 3, 32, 32]} and prepared.batch == 3
    metrics = run_benchmark(model, BenchmarkSettings(data_shape="[3,3,32,32]", iterations=8, infer_precision="f32"))
    assert metrics["input_shapes"] == {"image": [3, 3, 32, 32]} and metrics["batch_actual"] == 3
    with pytest.raises(UserError, match="does not fit"):
        load_and_compile(model, BenchmarkSettings(data_shape="[3,3,16,16]"), quiet)
    with pytest.raises(UserError, match="no input named"):
        load_and_compile(model, BenchmarkSettings(shape="nope[1,3,32,32]"), quiet)


def test_layout_pin_and_cache_dir_reach_the_compiled_model(model: Path, workspace: Path, tmp_path: Path) -> None:
    from core.benchmark.engine import load_and_compile

    cache = tmp_path / "ov-cache"
    prepared, compiled, _ms, config = load_and_compile(
        model, BenchmarkSettings(layout="[NCHW]", pin=False, cache_dir=str(cache), infer_precision="f32"),
        lambda *_: None)
    assert prepared.model.inputs[0].get_node().layout.to_string() == "[N,C,H,W]"
    assert config["ENABLE_CPU_PINNING"] is False and compiled.get_property("ENABLE_CPU_PINNING") is False
    assert config["CACHE_DIR"] == str(cache) and any(cache.iterdir())
    with pytest.raises(UserError, match="-pin"):
        BenchmarkSettings(device="AUTO", pin=True).check()


# --- convert: ovc's shapes and long options -------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("1 3 224 224", [(None, "1,3,224,224")]),
    ("[1,3,224,224]", [(None, "1,3,224,224")]),
    ("[1 3 224 224]", [(None, "1,3,224,224")]),
    ("1,3,224,224", [(None, "1,3,224,224")]),
    ("[1,100],[1,?]", [(None, "1,100"), (None, "1,?")]),
    ("1..8,3,-1,?", [(None, "1..8,3,?,?")]),
    ("image[1..8,3,224,224],mask", [("image", "1..8,3,224,224"), ("mask", None)]),
    ("image[1 3 224 224]", [("image", "1,3,224,224")]),
])
def test_input_shapes_read_as_ovc_reads_them(text: str, expected: list[tuple[str | None, str | None]]) -> None:
    assert [(s.name, s.shape) for s in parse_input_specs([text])] == expected


def test_shape_field_never_glues_dims() -> None:
    assert check_shape_text("1 3 224 224") == "1,3,224,224"  # was 13224224
    with pytest.raises(UserError, match="cannot be read"):
        check_shape_text("1 x 224")


def test_convert_with_ovc_options(workspace: Path, tmp_path: Path) -> None:
    two = make_two_input_onnx(tmp_path / "two")
    out = tmp_path / "out" / "renamed.xml"
    done = cli("convert", str(two), "--input", "[2,3,16,16],[2,1,?,?]", "--output_model", str(out),
               "--compress_to_fp16=False", "--no-check", "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [(i["name"], i["shape"]) for i in result["inputs"]] == [("image", "[2,3,16,16]"), ("mask", "[2,1,?,?]")]
    assert result["precision"] == "FP32" and result["xml"] == str(out) and out.with_suffix(".bin").exists()
    assert "ovc's default" not in done.stderr  # the precision was given: nothing to point out

    cnn = make_tiny_cnn_onnx(tmp_path / "cnn")
    done = cli("convert", str(cnn), "--input", "1 3 32 32", "--no-check", "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["inputs"][0]["shape"] == "[1,3,32,32]" and result["precision"] == "FP32"
    assert "ovc's default is --compress_to_fp16=True" in done.stderr
    done = cli("convert", str(cnn), "--compress_to_fp16", "--output_model", str(tmp_path / "dir") + "/",
               "--no-check", "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["precision"] == "FP16" and Path(result["xml"]).parent == tmp_path / "dir"


def _build_extension(folder: Path) -> Path:
    """A real OpenVINO frontend extension (FancyOp -> Relu), compiled against the wheel's headers."""
    import openvino

    compiler = shutil.which("g++")
    ov_dir = Path(openvino.__file__).parent
    libraries = sorted((ov_dir / "libs").glob("libopenvino.so*"))
    if compiler is None or not (ov_dir / "include" / "openvino" / "frontend").is_dir() or not libraries:
        pytest.skip("no C++ compiler or no OpenVINO headers in the wheel: cannot build an extension offline")
    source = folder / "fancy.cpp"
    source.write_text(
        "#include <openvino/core/extension.hpp>\n"
        "#include <openvino/frontend/extension/conversion.hpp>\n"
        "#include <openvino/op/relu.hpp>\n"
        "OPENVINO_CREATE_EXTENSIONS(std::vector<ov::Extension::Ptr>({\n"
        "  std::make_shared<ov::frontend::ConversionExtension>(\"FancyOp\", [](const ov::frontend::NodeContext& c) {\n"
        "    return ov::OutputVector{std::make_shared<ov::op::v0::Relu>(c.get_input(0))}; })}));\n")
    library = folder / "libfancy.so"
    subprocess.run([compiler, "-std=c++17", "-shared", "-fPIC", f"-I{ov_dir / 'include'}", str(source),
                    str(libraries[0]), f"-Wl,-rpath,{ov_dir / 'libs'}", "-o", str(library)],
                   check=True, capture_output=True, timeout=300)
    return library


def test_extension_adds_a_custom_operation(workspace: Path, tmp_path: Path) -> None:
    custom = make_unsupported_op_onnx(tmp_path / "custom", domain="")  # FancyOp: no frontend knows it
    refused = cli("convert", str(custom), "--no-check", workspace=workspace)
    assert refused.returncode == 2 and "FancyOp" in refused.stderr and "extension" in refused.stderr
    not_one = tmp_path / "libnot.so"
    not_one.write_bytes(b"not a library")
    wrong = cli("convert", str(custom), "--extension", str(not_one), "--no-check", workspace=workspace)
    assert wrong.returncode == 2 and "is not an OpenVINO extension library" in wrong.stderr
    missing = cli("convert", str(custom), "--extension", str(tmp_path / "nope.so"), "--no-check", workspace=workspace)
    assert missing.returncode == 2 and "does not exist" in missing.stderr

    library = _build_extension(tmp_path)
    done = cli("convert", str(custom), "--extension", str(library), "--compress_to_fp16=False", "--json",
               workspace=workspace)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    import openvino as ov

    types = [op.get_type_name() for op in ov.Core().read_model(result["xml"]).get_ordered_ops()]
    assert types.count("Relu") == 2 and "FancyOp" not in types  # the extension's Relu replaced FancyOp
    from core.variants import get_variant

    assert get_variant(result["variant_id"]).params["options"]["extensions"] == [str(library)]


# --- reproduce lines: benchmark_app and ovc really run ----------------------------------------

def test_reproduce_lines_run_with_benchmark_app_and_ovc(workspace: Path, tmp_path: Path) -> None:
    cnn = make_tiny_cnn_onnx(tmp_path / "cnn")
    converted = cli("convert", str(cnn), "--input", "1 3 32 32", "--compress_to_fp16=False", "--no-check", "--json",
                    workspace=workspace)
    assert converted.returncode == 0, converted.stderr
    variant_id = json.loads(converted.stdout)["variant_id"]
    done = cli("benchmark", str(variant_id), "-nstreams", "2", "-hint", "tput", "-t", "1", "-infer_precision", "f32",
               "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr
    result_id = json.loads(done.stdout)["id"]
    compared = cli("compare", str(result_id), "--json", "--html", str(tmp_path / "report.html"), workspace=workspace)
    assert compared.returncode == 0, compared.stderr
    commands = json.loads(compared.stdout)["rows"][0]["commands"]["benchmark"]
    line = commands["benchmark_app"]
    assert line.startswith("benchmark_app -m ") and "-nstreams 2" in line and "-infer_precision f32" in line
    assert "-hint none" in line and "-api async" in line and "-t 1" in line
    report = (tmp_path / "report.html").read_text()
    assert "benchmark_app -m" in report and "ovc " in report

    argv = shlex.split(line, comments=True)
    ran = subprocess.run([str(VENV_BIN / "benchmark_app"), *argv[1:]], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    fps = float(re.search(r"Throughput:\s+([\d.]+) FPS", ran.stdout).group(1))
    assert fps > 0
    assert "NUM_STREAMS: 2" in ran.stdout

    ovc_line = commands["ovc"]
    assert "--input '[1,3,32,32]'" in ovc_line and "--compress_to_fp16=False" in ovc_line
    argv = shlex.split(ovc_line, comments=True)
    made = subprocess.run([str(VENV_BIN / "ovc"), *argv[1:]], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    import openvino as ov

    remade = ov.Core().read_model(str(tmp_path / argv[argv.index("--output_model") + 1]))
    assert list(remade.inputs[0].get_shape()) == [1, 3, 32, 32]

    # the Compare page's "commands" expander shows the same lines
    from tests.conftest import open_page

    at = open_page("pages/compare.py")
    assert not at.exception, at.exception
    shown = "\n".join(str(block.value) for block in at.get("code"))
    assert commands["benchmark_app"] in shown and commands["ovc"] in shown


def test_import_page_reads_a_spaced_shape_as_four_dims(workspace: Path, tmp_path: Path) -> None:
    """The Import page's shape field uses the same reading: "1 3 32 32" is [1,3,32,32]."""
    from core.jobs import wait_for_job
    from core.variants import get_variant
    from tests.conftest import open_page
    from tests.test_page_import import _import

    at = open_page("pages/import.py")
    onnx_path = make_tiny_cnn_onnx(tmp_path)
    job = _import(at, [(onnx_path.name, onnx_path.read_bytes())])
    assert job.state == "done", job.error
    at.text_input(key=f"imp_shape_{job.result['model_id']}_0").set_value("1 3 32 32")
    next(b for b in at.button if b.label == "Convert").click().run()
    converted = wait_for_job(at.session_state["imp_convert_job"], timeout_s=180)
    assert converted.state == "done", converted.error
    variant = get_variant(converted.result["variant_id"])
    assert variant.params["options"]["inputs"] == [{"name": "image", "shape": "1,3,32,32"}]
    assert variant.card["inputs"][0]["shape"] == "[1,3,32,32]"
    at.run()
    assert not at.exception


@pytest.mark.parametrize(("line", "expected"), [
    ("convert m.onnx", None),  # ours: FP32 (a note names ovc's default)
    ("convert m.onnx --compress_to_fp16", True),
    ("convert m.onnx --compress_to_fp16=True", True),
    ("convert m.onnx --compress_to_fp16=False", False),
    ("convert m.onnx --compress_to_fp16 false", False),
    ("convert --compress-to-fp16 m.onnx", True),  # our switch never eats the file name
])
def test_compress_to_fp16_spellings(line: str, expected: bool | None) -> None:
    args = parsed(line)
    assert args.compress_to_fp16 is expected and args.sources == ["m.onnx"]


def test_pc_spellings() -> None:
    assert parsed("benchmark n.xml -pc").perf_counts is True
    assert parsed("benchmark n.xml -pc false").perf_counts is False
    assert parsed("benchmark --perf-counts n.xml").perf_counts is True
    assert parsed("benchmark n.xml").perf_counts is False


def test_model_optimizer_spellings_of_preprocessing() -> None:
    from core.convert.requests import request_from_args

    ours = request_from_args(parsed("convert m.onnx --mean-values 1,2,3 --scale-values 4,5,6 --reverse-channels")).convert_options()
    mo = request_from_args(parsed("convert m.onnx --mean_values 1,2,3 --scale_values 4,5,6 --reverse_input_channels")).convert_options()
    assert mo == ours and mo.reverse_channels and mo.mean_values == {"": [1.0, 2.0, 3.0]}
