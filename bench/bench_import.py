"""Benchmark `dentsim import` of a 10,000-patient Open Dental export; print the median.

    python bench/bench_import.py [--patients 10000] [--repeats 5]

The export: a generated practice written in Open Dental's shape by tools/make_example_export.py
(patient, recall, appointment, recalltype, treatplan and proctp tables, a real export's mess).
Each repeat runs the command in a fresh process, as a user would (imports included).
Target: under 10 s (the median; the last line says met or not met).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
TARGET_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from make_example_export import generated, opendental_tables, write_export

    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        p, start = generated(args.patients)
        write_export(export, opendental_tables(p, start))
        times = []
        for k in range(args.repeats):
            cmd = [sys.executable, "-m", "dentsim.cli", "import", str(export),
                   "--out", str(Path(tmp) / f"p{k}")]  # fmt: skip
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
        print(done.stdout.strip().splitlines()[0])
    median = statistics.median(times)
    print(f"import of {args.patients:,} patients: median {median:.2f} s of {args.repeats} "
          f"(min {min(times):.2f} s); target < {TARGET_S:.0f} s: "
          f"{'met' if median < TARGET_S else 'not met'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
