"""The opt-in autoload hook (tgnas_naslib.autoload), without NASLib: a stand-in ``naslib`` package and plugin."""

import subprocess
import sys
import textwrap


def _run(tmp_path, body: str, env: dict | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "naslib").mkdir(exist_ok=True)
    (tmp_path / "naslib" / "__init__.py").write_text("ORDER = ['naslib']\n")
    (tmp_path / "fake_plugin.py").write_text("import sys\nsys.modules['naslib'].ORDER.append('plugin')\n")
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import tgnas_naslib.autoload as hook
        hook.PLUGIN = "fake_plugin"
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={**__import__("os").environ, **(env or {})})


def test_plugin_loads_right_after_naslib_and_the_hook_goes(tmp_path):
    done = _run(tmp_path, """
        import importlib.util
        assert importlib.util.find_spec("naslib") is not None and hook.installed()  # a probe leaves it in place
        assert "naslib" not in sys.modules and "fake_plugin" not in sys.modules
        import naslib
        assert naslib.ORDER == ["naslib", "plugin"], naslib.ORDER
        assert not hook.installed()
        import inspect
        assert "ORDER" in inspect.getsource(naslib)  # the wrapped loader still serves source (tracebacks)
    """)
    assert done.returncode == 0, done.stderr


def test_switched_off_by_the_environment(tmp_path):
    done = _run(tmp_path, """
        assert not hook.installed()
        import naslib
        assert naslib.ORDER == ["naslib"]
    """, env={"TGNAS_NASLIB_AUTOLOAD": "0"})
    assert done.returncode == 0, done.stderr


def test_one_line_excepthook_for_user_errors_only(tmp_path):
    done = _run(tmp_path, """
        hook.install_excepthook()
        from tgnas_naslib.paths import MissingDataError
        raise MissingDataError("benchmark data file not found: x.json in the data directory /d")
    """)
    assert done.returncode == 1 and done.stderr.strip() == (
        "-c: error: benchmark data file not found: x.json in the data directory /d")
    bug = _run(tmp_path, "hook.install_excepthook()\nraise KeyError('bug')\n")
    assert "Traceback" in bug.stderr and "KeyError" in bug.stderr
