"""Benchmark `dentsim report` on a 20-replication run of the baseline practice; print the median.

    python bench/bench_report.py [--replications 20] [--repeats 5] [--keep DIR [--reuse]]

The input: `dentsim run --replications N` when the installed dentsim has that option; otherwise
one baseline run copied into the replicated layout (DIR/run.json with "kind": "replicated",
DIR/kpis.json of means and intervals, DIR/replications/r000/ ...). The report does the same work
either way: every replication is read, costed and audited, and the page printed as report.pdf.
Target: under 10 s (the median; the last line says met or not met).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 10.0

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def dentsim(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-c",
        "import sys; from dentsim.cli import main; sys.exit(main())",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)


def make_input(target: Path, replications: int) -> str:
    """Write the replicated run; returns how it was made."""
    if "--replications" in dentsim("run", "--help").stdout:
        done = dentsim(
            "run",
            str(BASELINE),
            "--replications",
            str(replications),
            "--out",
            str(target),
            "--quiet",
        )
        if done.returncode == 0 and (target / "replications").is_dir():
            return f"dentsim run --replications {replications}"
    single = target.parent / "single"
    done = dentsim("run", str(BASELINE), "--out", str(single), "--quiet")
    if done.returncode != 0:
        sys.exit(done.stderr)
    for i in range(replications):
        shutil.copytree(single, target / "replications" / f"r{i:03d}")
    run = json.loads((single / "run.json").read_text())
    kpis = json.loads((single / "kpis.json").read_text())

    def means(row: dict[str, object]) -> dict[str, object]:
        return {
            k: {"mean": v, "ci_low": v, "ci_high": v, "n": replications}
            for k, v in row.items()
            if isinstance(v, int | float)
        }

    replicated = {
        "overall": means(kpis["overall"]),
        "by_use_case": {uc: means(row) for uc, row in kpis["by_use_case"].items()},
    }
    (target / "kpis.json").write_text(json.dumps(replicated))
    (target / "run.json").write_text(json.dumps({**run, "kind": "replicated"}))
    return f"one baseline run copied {replications} times (no `dentsim run --replications`)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Write the input and the report here")
    parser.add_argument(
        "--reuse", action="store_true", help="Report on the input already in --keep DIR"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from dentsim.reports.report import build_report

    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        target = base / "replicated"
        if args.reuse and args.keep and (target / "run.json").is_file():
            how = f"reused {target}"
        else:
            shutil.rmtree(target, ignore_errors=True)
            shutil.rmtree(base / "single", ignore_errors=True)
            how = make_input(target, args.replications)
        times, cpu = [], []
        for _ in range(args.repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            files = build_report(target, base / "report")
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(f"input: {how}")
        print(f"report: {files.headline}")
        median = statistics.median(times)
        # CPU time too: on a busy machine the wall clock measures the neighbours as well
        print(
            f"report of {args.replications} replications: median {median:.2f} s "
            f"over {args.repeats} runs (min {min(times):.2f} s, max {max(times):.2f} s); "
            f"CPU time median {statistics.median(cpu):.2f} s"
        )
        print(f"target under {TARGET_S:.0f} s: {'met' if median < TARGET_S else 'NOT MET'}")


if __name__ == "__main__":
    main()
