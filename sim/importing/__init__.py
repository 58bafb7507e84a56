"""`dentsim import`: a practice-management export, de-identified, as a practice folder.

`opendental` reads Open Dental's own tables, `mapping` a generic CSV through a YAML column
mapping; both give `records.Person`s, which `practice_dir` de-identifies (`deidentify`) and
writes as patients.parquet and practice.yaml (docs/data.md "The practice folder").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dentsim.errors import InputError
from dentsim.importing import opendental, practice_dir
from dentsim.importing.practice_dir import Imported
from dentsim.importing.table import Log

FORMATS = ("opendental", "csv")


@dataclass(frozen=True, slots=True)
class Result:
    summary: Imported
    warnings: list[str]  # one line each: file, line, column, what was wrong (no value quoted)
    excluded: dict[str, int]  # patients not imported, by status (archived, deceased...)


MAX_REASONS = 20  # an export whose every row is refused: the first reasons, then a count


def import_practice(
    export_dir: Path | str, out: Path | str, fmt: str = "opendental",
    mapping: Path | str | None = None, as_of: date | None = None, state: str | None = None,
    name: str | None = None,
) -> Result:  # fmt: skip
    """Read the export in `export_dir`, de-identify it and write the practice folder `out`.

    Raises InputError (nothing written) when the export cannot be used at all.
    """
    export_dir, out = Path(export_dir), Path(out)
    practice_dir.check_out(out)
    if not export_dir.is_dir():
        raise InputError(f"{export_dir}: not a folder (expected the export's CSV files)")
    log = Log()
    if fmt == "opendental":
        export = opendental.read(export_dir, as_of, log)
    elif fmt == "csv":
        from dentsim.importing import mapping as generic

        if mapping is None:
            raise InputError("--format csv needs --mapping MAP.yaml (docs/data.md)")
        export = generic.read(export_dir, Path(mapping), as_of, log)
    else:
        raise InputError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    if not export.people:  # say why, row by row, as an import with some rows left would
        said = list(dict.fromkeys(log.warnings))
        more = [f"... and {len(said) - MAX_REASONS:,} more"] if len(said) > MAX_REASONS else []
        raise InputError(
            [*said[:MAX_REASONS], *more,
             "the export holds no patient that can be imported; nothing written"]
        )  # fmt: skip
    table, profile, summary = practice_dir.build(export, state, name, log.skipped_rows)
    practice_dir.save(out, table, profile)
    return Result(summary, list(dict.fromkeys(log.warnings)), dict(sorted(export.excluded.items())))
