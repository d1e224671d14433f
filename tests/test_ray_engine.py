"""The live-proxy engines without NASLib: an injectable compute function, Ray in local mode with 2 CPUs, a tiny
sample. What is checked: every value written exactly once, a killed task retried, an interrupted driver resumed,
and setup problems reported in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tgnas_naslib.cli import main
from tgnas_naslib.commands import check_device
from tgnas_naslib.extras import MissingExtraError
from tgnas_naslib.study.cache import LiveCache
from tgnas_naslib.study.engine import EngineError, Task, check_address, run_tasks, start_ray

ray = pytest.importorskip("ray", reason="the Ray engine tests need ray (a dependency of tgnas_naslib)")

PROXIES = ("flops", "params", "synflow")


def make_compute(marker_dir: Path | None = None, crash_arch: int | None = None, sleep: float = 0.0):
    """A fake compute function (defined in a closure, so Ray ships it by value): score = arch * 10 + proxy index.
    With ``crash_arch``, the first attempt at that arch kills its worker process (os._exit), as the OOM killer
    would; a marker file records the crash, so the retry succeeds."""

    def compute(task: Task) -> list[dict]:
        if crash_arch is not None and task.arch == crash_arch:
            marker = Path(marker_dir) / f"crashed_{task.arch}"
            if not marker.exists():
                marker.write_text(str(os.getpid()))
                os._exit(1)
        time.sleep(sleep)
        return [{"arch": task.arch, "proxy": p, "score": task.arch * 10.0 + PROXIES.index(p), "pid": os.getpid()}
                for p in task.proxies]

    return compute


def tasks(n: int, cache: LiveCache | None = None) -> list[Task]:
    out = []
    for a in range(n):
        missing = tuple(p for p in PROXIES if cache is None or cache.get(a, p) is None)
        if missing:
            out.append(Task("c", a, missing))
    return out


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def local_ray():
    """An embedded Ray with 2 CPUs, shared by the tests of this module."""
    if not ray.is_initialized():
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


# --- the cache ----------------------------------------------------------------------------------------------------
def test_cache_refuses_a_key_it_holds_and_drops_cut_and_repeated_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    cache = LiveCache(path)
    assert cache.add({"arch": [1, 2], "proxy": "flops", "score": 1.0})
    assert not cache.add({"arch": (1, 2), "proxy": "flops", "score": 2.0})  # same key: not written again
    with open(path, "a") as fh:  # a repeated key and a line cut off by a kill
        fh.write(json.dumps({"arch": [1, 2], "proxy": "flops", "score": 3.0}) + "\n")
        fh.write('{"arch": [0, 0], "proxy": "fl')
    again = LiveCache(path)
    assert (again.skipped, again.repeated, len(again)) == (1, 1, 1)
    assert lines(path) == [{"arch": [1, 2], "proxy": "flops", "score": 1.0}]  # the file is rewritten clean
    assert again.get((1, 2), "flops")["score"] == 1.0


def test_cache_keeps_nested_archs_as_tuples(tmp_path):
    arch = (((0, 4), (1, 3)), ((0, 3), (1, 1)))  # NB301-style compact
    LiveCache(tmp_path / "c.jsonl").add({"arch": arch, "proxy": "zen", "score": 1.0})
    assert LiveCache(tmp_path / "c.jsonl").get(arch, "zen")["score"] == 1.0


# --- local engine -------------------------------------------------------------------------------------------------
def test_local_engine_writes_every_value_once_and_a_rerun_computes_nothing(tmp_path):
    cache = LiveCache(tmp_path / "c.jsonl")
    rep = run_tasks(tasks(5), make_compute(), {"c": cache}, engine="local", progress=False)
    assert (rep.engine, rep.workers, rep.tasks, rep.values, rep.failed_tasks) == ("local", 1, 5, 15, 0)
    again = LiveCache(tmp_path / "c.jsonl")
    assert tasks(5, again) == []
    keys = [(tuple([r["arch"]]), r["proxy"]) for r in lines(tmp_path / "c.jsonl")]
    assert len(keys) == len(set(keys)) == 15


# --- Ray engine ---------------------------------------------------------------------------------------------------
def test_ray_engine_two_cpus_gives_the_local_values(local_ray, tmp_path):
    ray_cache, local_cache = LiveCache(tmp_path / "r.jsonl"), LiveCache(tmp_path / "l.jsonl")
    rep = run_tasks(tasks(6), make_compute(), {"c": ray_cache}, engine="ray", progress=False)
    run_tasks(tasks(6), make_compute(), {"c": local_cache}, engine="local", progress=False)
    assert (rep.engine, rep.workers, rep.values, rep.failed_tasks) == ("ray", 2, 18, 0)
    assert {k: r["score"] for k, r in ray_cache.entries.items()} == \
        {k: r["score"] for k, r in local_cache.entries.items()}
    assert all(r["pid"] != os.getpid() for r in ray_cache.entries.values())  # computed in Ray workers
    assert ray.is_initialized()  # a Ray this call did not start is left running


def test_ray_retries_a_task_whose_worker_was_killed(local_ray, tmp_path):
    cache = LiveCache(tmp_path / "c.jsonl")
    rep = run_tasks(tasks(4), make_compute(tmp_path, crash_arch=2), {"c": cache}, engine="ray", progress=False)
    assert (tmp_path / "crashed_2").is_file()  # the first attempt at arch 2 killed its worker
    assert rep.failed_tasks == 0 and rep.values == 12
    recs = lines(tmp_path / "c.jsonl")
    assert sorted((r["arch"], r["proxy"]) for r in recs) == sorted((a, p) for a in range(4) for p in PROXIES)
    assert int((tmp_path / "crashed_2").read_text()) not in {r["pid"] for r in recs if r["arch"] == 2}


DRIVER = textwrap.dedent("""
    import sys, time
    from tgnas_naslib.study.cache import LiveCache
    from tgnas_naslib.study.engine import Task, run_tasks

    PROXIES = ("flops", "params", "synflow")
    SLEEP = float(sys.argv[3])

    def compute(task):  # defined in __main__: Ray ships it by value, with SLEEP
        time.sleep(SLEEP)
        return [{"arch": task.arch, "proxy": p, "score": task.arch * 10.0 + PROXIES.index(p)} for p in task.proxies]

    cache = LiveCache(sys.argv[1])
    todo = []
    for a in range(int(sys.argv[2])):
        missing = tuple(p for p in PROXIES if cache.get(a, p) is None)
        if missing:
            todo.append(Task("c", a, missing))
    print("todo", sum(len(t.proxies) for t in todo), flush=True)
    rep = run_tasks(todo, compute, {"c": cache}, engine="ray", workers=2, progress=False)
    print("written", rep.values, flush=True)
""")


def _driver(tmp_path: Path, n: int, sleep: float) -> subprocess.Popen:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    return subprocess.Popen([sys.executable, str(script), str(tmp_path / "c.jsonl"), str(n), str(sleep)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)


def _kill_session(proc: subprocess.Popen) -> None:
    """SIGKILL the driver, then whatever Ray processes it started (same session), so none outlive the test."""
    for kill in (lambda: os.kill(proc.pid, signal.SIGKILL), lambda: os.killpg(proc.pid, signal.SIGKILL)):
        try:
            kill()
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


@pytest.mark.slow
def test_interrupted_driver_resumes_with_every_value_exactly_once(tmp_path):
    n = 12
    first = _driver(tmp_path, n, sleep=1.0)
    path = tmp_path / "c.jsonl"
    deadline = time.time() + 120
    try:
        while time.time() < deadline and (not path.is_file() or len(path.read_text().splitlines()) < 6):
            time.sleep(0.2)
    finally:
        _kill_session(first)  # the driver is killed mid-way, without any chance to clean up
    done_before = len(path.read_text().splitlines())
    assert 6 <= done_before < n * len(PROXIES), "the driver should have been killed mid-way"
    with open(path, "a") as fh:
        fh.write('{"arch": 11, "proxy": "par')  # as if the kill had cut a line in half

    second = _driver(tmp_path, n, sleep=0.0)
    try:
        out, _ = second.communicate(timeout=180)
    finally:
        _kill_session(second)
    assert second.returncode == 0, out
    assert f"todo {n * len(PROXIES) - done_before}" in out  # only what the first run had not written
    recs = lines(path)  # every line readable: the cut line was dropped
    keys = [(r["arch"], r["proxy"]) for r in recs]
    assert len(keys) == len(set(keys)) == n * len(PROXIES)  # each (arch, proxy) exactly once
    assert set(keys) == {(a, p) for a in range(n) for p in PROXIES}
    assert all(r["score"] == r["arch"] * 10.0 + PROXIES.index(r["proxy"]) for r in recs)


# --- setup problems: one line each --------------------------------------------------------------------------------
def test_unknown_engine_unreachable_address_and_missing_cuda_are_one_line(monkeypatch):
    with pytest.raises(EngineError, match="use one of ray, local"):
        run_tasks([], make_compute(), {}, engine="spark")
    with pytest.raises(EngineError, match="cannot reach a Ray cluster"):
        check_address("127.0.0.1:1")
    with pytest.raises(EngineError, match="expected host:port"):
        check_address("nowhere")
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA device is available"):
        check_device("cuda")
    assert check_device("cpu") == "cpu"


def test_engine_ray_without_ray_installed_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(MissingExtraError, match=r"--engine ray needs ray, .*; or use --engine local"):
        start_ray()


def test_cli_setup_errors_end_in_one_line(tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["study", "--out", str(tmp_path / "o"), "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "no CUDA device is available" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["study", "--out", str(tmp_path / "o"), "--engine", "local", "--ray-address", "h:1"]) == 2
    assert "need --engine ray" in capsys.readouterr().err
