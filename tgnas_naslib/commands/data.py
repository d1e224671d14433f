"""``tgnas data``: is every file of the benchmark data directory present and intact (size and sha256), which
features need each one, and where its original comes from."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from . import add_data_dir

if TYPE_CHECKING:  # the data module is imported when the command runs
    from ..datasets.files import DataCheck

#: exit statuses: every file present and intact / a file corrupt / some missing, none corrupt
EXIT_OK, EXIT_CORRUPT, EXIT_MISSING = 0, 1, 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas data``."""
    p = sub.add_parser(
        "data", help="check the benchmark data directory: every file present / missing / corrupt",
        description="For each file the benchmark data directory can hold: present and intact, missing, or corrupt "
                    "(size and sha256 against the values recorded in the package); which features need it; where "
                    "the original comes from and its licence.",
        epilog=f"Exit status: {EXIT_OK} every file present and intact, {EXIT_CORRUPT} a file is corrupt, "
               f"{EXIT_MISSING} some files are missing (none corrupt), 2 a bad argument.")
    add_data_dir(p, " to check")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=run)


def exit_status(report: DataCheck) -> int:
    """:data:`EXIT_CORRUPT` when a file is corrupt, else :data:`EXIT_MISSING` when one is missing, else 0."""
    from ..datasets.files import CORRUPT, MISSING

    if report.count(CORRUPT):
        return EXIT_CORRUPT
    return EXIT_MISSING if report.count(MISSING) else EXIT_OK


def as_dict(report: DataCheck) -> dict:
    """The report as JSON-ready values (``--json``)."""
    from ..datasets.files import needed_by

    files = [{"path": c.file.path, "status": c.status, "problem": c.problem, "size": c.size,
              "expected_size": c.file.size, "sha256": c.sha256, "expected_sha256": c.file.sha256,
              "what": c.file.what, "needed_by": needed_by(c.file.path), "origin": c.file.origin,
              "licence": c.file.licence} for c in report.files]
    return {"data_dir": str(report.root), "chosen": report.chosen, "exists": report.exists,
            "counts": {s: report.count(s) for s in ("ok", "missing", "corrupt")}, "files": files,
            "bytes_hashed": report.bytes_hashed, "seconds": round(report.seconds, 3),
            "exit_status": exit_status(report)}


def summary(report: DataCheck) -> str:
    """The closing line: the counts, what was hashed in how long, and for missing files how to point elsewhere."""
    from .. import paths
    from ..datasets.files import CORRUPT, MISSING, OK

    n, ok, missing, corrupt = len(report.files), report.count(OK), report.count(MISSING), report.count(CORRUPT)
    line = (f"{n} files: {ok} present and intact, {missing} missing, {corrupt} corrupt; sha256 of "
            f"{report.bytes_hashed / 1e6:.1f} MB in {report.seconds:.2f} s")
    if missing:
        where = "does not exist" if not report.exists else f"lacks {missing} of them"
        line += (f". The data directory {report.root} ({report.chosen}) {where}: {paths.how_to_set()}; "
                 "benchmarks_data/README.md says where each file comes from")
    return line


def _print_text(report: DataCheck) -> None:
    from ..datasets.files import needed_by

    print(f"data directory: {report.root} ({report.chosen})" + ("" if report.exists else ": does not exist"))
    for c in report.files:
        state = f"{c.size:,} bytes, sha256 matches" if c.status == "ok" else c.problem
        print(f"{c.status:<8} {c.file.path}: {state}")
        print(f"{'':9}{c.file.what}")
        print(f"{'':9}needed by: {'; '.join(needed_by(c.file.path))}")
        print(f"{'':9}original: {c.file.origin} ({c.file.licence})")
    print(summary(report))


def run(args: argparse.Namespace) -> int:
    """Check every file, print the report; the exit status says whether anything is corrupt or missing."""
    from ..datasets.files import check

    report = check(args.data_dir)
    if args.json:
        json.dump(as_dict(report), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _print_text(report)
    return exit_status(report)
