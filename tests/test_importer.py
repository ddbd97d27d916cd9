"""Import: every supported format from real files, archives, and one test per kind of bad
input — each must give a specific UserError and leave nothing stored behind."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.errors import UserError
from core.importer import format_support, import_paths, store_uploads, import_stored, torch_installed
from core.importer.archives import ExtractLimits, extract_archive
from core.store import Model, Variant, session_scope
from tests.models_frameworks import cached_paddle_model, cached_tensorflow_models, framework_installed
from tests.models_onnx import (
    make_external_data_onnx,
    make_tiny_cnn_ir,
    make_tiny_cnn_onnx,
    make_unsupported_op_onnx,
)

ROOT = Path(__file__).resolve().parents[1]


def rows() -> tuple[int, int]:
    with session_scope() as s:
        return s.scalar(select(func.count(Model.id))), s.scalar(select(func.count(Variant.id)))


def assert_nothing_stored(ws: Path) -> None:
    assert rows() == (0, 0)
    for kind in ("uploads", "models"):
        folder = ws / kind
        assert not folder.exists() or not any(folder.iterdir()), f"left behind in {kind}: {list(folder.iterdir())}"


def import_fails(ws: Path, paths: list[Path], *fragments: str) -> UserError:
    with pytest.raises(UserError) as caught:
        import_paths(paths)
    text = str(caught.value)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    assert_nothing_stored(ws)
    return caught.value


# --- formats that work -------------------------------------------------------------------


def test_onnx_import_stores_original_and_card(workspace: Path, tmp_path: Path) -> None:
    result = import_paths([make_tiny_cnn_onnx(tmp_path / "src")], "My CNN")
    model = result["models"][0]
    assert model["format"] == "onnx" and model["needs_conversion"] and model["variant_id"] is None
    stored = Path(model["source"])
    assert workspace / "uploads" in stored.parents and stored.name == "tiny_cnn.onnx"
    card = model["card"]
    assert card["task"] == "classification" and card["parameters"] == 8 * 27 + 8 + 80 + 10
    assert card["inputs"][0]["name"] == "image" and card["inputs"][0]["shape"] == "[?,3,32,32]"
    assert card["gflops"] > 0 and card["quantized"] is False
    with session_scope() as s:
        row = s.get(Model, result["model_id"])
        assert row.name == "My CNN" and row.source_format == "onnx" and row.task == "classification"
        assert row.info["card"]["parameters"] == card["parameters"]
        assert not row.source_path.startswith("/")  # stored relative to the workspace
    assert any("Dynamic input shapes" in w for w in model["warnings"])


def test_onnx_with_external_data_is_paired(workspace: Path, tmp_path: Path) -> None:
    onnx_path = make_external_data_onnx(tmp_path / "src")
    result = import_paths([onnx_path, onnx_path.parent / "weights.data"])
    model = result["models"][0]
    assert model["kind"] == "ONNX with external data"
    assert sorted(Path(f).name for f in model["files"]) == ["tiny_cnn_ext.onnx", "weights.data"]
    assert model["card"]["parameters"] == 314


def test_ir_import_registers_variant_with_card(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path / "ir")
    result = import_paths([xml, xml.with_suffix(".bin")])
    with session_scope() as s:
        variant = s.get(Variant, result["variant_id"])
        assert variant.method == "imported" and variant.precision == "FP32"
        assert variant.card["ir_version"] == 11 and variant.card["files"]["tiny_cnn.bin"] > 0


def test_fp16_ir_is_recognised_as_fp16(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path / "ir", compress_to_fp16=True)
    result = import_paths([xml, xml.with_suffix(".bin")])
    assert result["models"][0]["card"]["precision"] == "FP16"


def test_zip_and_tar_archives_holding_models(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path / "ir")
    archive = tmp_path / "ir_model.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(xml, "model/tiny_cnn.xml")
        zf.write(xml.with_suffix(".bin"), "model/tiny_cnn.bin")
        zf.writestr("model/README.txt", "labels etc.")
    assert import_paths([archive])["models"][0]["format"] == "ir"
    onnx_path = make_external_data_onnx(tmp_path / "ext")
    tgz = tmp_path / "onnx_model.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(onnx_path, "m/tiny_cnn_ext.onnx")
        tf.add(onnx_path.parent / "weights.data", "m/weights.data")
    assert import_paths([tgz])["models"][0]["kind"] == "ONNX with external data"


def test_browser_style_uploads_are_streamed_to_disk(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path / "ir")
    uploads = [(p.name, io.BytesIO(p.read_bytes())) for p in (xml, xml.with_suffix(".bin"))]
    folder = store_uploads(uploads)
    assert sorted(p.name for p in folder.iterdir()) == ["tiny_cnn.bin", "tiny_cnn.xml"]
    assert import_stored(folder)["variant_id"] is not None


@pytest.fixture(scope="module")
def tf_models() -> dict[str, Path]:
    if not framework_installed("tensorflow"):
        pytest.skip("tensorflow-cpu (requirements-test.txt) is not installed")
    return cached_tensorflow_models()


@pytest.fixture(scope="module")
def paddle_files() -> dict[str, Path]:
    if not framework_installed("paddle"):
        pytest.skip("paddlepaddle (requirements-test.txt) is not installed")
    return {"classic": cached_paddle_model(True), "pir": cached_paddle_model(False)}


def test_tensorflow_formats(workspace: Path, tmp_path: Path, tf_models: dict[str, Path]) -> None:
    archive = tmp_path / "saved_model.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in tf_models["saved_model"].rglob("*"):
            if path.is_file():
                zf.write(path, "saved_model/" + path.relative_to(tf_models["saved_model"]).as_posix())
    saved = import_paths([archive])["models"][0]
    assert (saved["format"], saved["kind"]) == ("tf", "SavedModel")
    assert saved["card"]["inputs"][0]["shape"] == "[?,32,32,3]" and saved["card"]["task"] == "classification"
    frozen = import_paths([tf_models["frozen_pb"]])["models"][0]
    assert (frozen["format"], frozen["kind"]) == ("tf", "frozen graph (.pb)")
    lite = import_paths([tf_models["tflite"]])["models"][0]
    assert lite["format"] == "tflite" and lite["card"]["parameters"] >= 3 * 3 * 3 * 8 + 80
    flat = tmp_path / "my_tf_model.zip"  # zipped from inside the folder: no top-level folder
    with zipfile.ZipFile(flat, "w") as zf:
        for path in tf_models["saved_model"].rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(tf_models["saved_model"]).as_posix())
    assert import_paths([flat])["models"][0]["name"] == "my_tf_model"
    # A SavedModel folder straight from the CLI works too.
    assert import_paths([tf_models["saved_model"]])["models"][0]["kind"] == "SavedModel"


def test_paddle_model(workspace: Path, paddle_files: dict[str, Path]) -> None:
    pdmodel = paddle_files["classic"]
    result = import_paths([pdmodel, pdmodel.with_suffix(".pdiparams")])
    model = result["models"][0]
    assert model["format"] == "paddle" and model["card"]["inputs"][0]["shape"] == "[?,3,32,32]"


def test_paddle3_pir_format_is_explained(workspace: Path, paddle_files: dict[str, Path]) -> None:
    program = paddle_files["pir"]
    import_fails(workspace, [program, program.with_suffix(".pdiparams")], "PIR", "FLAGS_enable_pir_api=0")


def test_format_support_lists_every_format() -> None:
    formats = {row["format"]: row for row in format_support()}
    assert set(formats) == {"onnx", "ir", "tflite", "tf", "paddle", "pytorch"}
    assert formats["onnx"]["available"]
    assert formats["pytorch"]["available"] == torch_installed()


# --- bad input: one test per kind ----------------------------------------------------------


def test_truncated_onnx(workspace: Path, tmp_path: Path) -> None:
    good = make_tiny_cnn_onnx(tmp_path / "src")
    bad = tmp_path / "truncated.onnx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    import_fails(workspace, [bad], "truncated.onnx", "truncated or corrupt")


def test_corrupt_ir_xml(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path / "ir")
    xml.write_text(xml.read_text()[:1500])
    import_fails(workspace, [xml, xml.with_suffix(".bin")], "tiny_cnn.xml")


def test_bin_that_does_not_match_xml(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path / "a")
    other = make_tiny_cnn_ir(tmp_path / "b", compress_to_fp16=True)  # half the weight bytes
    wrong_bin = tmp_path / "pair" / "tiny_cnn.bin"
    wrong_bin.parent.mkdir()
    wrong_bin.write_bytes(other.with_suffix(".bin").read_bytes())
    import_fails(workspace, [xml, wrong_bin], "tiny_cnn.bin", "does not match tiny_cnn.xml")


def test_xml_without_bin_and_bin_without_xml(workspace: Path, tmp_path: Path) -> None:
    xml = make_tiny_cnn_ir(tmp_path / "ir")
    import_fails(workspace, [xml], "has no weights file tiny_cnn.bin")
    import_fails(workspace, [xml.with_suffix(".bin")], "tiny_cnn.bin has no matching tiny_cnn.xml")
    renamed = tmp_path / "other.bin"
    renamed.write_bytes(xml.with_suffix(".bin").read_bytes())
    error = import_fails(workspace, [xml, renamed], "has no weights file tiny_cnn.bin")
    assert "other.bin" in (error.hint or "")


def test_wrong_extensions(workspace: Path, tmp_path: Path) -> None:
    onnx_named_tflite = tmp_path / "model.tflite"
    onnx_named_tflite.write_bytes(make_tiny_cnn_onnx(tmp_path / "src").read_bytes())
    import_fails(workspace, [onnx_named_tflite], "model.tflite does not contain a TensorFlow Lite model")
    zip_named_onnx = tmp_path / "model.onnx"
    with zipfile.ZipFile(zip_named_onnx, "w") as zf:
        zf.writestr("x.txt", "hi")
    import_fails(workspace, [zip_named_onnx], "zip archive")
    unknown = tmp_path / "weights.dat"
    unknown.write_bytes(b"\x00" * 100)
    import_fails(workspace, [unknown], "weights.dat")
    keras = tmp_path / "model.h5"
    keras.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 100)
    import_fails(workspace, [keras], "model.h5", "cannot be imported")


def test_empty_file(workspace: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    import_fails(workspace, [empty], "empty.onnx is empty")


def _zip_with(path: Path, name: str, data: bytes = b"x") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name, data)
    return path


def test_zip_slip_parent_paths(workspace: Path, tmp_path: Path) -> None:
    archive = _zip_with(tmp_path / "slip.zip", "../../evil.onnx")
    import_fails(workspace, [archive], "leaves its folder", "../../evil.onnx")
    assert not (workspace / "evil.onnx").exists() and not (workspace.parent / "evil.onnx").exists()
    tar = tmp_path / "slip.tar.gz"
    with tarfile.open(tar, "w:gz") as tf:
        info = tarfile.TarInfo("model/../../evil.onnx")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    import_fails(workspace, [tar], "leaves its folder")


def test_absolute_paths_in_archive(workspace: Path, tmp_path: Path) -> None:
    import_fails(workspace, [_zip_with(tmp_path / "abs.zip", "/tmp/evil.onnx")], "absolute path")
    import_fails(workspace, [_zip_with(tmp_path / "win.zip", "C:\\evil.onnx")], "absolute path")


def test_zip_bomb_is_stopped(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVWB_MAX_EXTRACT_MB", "5")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.onnx", b"\x00" * (20 * 1024 * 1024))
    assert bomb.stat().st_size < 100_000
    import_fails(workspace, [bomb], "expands to more than 5 MB")
    # gzip bombs are counted while streaming, not trusted from headers
    tgz = tmp_path / "bomb.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        info = tarfile.TarInfo("model.onnx")
        info.size = 20 * 1024 * 1024
        tf.addfile(info, io.BytesIO(b"\x00" * info.size))
    import_fails(workspace, [tgz], "expands to more than 5 MB")


def test_zip_bomb_with_lying_header_is_stopped_while_writing(tmp_path: Path) -> None:
    """Declared sizes can lie; the byte count while writing is what stops the expansion."""
    bomb = tmp_path / "liar.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.bin", b"\x00" * (3 * 1024 * 1024))
        zf.writestr("b.bin", b"\x00" * (3 * 1024 * 1024))
    with pytest.raises(UserError, match="expands to more than 5 MB"):
        extract_archive(bomb, tmp_path / "out", ExtractLimits(max_total_bytes=5 * 1024 * 1024))


def _zeros_zip(path: Path, members: int, member_bytes: int) -> Path:
    """A zip of `members` members of zeros, written in 1 MB pieces (never whole in memory)."""
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for index in range(members):
            with zf.open(f"part{index:02d}.bin", "w", force_zip64=True) as out:
                for _ in range(member_bytes // len(chunk)):
                    out.write(chunk)
    return path


def test_multi_member_zip_bomb_is_refused_with_its_real_numbers(workspace: Path, tmp_path: Path) -> None:
    """Issue 16: twenty 60 MB members (1.2 GB) in a ~1.2 MB zip passed a per-member check."""
    bomb = _zeros_zip(tmp_path / "twenty.zip", 20, 60 * 1024 * 1024)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    size_mb = f"{bomb.stat().st_size / 1024 / 1024:,.1f} MB"
    error = import_fails(workspace, [bomb], "twenty.zip", f"({size_mb})", "declares 1,200.0 MB in 20 members",
                         "over the limit of 200:1")
    assert "8192" not in error.message and "OVWB_MAX_EXTRACT_RATIO" in (error.hint or "")
    # the same with the total limit below it: the message names the limit and the declared size
    with pytest.raises(UserError, match=r"more than 1000 MB, the limit: it declares 1,200.0 MB in 20 members"):
        extract_archive(bomb, tmp_path / "out", ExtractLimits(max_total_bytes=1000 * 1024 * 1024, max_ratio=10**6))
    assert not (tmp_path / "out").exists()  # refused before writing, and the folder is gone


BIG_TGZ_SCRIPT = """
import sys
from pathlib import Path
from core.errors import UserError
from core.importer.archives import ExtractLimits, extract_archive
try:
    extract_archive(Path(sys.argv[1]), Path(sys.argv[2]), ExtractLimits.from_settings())
    print("EXTRACTED")
except UserError as error:
    print("REFUSED", error.message)
# VmHWM: this process image's peak RSS (ru_maxrss would include the forking pytest's)
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("PEAK_MB", hwm_kb / 1024)
"""


def _zeros_tgz(path: Path, members: int, member_bytes: int) -> Path:
    class Zeros(io.RawIOBase):
        def __init__(self, size: int) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            count = min(len(buffer), self.left)
            buffer[:count] = bytes(count)
            self.left -= count
            return count

    with tarfile.open(path, "w:gz") as tf:
        for index in range(members):
            info = tarfile.TarInfo(f"part{index:02d}.bin")
            info.size = member_bytes
            tf.addfile(info, io.BufferedReader(Zeros(member_bytes), 1024 * 1024))
    return path


def test_big_tgz_bomb_is_streamed_and_refused_with_low_memory(tmp_path: Path) -> None:
    """1 GB of zeros in a ~1 MB tar.gz (16 x 64 MB): members are written chunk by chunk until the
    expansion passes 200:1 (the fourth header); the process never holds a member in memory."""
    bomb = _zeros_tgz(tmp_path / "big.tar.gz", 16, 64 * 1024 * 1024)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    env = dict(os.environ, PYTHONPATH=str(ROOT), OVWB_WORKSPACE=str(tmp_path / "ws"))
    env.pop("OVWB_MAX_EXTRACT_MB", None)
    env.pop("OVWB_MAX_EXTRACT_RATIO", None)
    done = subprocess.run([sys.executable, "-c", BIG_TGZ_SCRIPT, str(bomb), str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "REFUSED The archive big.tar.gz (1.0 MB) declares at least 256.0 MB: a 257:1 expansion" in done.stdout, done.stdout
    assert "over the limit of 200:1" in done.stdout
    peak_mb = float(done.stdout.split("PEAK_MB")[1])
    assert peak_mb < 60, f"peak RSS {peak_mb:.0f} MB while refusing a 1 GB archive"
    assert not (tmp_path / "out").exists()


def test_symlinks_in_archives(workspace: Path, tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("model.onnx")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    import_fails(workspace, [archive], "symbolic link", "model.onnx")
    tar = tmp_path / "link.tar"
    with tarfile.open(tar, "w") as tf:
        info = tarfile.TarInfo("model.onnx")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tf.addfile(info)
    import_fails(workspace, [tar], "link", "/etc/passwd")


def test_unsupported_operation_names_op_and_frontend(workspace: Path, tmp_path: Path) -> None:
    error = import_fails(workspace, [make_unsupported_op_onnx(tmp_path)], "onnx frontend", "com.example.FancyOp")
    assert "custom_op.onnx" in error.message


def test_onnx_external_data_missing(workspace: Path, tmp_path: Path) -> None:
    onnx_path = make_external_data_onnx(tmp_path / "src")
    error = import_fails(workspace, [onnx_path], "weights.data", "was not uploaded")
    assert "weights.data" in (error.hint or "")


def test_missing_frontend_for_pytorch(workspace: Path, tmp_path: Path) -> None:
    """torch is an optional extra: without it a TorchScript upload says what to install."""
    scripted = tmp_path / "model.pt"
    with zipfile.ZipFile(scripted, "w") as zf:  # the container layout of torch.jit.save
        zf.writestr("model/data.pkl", b"\x80\x02}q\x00.")
        zf.writestr("model/code/__torch__.py", "")
    if torch_installed():
        import_fails(workspace, [scripted], "model.pt")  # torch present: it says the file is broken
    else:
        import_fails(workspace, [scripted], "optional `torch` package", "model.pt")


def test_format_without_an_openvino_frontend() -> None:
    from core.importer.frontends import require_frontend

    with pytest.raises(UserError, match="the OpenVINO caffe frontend is not available in this installation"):
        require_frontend("caffe", "net.caffemodel")


def test_pickled_torch_checkpoint_is_refused(workspace: Path, tmp_path: Path) -> None:
    pickled = tmp_path / "weights.pth"
    pickled.write_bytes(b"\x80\x04\x95" + b"\x00" * 50)
    import_fails(workspace, [pickled], "never loaded")


def test_upload_limit(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVWB_MAX_UPLOAD_MB", "1")
    with pytest.raises(UserError, match="larger than the limit of 1 MB"):
        store_uploads([("big.onnx", io.BytesIO(b"\x00" * (2 * 1024 * 1024)))])
    assert_nothing_stored(workspace)


def test_hostile_upload_names(workspace: Path) -> None:
    folder = store_uploads([("../../escape.onnx", io.BytesIO(b"x"))])
    assert [p.name for p in folder.iterdir()] == ["escape.onnx"]  # base name only, inside the folder
    with pytest.raises(UserError, match="cannot be used"):
        store_uploads([("..", io.BytesIO(b"x"))])


def test_cli_import_reports_error_and_exit_code(workspace: Path, tmp_path: Path) -> None:
    good = make_tiny_cnn_onnx(tmp_path / "src")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "core", "import", str(good), "--json"], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["models"][0]["format"] == "onnx"
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"")
    done = subprocess.run([sys.executable, "-m", "core", "import", str(bad), "--json"], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2
    assert "bad.onnx is empty" in json.loads(done.stdout)["error"]
    assert "Traceback" not in done.stderr


def test_paddle_model_named_after_its_folder_or_archive_not_inference(
    workspace: Path, tmp_path: Path, paddle_files: dict[str, Path]
) -> None:
    """Paddle exports are `inference.pdmodel`; a list of models all called "inference" helps nobody."""
    pdmodel = paddle_files["classic"]
    folder = tmp_path / "ch_PP-OCRv4_det_infer"
    folder.mkdir()
    shutil.copy(pdmodel, folder / "inference.pdmodel")
    shutil.copy(pdmodel.with_suffix(".pdiparams"), folder / "inference.pdiparams")
    assert import_paths([folder])["models"][0]["name"] == "ch_PP-OCRv4_det_infer"
    packed = tmp_path / "ch_PP-OCRv4_det_infer.tar"  # PaddleOCR's own archives: a folder inside
    with tarfile.open(packed, "w") as tf:
        tf.add(folder, arcname=folder.name)
    assert import_paths([packed])["models"][0]["name"] == "ch_PP-OCRv4_det_infer"
    flat = tmp_path / "my_paddle_det.zip"  # no folder inside: the archive's name
    with zipfile.ZipFile(flat, "w") as zf:
        for path in folder.iterdir():
            zf.write(path, path.name)
    assert import_paths([flat])["models"][0]["name"] == "my_paddle_det"
    loose = import_paths([folder / "inference.pdmodel", folder / "inference.pdiparams"])["models"][0]
    assert loose["name"] == "paddle_model"
    # A non-generic file name is kept.
    assert import_paths([pdmodel, pdmodel.with_suffix(".pdiparams")])["models"][0]["name"] == pdmodel.stem
