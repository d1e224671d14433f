"""compat.out_dir: NASLib's create_exp_dir checks out_dir with the project's one rule (one line, not a traceback)."""

from __future__ import annotations

import pytest

from conftest import NEEDS_NASLIB, compat_module, naslib_importable

fix = compat_module("out_dir")


def test_create_exp_dir_creates_or_refuses(tmp_path, read_only_dir):
    from tgnas_naslib.outputs import OutputError

    fix.create_exp_dir(str(tmp_path / "run" / "zc"))
    assert (tmp_path / "run" / "zc").is_dir()
    afile = tmp_path / "afile"
    afile.write_text("keep")
    with pytest.raises(OutputError, match=f"out_dir {afile}/zc: cannot create this folder under {afile}, which is"):
        fix.create_exp_dir(str(afile / "zc"))
    with pytest.raises(OutputError, match="out_dir .*: cannot write into this folder"):
        fix.create_exp_dir(str(read_only_dir))


@pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)
def test_naslib_config_with_a_file_out_dir_is_one_line(tmp_path):
    import naslib.utils as nu

    import tgnas_naslib.naslib  # noqa: F401  (applies the fix)
    from tgnas_naslib import paths
    from tgnas_naslib.errors import one_line_error

    assert getattr(nu.create_exp_dir, "__tgnas_compat__", False)  # the compat layer's one marker
    afile = tmp_path / "afile"
    afile.write_text("keep")
    config = tmp_path / "zc.yaml"
    config.write_text(f"config_type: zc\nsearch_space: nasbench201\ndataset: cifar10\npredictor: tgnas\n"
                      f"out_dir: {afile}\nseed: 0\n")
    args = nu.parse_args(args=["--config-file", str(config)])
    try:
        with pytest.raises(Exception) as info:  # noqa: PT011 -- any error, as long as it is one user line
            nu.get_config_from_args(args, config_type="zc")
    finally:  # a NASLib script's settings hold for the rest of its process: not for the next test
        paths.set_data_dir_option("pass --data-dir")
        paths.set_data_dir(None)
    assert "which is a file" in one_line_error(info.value) and afile.read_text() == "keep"
