"""``tgnas score``: score given architectures, or enumerate a whole space and list the best."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import Iterator

from ..spaces import SPACES, get_space
from . import add_device, add_model, load_model, scored_by


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas score``."""
    p = sub.add_parser("score", help="score architectures with the TG-NAS proxy",
                       description="Score architectures (no data, no training). Higher is better.")
    p.add_argument("--space", default=None,
                   help=f"search space: {', '.join(SPACES)} (or nb201, darts, ...); required unless --module")
    p.add_argument("--arch", action="append", default=[],
                   help="an architecture in any encoding of the space (NB201 string or 6-tuple, DARTS genotype, "
                        "NB101 56-tuple...); repeat for several")
    enumerable = ", ".join(s.name for s in SPACES.values() if s.size() is not None)
    p.add_argument("--all", action="store_true", help=f"enumerate the whole space ({enumerable})")
    p.add_argument("--archs-file", default=None, metavar="FILE",
                   help="score the architectures in FILE, one per line ('-' = standard input), streamed in chunks "
                        "with flat memory; writes one JSON line per architecture as results come "
                        "({line, arch, score}; a line that does not parse, or is not UTF-8 text, gets {line, input, "
                        "error} and the rest is scored)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="torch CPU threads (default 1: the graphs are small, extra threads mostly wait)")
    p.add_argument("--top", type=int, default=None,
                   help="with --all or --arch: show only the N best (every listing is best first; ranks count "
                        "everything scored)")
    p.add_argument("--json", action="store_true", help="machine-readable output (one record per architecture)")
    add_model(p)
    add_device(p)
    # any torch.nn.Module (tgnas_naslib.modules) -------------------------------------------------------------------
    p.add_argument("--module", default=None, metavar="PKG.MOD:ATTR",
                   help="score a torch.nn.Module instead: ATTR is an instance, a class or a zero-argument factory "
                        "(e.g. tgnas_naslib.modules.zoo:resnet18); traced on a zero tensor, no data")
    p.add_argument("--input-shape", default="1,3,32,32", help="with --module: input shape (default 1,3,32,32)")
    p.add_argument("--no-collapse", action="store_true",
                   help="with --module: keep every layer a node (no folding of BN / activations, no identity removal)")
    p.add_argument("-v", "--verbose", action="store_true", help="with --module: also list the graph's nodes")
    p.set_defaults(run=run)


def run_module(args: argparse.Namespace) -> int:
    """``tgnas score --module pkg.mod:attr``: trace the module, score its graph, print score and node count."""
    from ..modules.load import load_module, parse_shape
    from ..modules.trace import trace_module

    if args.space or args.arch or args.all or args.top is not None:
        raise ValueError("--module scores one torch.nn.Module: do not combine it with --space, --arch, --all or --top")
    shape = parse_shape(args.input_shape)
    # the operator embedder may load its sentence model: no weight-loading progress bar in a CLI's output
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    t0 = time.time()
    model = load_model(args)
    traced = trace_module(load_module(args.module), shape, collapse=not args.no_collapse,
                          representation=model.module_representation)
    score = float(model.score_graphs([traced.skeleton if model.module_representation == "skeleton"
                                      else traced.graph])[0])
    seconds = time.time() - t0
    g, finite = traced.graph, math.isfinite(score)
    if model.config.representation != "network" and (model.config.node_features or model.config.graph_features):
        print(f"# note: {MODULE_CAVEAT}", file=sys.stderr)
    if args.json:
        doc = {"module": args.module, "class": traced.module_class, "input_shape": list(shape),
               "score": score if finite else None, "connected": finite, "nodes": g.num_nodes,
               "edges": len(g.edges), "method": traced.method, "fallback_reason": traced.fallback_reason,
               "collapse": not args.no_collapse, "seconds": round(seconds, 3), **model.describe(None)}
        if args.verbose:
            doc["graph"] = {**g.to_dict(), "names": list(traced.names)}
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"{'score':>8}  {'nodes':>5}  module")
    print(f"{score:8.4f}  {g.num_nodes:>5}  {args.module} ({traced.module_class}, input {'x'.join(map(str, shape))})"
          if finite else f"    -inf  {g.num_nodes:>5}  {args.module} (no input->output path)")
    if args.verbose:
        print("# nodes (index, operator text, [source], <- predecessors):")
        for line in traced.describe_nodes():
            print(line)
    how = "torch.fx" if traced.method == "fx" else f"forward hooks ({traced.fallback_reason})"
    print(f"# {traced.module_class} traced with {how} into {g.num_nodes} nodes / {len(g.edges)} edges and scored "
          f"in {seconds:.2f} s, {scored_by(model, None)}", file=sys.stderr)
    return 0


#: measured by experiments/module_scoring.py (docs/module_scoring.md)
MODULE_CAVEAT = ("this shape-aware cell model ranks traced whole networks poorly (Spearman -0.20 with accuracy on 200 "
                 "traced NB201 networks): compare modules with the default model (universal)")


def _count(n: int, noun: str) -> str:
    """``'1 architecture'``, ``'2 architectures'``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _record(space, canon, score: float, rank: int) -> dict:
    """One result record; ``canon`` is already the space's canonical encoding."""
    finite = math.isfinite(score)
    return {"rank": rank, "arch": space.format(canon), "encoding": canon if isinstance(canon, tuple) else str(canon),
            "score": score if finite else None, "connected": finite}


def _lines(path: str) -> Iterator[tuple[int, str, str | None]]:
    """(line number, text, problem) of every non-empty line of a file or of stdin ('-'), read lazily; a line that is
    not UTF-8 text comes with its problem (reported and skipped like any bad line, never the whole file refused)."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        yield from (_decoded(k, line) for k, line in enumerate(stream if stream is not None else sys.stdin, 1)
                    if line.strip())
        return
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise FileNotFoundError(f"--archs-file {path}: {exc.strerror}") from None
    with fh:
        yield from (_decoded(k, line) for k, line in enumerate(fh, 1) if line.strip())


def _decoded(k: int, line: bytes | str) -> tuple[int, str, str | None]:
    if isinstance(line, str):
        return k, line.strip(), None
    try:
        return k, line.decode("utf-8").strip(), None
    except UnicodeDecodeError as exc:
        return k, line.decode("utf-8", "replace").strip(), f"not UTF-8 text (byte {line[exc.start]:#04x} at column " \
            f"{exc.start + 1})"


def _stream_interrupted(path: str, written: int) -> BaseException:
    """Ctrl-C while streaming: which lines were scored and written, and how to go on from the next one."""
    from ..errors import Interrupted

    source = "standard input" if path == "-" else path
    if not written:
        return Interrupted(f"no line of {source} was written yet")
    rest = f"tail -n +{written + 1} {path}" if path != "-" else f"the lines after line {written}"
    return Interrupted(f"lines 1-{written} of {source} were scored and written (whole JSON lines); resume with "
                       f"{rest} | tgnas score ... --archs-file -")


def _stream(lines: Iterator[tuple[int, str, str | None]], space, model, progress: dict
            ) -> tuple[int, int, tuple | None]:
    """Score and write ``lines`` chunk by chunk; returns (scored, bad lines, the first bad line)."""
    import itertools

    from ..api import CHUNK
    from ..graph import ArchitectureError

    n_ok = n_bad = 0
    first_bad = None
    out = sys.stdout
    while True:
        block = list(itertools.islice(lines, CHUNK))
        if not block:
            break
        parsed, bad = [], []
        for k, text, problem in block:
            if problem is not None:
                bad.append((k, text, problem))
                continue
            try:
                parsed.append((k, space.canonical(text)))
            except ArchitectureError as exc:
                bad.append((k, text, str(exc)))
        scores = next(model.score_iter([a for _, a in parsed], space.name, chunk=len(parsed)), []) if parsed else []
        rows = [(k, {"line": k, "arch": space.format(a), "score": float(sc) if math.isfinite(sc) else None})
                for (k, a), sc in zip(parsed, scores)]
        rows += [(k, {"line": k, "input": text[:200], "error": msg}) for k, text, msg in bad]
        out.write("".join(json.dumps(r) + "\n" for _, r in sorted(rows, key=lambda kr: kr[0])))
        out.flush()
        progress["written"] = block[-1][0]
        n_ok += len(parsed)
        n_bad += len(bad)
        if bad and first_bad is None:
            first_bad = bad[0]
    return n_ok, n_bad, first_bad


def run_stream(args: argparse.Namespace, space, model) -> int:
    """``--archs-file``: parse, score and write one chunk at a time (JSON lines), so memory stays flat."""
    t0 = time.time()
    progress = {"written": 0}  # the last line number whose chunk is written
    try:
        n_ok, n_bad, first_bad = _stream(_lines(args.archs_file), space, model, progress)
    except KeyboardInterrupt:
        raise _stream_interrupted(args.archs_file, progress["written"]) from None
    seconds = time.time() - t0
    source = "standard input" if args.archs_file == "-" else args.archs_file
    if n_ok + n_bad == 0:
        print(f"tgnas score: error: --archs-file: {source} has no architecture (no non-empty line)", file=sys.stderr)
        return 2
    print(f"# {_count(n_ok, 'architecture')} of {space.name} scored in {seconds:.2f} s "
          f"({n_ok / max(seconds, 1e-9):,.0f}/s), {scored_by(model, space.name)}; score null = no input->output "
          "path", file=sys.stderr)
    if n_bad:
        k, text, msg = first_bad
        what = f"is not a {space.name} architecture" if n_bad == 1 else f"are not {space.name} architectures"
        print(f"tgnas score: error: {_count(n_bad, 'line')} of {source} {what} (first: line {k}: {msg}); every other "
              "line was scored", file=sys.stderr)
        return 2
    return 0


def run(args: argparse.Namespace) -> int:
    """Score and print."""
    import numpy as np
    import torch

    if args.threads is not None and not 1 <= args.threads <= (os.cpu_count() or 1):
        raise ValueError(f"--threads must be between 1 and the {os.cpu_count() or 1} CPUs this machine has, "
                         f"got {args.threads}")
    torch.set_num_threads(args.threads or 1)
    if args.module:
        return run_module(args)
    if not args.space:
        raise ValueError("the following argument is required: --space (or score a torch.nn.Module with --module)")
    space = get_space(args.space)
    if args.archs_file is not None:
        if args.all or args.arch or args.top is not None:
            raise ValueError("--archs-file streams every line: do not combine it with --arch, --all or --top")
        return run_stream(args, space, load_model(args))
    if args.all == bool(args.arch):
        raise ValueError("give either --arch (one or more), --all or --archs-file")
    if args.all and space.size() is None:
        raise ValueError(f"{space.name} is not enumerable (too large): score given architectures with --arch")
    if args.top is not None and args.top < 1:
        raise ValueError("--top must be a positive number")
    t0 = time.time()
    model = load_model(args)
    archs = list(space.enumerate()) if args.all else [space.canonical(a) for a in args.arch]
    scores = model.score(archs, space=space.name, progress=args.all and not args.json)
    # best first, with --arch as with --all; ranks among everything scored (1 = best); equal scores keep their input
    # order (for --all: enumeration order), the one tie rule on every path (scores do not depend on chunking or
    # threads, so neither does the order)
    order = np.argsort(-scores, kind="stable")
    if args.top:
        order = order[: args.top]
    ranks = (-scores).argsort(kind="stable").argsort() + 1
    records = [_record(space, archs[i], float(scores[i]), int(ranks[i])) for i in order]
    seconds = time.time() - t0
    if args.json:
        # json.dumps without indent runs the C encoder (json.dump and indent= run the pure-Python one, 5x slower)
        sys.stdout.write(json.dumps({"space": space.name, "n_scored": len(archs), "seconds": round(seconds, 3),
                                     **model.describe(space.name),
                                     "results": records}) + "\n")
        return 0
    width = max(len(r["arch"]) for r in records) if records else 4
    print(f"{'rank':>6}  {'score':>8}  arch")
    for r in records:
        s = f"{r['score']:8.4f}" if r["connected"] else "    -inf"
        print(f"{r['rank']:>6}  {s}  {r['arch']:<{width}}")
    print(f"# {_count(len(archs), 'architecture')} of {space.name} scored in {seconds:.2f} s, "
          f"{scored_by(model, space.name)}; -inf = no input->output path", file=sys.stderr)
    return 0
