"""What a result directory holds: a run, replications, a group or a sweep.

This module alone knows the names dentsim writes into a result directory. From them:
`prepare_run_dir` readies a directory for a new run (it refuses a folder that is not a dentsim
result, and removes the previous run's files and nothing else, run.json first); a single run is
written beside the previous one (`staging_dir`) and takes its place by renames (`replace_run`);
`open_results` finds a finished result's kind and the practice-years inside it, for
`dentsim report` and `dentsim check` alike; `audit_results` audits each of those practice-years.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dentsim.compliance.audit import ResultsAudit, RunAudit, audit_run
from dentsim.compliance.rules import RuleSet, load_rules
from dentsim.errors import InputError
from dentsim.files import check_output_dir
from dentsim.simulation.rows import SCHEMAS

Kind = Literal["single", "replicated", "sweep", "group"]
MANIFEST = "run.json"  # written last by every kind: a directory with one holds a finished run
SWEEP_MANIFEST = "sweep.json"
CHECKPOINT = "done.json"  # a finished task's record, beside its run.json
STAGING = ".dentsim-writing"  # a single run being written, before it replaces the previous one

# A single run's files (docs/data.md), and those replicated runs, groups and sweeps add.
RUN_FILES = frozenset(
    {"practices.parquet", "patients.parquet", *(f"{name}.parquet" for name in SCHEMAS)}
    | {"transcripts.jsonl", "kpis.json", MANIFEST, CHECKPOINT}
)
GROUP_FILES = ("practice_kpis.parquet", "practices.parquet")
SWEEP_FILES = (  # beside sweep.json (written first) and run.json (last)
    "results.parquet",
    "summary.parquet",
    "summary.json",
    "pareto.json",
    "failures.json",
    "timings.json",
)
EXPERIMENT_FILES = frozenset({*GROUP_FILES, SWEEP_MANIFEST, *SWEEP_FILES})
# Where each kind keeps its practice-years, for results whose run.json does not list them.
TASK_GLOBS = {"replicated": "replications/*", "group": "practices/*", "sweep": "variants/*/*"}


# --- the names dentsim writes -------------------------------------------------------------------


def _names(names: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(n) for n in sorted(names)))


# temporary files of an atomic write, and the test-only marker of a task that killed its worker
_SCRATCH = re.compile(r"\..+\.tmp|\.[rp]\d+\.killed")


@dataclass(frozen=True, slots=True)
class _Layout:
    """The names dentsim writes in one folder: files, and folders with their own layouts."""

    files: re.Pattern[str]
    folders: tuple[tuple[re.Pattern[str], _Layout], ...] = ()

    def holds_file(self, name: str) -> bool:
        return bool(self.files.fullmatch(name) or _SCRATCH.fullmatch(name))

    def folder(self, name: str) -> _Layout | None:
        return next((sub for pattern, sub in self.folders if pattern.fullmatch(name)), None)

    def knows(self, entry: Path) -> bool:
        if entry.is_dir() and not entry.is_symlink():
            return self.folder(entry.name) is not None
        return self.holds_file(entry.name)


_NOTHING = re.compile(r"(?!)")


def _holding(pattern: str, layout: _Layout) -> _Layout:
    """A folder holding only folders named by `pattern`, each laid out as `layout`."""
    return _Layout(_NOTHING, ((re.compile(pattern), layout),))


# `dentsim report`'s default output, DIR/report: it describes the run it was made from
_REPORT = _Layout(
    _names({"report.html", "report.pdf", "roi.json"}),
    ((re.compile("charts"), _Layout(re.compile(r"[A-Za-z0-9_]+\.png"))),),
)
_TASK = _Layout(_names(RUN_FILES), ((re.compile("report"), _REPORT),))
_RESULT = _Layout(
    _names(RUN_FILES | EXPERIMENT_FILES),
    (
        (re.compile("replications"), _holding(r"r\d{3,}", _TASK)),
        (re.compile("practices"), _holding(r"p\d{5,}", _TASK)),
        # a variant's folder: its name, anything but [A-Za-z0-9_.=,-] made "_" (sim/experiments/sweep_file.py)
        (re.compile("variants"), _holding(r"[A-Za-z0-9_.=,-]+", _holding(r"r\d{3,}", _TASK))),
        (re.compile("report"), _REPORT),
    ),
)


def is_result_file(root: Path, path: Path) -> bool:
    """Whether `path` names a file dentsim writes inside the result directory `root` (a table,
    run.json, a practice-year's files, a report): a file written there would overwrite, or be
    taken for, a part of the result. Both paths are resolved first, so "./x/../attempts.parquet"
    is caught as well."""
    try:
        rel = path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    if not rel.parts:
        return False
    layout = _RESULT
    for name in rel.parts[:-1]:
        sub = layout.folder(name)
        if sub is None:
            return False
        layout = sub
    return layout.holds_file(rel.parts[-1])


# --- a directory for a new run -----------------------------------------------------------------


def check_run_dir(root: Path) -> None:
    """Refuse, before any work, a directory no run can be written to, or one that is neither
    empty nor a dentsim result (a run, an unfinished run, replications, a group, a sweep)."""
    check_output_dir(root)
    if not root.is_dir() or _is_result_dir(root):
        return
    strangers = sorted(e.name for e in _strangers(root))
    shown = ", ".join(strangers[:3]) + (", ..." if len(strangers) > 3 else "")
    raise InputError(
        f"{root}: not empty and not a dentsim result directory (it holds {shown}); "
        "write the run to a new or empty directory, or to one dentsim wrote"
    )


def clear_run_dir(root: Path, keep: Iterable[Path] = ()) -> None:
    """Make `root` hold no run: run.json goes first (without it the directory holds no finished
    run), then every file and folder a previous run of any kind wrote, except the folders in
    `keep` (the tasks a resumed run may reuse). Files dentsim does not write stay."""
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST).unlink(missing_ok=True)
    _remove_known(root, _RESULT, frozenset(keep))


def staging_dir(root: Path) -> Path:
    """Where a new single run is written before it takes the place of the one in `root`: a
    hidden folder inside it (left over from a run killed while writing: emptied first)."""
    staging = root / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def replace_run(root: Path, staging: Path) -> None:
    """Put the run written in `staging` in the place of whatever run `root` held.

    The previous run stays whole until the new one is completely written; then come renames
    only: run.json goes first (a directory without one holds no finished run), the new files
    replace the old, what the previous run wrote and this one did not is removed, and the new
    run.json comes last. A kill during the write leaves the previous run as it was.
    """
    (root / MANIFEST).unlink(missing_ok=True)
    moved = set()
    for entry in sorted(staging.iterdir()):
        if entry.name != MANIFEST:
            os.replace(entry, root / entry.name)
            moved.add(root / entry.name)
    _remove_known(root, _RESULT, frozenset(moved))
    os.replace(staging / MANIFEST, root / MANIFEST)
    staging.rmdir()


def prepare_run_dir(root: Path, keep: Iterable[Path] = ()) -> None:
    """check_run_dir, then clear_run_dir."""
    check_run_dir(root)
    clear_run_dir(root, keep)


def _is_result_dir(root: Path) -> bool:
    if any(_written_by_dentsim(root / name) for name in (MANIFEST, SWEEP_MANIFEST, CHECKPOINT)):
        return True
    return not _strangers(root)


def _strangers(root: Path) -> list[Path]:
    """Entries dentsim does not write (hidden ones, e.g. a file manager's .DS_Store, aside)."""
    return [e for e in root.iterdir() if not (_RESULT.knows(e) or e.name.startswith("."))]


def _written_by_dentsim(path: Path) -> bool:
    """A run.json, sweep.json or done.json of dentsim's (not merely a file of that name)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and ("format_version" in data or "scenario_sha256" in data)


def _remove_known(folder: Path, layout: _Layout, keep: frozenset[Path]) -> None:
    for entry in sorted(folder.iterdir()):
        if entry in keep:
            continue
        sub = layout.folder(entry.name)
        if entry.is_dir() and not entry.is_symlink():
            if sub is not None:
                _remove_known(entry, sub, keep)
                with contextlib.suppress(OSError):  # it still holds something of the user's
                    entry.rmdir()
        elif layout.holds_file(entry.name):
            entry.unlink()


# --- a finished result -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PracticeYear:
    """One single-run directory inside a result."""

    key: str  # its folder under the result directory ("." for a single run)
    label: str  # for people: "replication 3, seed 123", "practice 7 (CA, 900 patients), seed 1"
    path: Path


@dataclass(frozen=True, slots=True)
class Results:
    """A result directory: its kind, its manifest, and the practice-years inside it."""

    kind: Kind
    root: Path
    manifest: dict[str, Any]  # run.json (sweep.json for a sweep)
    runs: tuple[PracticeYear, ...]
    notes: tuple[str, ...] = ()  # e.g. tasks that failed and hold no result

    @property
    def run_dirs(self) -> tuple[Path, ...]:
        return tuple(r.path for r in self.runs)

    @property
    def kpis(self) -> dict[str, Any] | None:
        """DIR/kpis.json, read when asked (None for a sweep: see summary.json)."""
        return None if self.kind == "sweep" else json_object(self.root / "kpis.json")


def read_json(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid JSON ({e})") from None


def json_object(path: Path) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object at the top level")
    return data


def open_results(path: Path | str) -> Results:
    """The kind of a result directory, from run.json's "kind" (absent: a single run), and the
    practice-years run.json lists (older results: the folders found that hold a run.json)."""
    root = Path(path)
    if not root.exists():
        raise InputError(f"{root}: no such run directory")
    if not root.is_dir():
        raise InputError(f"{root}: not a directory; expected a dentsim result directory")
    run_json, sweep_json = root / MANIFEST, root / SWEEP_MANIFEST
    # a sweep from before sweeps wrote a run.json: its summary tells it from an unfinished one
    if not run_json.is_file() and (root / "summary.parquet").is_file() and sweep_json.is_file():
        note = "no run.json (a sweep from before sweeps wrote one): every practice-year found"
        runs = _found_runs(root, "sweep")
        return Results("sweep", root, json_object(sweep_json), runs, (note,))
    if not run_json.is_file() and any(_RESULT.knows(e) for e in root.iterdir()):
        raise InputError(
            f"{root}: holds no finished run (no run.json, which a run writes last: "
            "interrupted?); run it again, or with --resume"
        )
    if not run_json.is_file():
        raise InputError(
            f"{root}: not a dentsim result directory (no run.json or sweep.json); "
            "give the folder written by `dentsim run --out`"
        )
    manifest = json_object(run_json)
    kind = manifest.get("kind")
    if kind in (None, "single"):
        return Results("single", root, manifest, (PracticeYear(".", str(root), root),))
    if kind not in TASK_GLOBS:
        raise InputError(
            f"{run_json}: kind: expected one of replicated, sweep, group (or no kind), "
            f"found {kind!r}"
        )
    listed = manifest.get("runs")
    runs = _listed_runs(root, listed) if listed is not None else _found_runs(root, kind)
    if not runs:
        raise InputError(f"{root}: no practice-year directories found (none finished?)")
    failures = manifest.get("failures") or []
    notes = (
        (f"{len(failures)} task(s) failed and hold no result: see run.json's failures",)
        if failures
        else ()
    )
    own = json_object(sweep_json) if kind == "sweep" else manifest
    return Results(kind, root, own, runs, notes)


def _listed_runs(root: Path, listed: Any) -> tuple[PracticeYear, ...]:
    where = f"{root / MANIFEST}: runs"
    if not isinstance(listed, list):
        raise InputError(f"{where}: expected a list of {{dir, label}} objects")
    runs: list[PracticeYear] = []
    for i, entry in enumerate(listed):
        folder = entry.get("dir") if isinstance(entry, dict) else None
        if not isinstance(folder, str) or not _inside(folder):
            raise InputError(f"{where}[{i}].dir: expected a folder inside {root}, found {folder!r}")
        path = root / folder
        if not (path / MANIFEST).is_file():
            raise InputError(f"{path}: listed in {root / MANIFEST} but holds no run.json")
        if any(r.path.resolve() == path.resolve() for r in runs):
            raise InputError(f"{where}[{i}].dir: {folder!r} is listed twice")
        runs.append(PracticeYear(folder, str(entry.get("label") or folder), path))
    return tuple(runs)


def _inside(folder: str) -> bool:
    parts = Path(folder).parts
    return bool(parts) and not Path(folder).is_absolute() and ".." not in parts


def _found_runs(root: Path, kind: str) -> tuple[PracticeYear, ...]:
    found = sorted(p.parent for p in root.glob(f"{TASK_GLOBS[kind]}/{MANIFEST}"))
    return tuple(PracticeYear(p.relative_to(root).as_posix(), _task_label(p), p) for p in found)


def _task_label(path: Path) -> str:
    try:
        label = json.loads((path / CHECKPOINT).read_text(encoding="utf-8")).get("label")
    except (OSError, ValueError, AttributeError):
        label = None
    return label if isinstance(label, str) else path.name


def audit_results(
    results: Results | Path | str, rules: RuleSet | None = None, max_examples: int = 10
) -> ResultsAudit:
    """Audit every practice-year of a result directory of any kind (dentsim.compliance.audit.audit_run each)."""
    results = results if isinstance(results, Results) else open_results(results)
    if not results.runs:
        raise InputError(f"{results.root}: no practice-year directories found (none finished?)")
    rules = rules if rules is not None else load_rules()
    runs = tuple(
        RunAudit(r.key, r.label, audit_run(r.path, rules, max_examples)) for r in results.runs
    )
    return ResultsAudit(str(results.root), results.kind, runs, results.notes)
