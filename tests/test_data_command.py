"""Issue 28: ``tgnas data`` checks every file the benchmark data directory can hold (present / missing / corrupt by
size and sha256), says which features need it and where its original comes from; ``datasets/files.py`` is the one
home of that knowledge, checked here against the code that reads the files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from tgnas_naslib.cli import main
from tgnas_naslib.commands.data import EXIT_CORRUPT, EXIT_MISSING, EXIT_OK
from tgnas_naslib.datasets import CATALOG
from tgnas_naslib.datasets import files as df

from conftest import compat_module, data_root, load_naslib_module, requires_data

ROOT = Path(__file__).resolve().parents[1]
TRUNCATED = "nasbench201/nb201_zen_valacc_15625.zip"


def _run(argv: list[str], capsys) -> tuple[int, str]:
    rc = main(["data", *argv])
    return rc, capsys.readouterr().out


def _shared() -> Path:
    """The data directory of the run, skipped (naming the file) unless it holds every file."""
    for path in df.FILES:
        requires_data(path)
    return data_root()


def test_the_shared_data_directory_is_complete_and_intact(capsys):
    root = _shared()
    rc, out = _run(["--data-dir", str(root), "--json"], capsys)
    doc = json.loads(out)
    assert rc == EXIT_OK == doc["exit_status"]
    assert doc["counts"] == {"ok": len(df.FILES), "missing": 0, "corrupt": 0}
    assert doc["bytes_hashed"] == sum(f.size for f in df.FILES.values())
    # ~20 MB of sha256 takes well under a second; 30 s leaves room for a loaded CI machine
    assert doc["seconds"] < 30
    rc, text = _run(["--data-dir", str(root)], capsys)
    assert rc == 0 and text.count("\nok       ") == len(df.FILES) and text.startswith(f"data directory: {root}")


def _copy_with(root: Path, tmp: Path, damage: dict[str, bytes]) -> Path:
    """``tmp`` holding symlinks to every file of ``root`` but those of ``damage``, written with the given bytes."""
    for path in df.FILES:
        (tmp / path).parent.mkdir(parents=True, exist_ok=True)
        if path in damage:
            (tmp / path).write_bytes(damage[path])
        else:
            (tmp / path).symlink_to(root / path)
    return tmp


def test_a_truncated_file_is_named_corrupt_and_fails(tmp_path, capsys):
    root = _shared()
    whole = (root / TRUNCATED).read_bytes()
    copy = _copy_with(root, tmp_path, {TRUNCATED: whole[:len(whole) // 2]})
    rc, out = _run(["--data-dir", str(copy)], capsys)
    assert rc == EXIT_CORRUPT
    assert f"corrupt  {TRUNCATED}: {len(whole) // 2:,} bytes, expected {len(whole):,}" in out
    assert out.count("corrupt  ") == 1 and "1 corrupt" in out.splitlines()[-1]
    doc = json.loads(_run(["--data-dir", str(copy), "--json"], capsys)[1])
    assert [f["path"] for f in doc["files"] if f["status"] == "corrupt"] == [TRUNCATED]


def test_same_size_other_content_is_caught_by_the_checksum(tmp_path, capsys):
    root = _shared()
    whole = bytearray((root / TRUNCATED).read_bytes())
    whole[len(whole) // 2] ^= 0xFF
    copy = _copy_with(root, tmp_path, {TRUNCATED: bytes(whole)})
    rc, out = _run(["--data-dir", str(copy)], capsys)
    assert rc == EXIT_CORRUPT and f"corrupt  {TRUNCATED}: sha256 " in out and "same size, other content" in out


def test_an_empty_directory_has_everything_missing_and_says_which_directory_and_why(tmp_path, capsys, monkeypatch):
    rc, out = _run(["--data-dir", str(tmp_path)], capsys)
    assert rc == EXIT_MISSING
    assert out.count("\nmissing  ") == len(df.FILES) and "corrupt  " not in out
    last = out.splitlines()[-1]
    assert f"0 present and intact, {len(df.FILES)} missing, 0 corrupt" in last
    assert f"The data directory {tmp_path} (from --data-dir / data_dir) lacks {len(df.FILES)} of them" in last
    assert "set TGNAS_DATA_DIR=/path/to/benchmarks_data or pass --data-dir" in last
    monkeypatch.setenv("TGNAS_DATA_DIR", str(tmp_path / "nowhere"))
    rc, out = _run([], capsys)
    assert rc == EXIT_MISSING and f"{tmp_path / 'nowhere'} (from $TGNAS_DATA_DIR) does not exist" in out
    monkeypatch.delenv("TGNAS_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    doc = json.loads(_run(["--json"], capsys)[1])
    assert doc["data_dir"] == str(tmp_path / "benchmarks_data") and doc["chosen"].startswith("the default")
    assert doc["exists"] is False and doc["counts"]["missing"] == len(df.FILES)


def test_the_check_itself_without_data(tmp_path, monkeypatch):
    """The size / checksum logic on small made-up files (runs without the data directory)."""
    blobs = {"a/good.bin": b"x" * 100, "a/short.bin": b"y" * 100, "b/flipped.bin": b"z" * 100, "b/gone.bin": b"w"}
    monkeypatch.setattr(df, "FILES", {p: df.DataFile(p, len(b), hashlib.sha256(b).hexdigest(), "", "", "")
                                      for p, b in blobs.items()})
    for path, blob in blobs.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(blob)
    (tmp_path / "a/short.bin").write_bytes(b"y" * 99)
    (tmp_path / "b/flipped.bin").write_bytes(b"z" * 99 + b"!")
    (tmp_path / "b/gone.bin").unlink()
    report = df.check(tmp_path)
    status = {c.file.path: (c.status, c.problem) for c in report.files}
    assert status == {"a/good.bin": ("ok", ""), "a/short.bin": ("corrupt", "99 bytes, expected 100"),
                      "b/flipped.bin": ("corrupt", status["b/flipped.bin"][1]),
                      "b/gone.bin": ("missing", "not in the data directory")}
    assert status["b/flipped.bin"][1].endswith("(same size, other content)")
    assert report.bytes_hashed == 200  # the two files of the right size
    shutil.rmtree(tmp_path / "a")
    (tmp_path / "a" / "good.bin").mkdir(parents=True)  # a directory where a file belongs
    assert df.check_file(tmp_path, df.FILES["a/good.bin"]).problem == "not a regular file"


# ----------------------------------------------------------------------------------------------------------------
# one home: every file any part of the project reads is here, with what reads it
# ----------------------------------------------------------------------------------------------------------------
def test_files_are_exactly_those_the_catalog_and_the_image_readers_read():
    from tgnas_naslib.study import live

    cifar10 = compat_module("cifar10")  # the compat package imports without NASLib

    catalog = {path for spec in CATALOG.values() for path in spec.files}
    assert set(df.FILES) == catalog | {df.CIFAR10_NPZ}
    assert live.CIFAR_NPZ == cifar10.CIFAR10_NPZ_RELPATH == df.CIFAR10_NPZ
    for f in df.FILES.values():
        assert f.origin and f.licence and f.what and len(f.sha256) == 64 and f.size > 0, f.path
        assert df.needed_by(f.path), f"{f.path}: nothing reads it"


def _benchmarks(feature: str) -> set[str]:
    return set(df.FEATURES[feature])


def test_features_name_what_their_code_reads():
    from tgnas_naslib.search.ground_truth import BENCHMARKS
    from tgnas_naslib.study.data import SPECS
    from tgnas_naslib.study.timing import STORED_TIME_SOURCES
    from tgnas_naslib.training import multisource, pretrain, universal

    known = set(CATALOG) | set(df.FILES)
    assert all(set(wanted) <= known for wanted in df.FEATURES.values())
    assert pretrain.NB101_FILE in CATALOG["nb101_500"].files
    assert _benchmarks("tgnas train (nb101 recipe)") == {"nb101_500"}
    assert multisource.FAMILIES is universal.FAMILIES  # one family vocabulary for every recipe
    for feature, families in (("tgnas train --families / --leave-out (nb101 recipe, pooled)", multisource.FAMILIES),
                              ("tgnas train --recipe universal", universal.FAMILIES)):
        assert _benchmarks(feature) == {b for bs in families.values() for b in bs}, feature
    assert _benchmarks("tgnas study") == {b for s in SPECS for b in (s.primary, *s.extras) if b}
    assert _benchmarks("tgnas study timing (stored proxy times)") == \
        {b for _, _, bs in STORED_TIME_SOURCES for b in bs}
    assert _benchmarks("tgnas search (ground truth, looked up afterwards)") == \
        {name for pairs in BENCHMARKS.values() for _, name in pairs}
    runconfig = load_naslib_module("runconfig.py")  # tgnas_naslib.naslib itself needs NASLib
    assert _benchmarks("NASLib with the plugin: offline dataset / zc apis") == \
        {runconfig.default_benchmark(space, d) for space in runconfig.DEFAULT_BENCHMARKS
         for d in runconfig.DATASETS[space]}


def test_readme_set_up_names_the_command():
    setup = (ROOT / "README.md").read_text().split("## Set up", 1)[1].split("\n## ", 1)[0]
    assert "tgnas data" in setup and "0b51bc18" in setup and "TGNAS_DATA_DIR" in setup
