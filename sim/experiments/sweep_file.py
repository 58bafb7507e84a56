"""A sweep file: a base scenario, named variants and a grid of dotted-key overrides, times
replications, on common random numbers (replication r of every variant runs with the same seed,
so every variant meets the same patients with the same traits).

`load_sweep` validates a sweep file like a scenario (FILE:LINE: key.path: problem), including
every override against the scenario schema; sweep_run.py runs the Sweep it returns.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from dentsim.domain.population import population_seed
from dentsim.errors import InputError
from dentsim.experiments.replications import SEED_RULE, replica, replication_seed
from dentsim.experiments.tasks import PracticeTask, package_versions
from dentsim.scenario import (
    MAX_SEED,
    RUN_NAME,
    Scenario,
    Strict,
    apply_overrides,
    check_named_files,
    load_scenario,
    with_files_from,
)
from dentsim.simulation.eventlog import FORMAT_VERSION
from dentsim.yamlio import Path_, Scalar, describe_errors, read_yaml, validate_data

BASE = "base"  # the variant without overrides, which every other is compared with
NAME = RUN_NAME  # one safe file name, as a scenario's name is
FORBIDDEN_KEYS = {
    "seed": "the sweep sets the seeds (its `seed:` and replications), so variants share patients",
    "group": "a sweep runs single practices; run a group scenario with `dentsim run`",
    "population.seed": "every variant and replication runs on the base's practice and patients",
}


class VariantConfig(Strict):
    name: Annotated[str, Field(pattern=NAME, max_length=80)]
    description: str = ""
    overrides: dict[str, Any] = Field(
        min_length=1, description="Dotted scenario keys and their values in this variant"
    )


class SweepConfig(Strict):
    name: Annotated[str, Field(pattern=NAME, max_length=80)] | None = Field(
        None, description="Names the output folder; absent: the file's name"
    )
    description: str = ""
    base: str = Field(description="The base scenario file, relative to this sweep file")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = Field(
        None, description="Replication seeds derive from this; absent: the base scenario's seed"
    )
    replications: Annotated[int, Field(ge=1, le=1000)] = 5
    variants: list[VariantConfig] = Field(default_factory=list)
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(
        default_factory=dict,
        description="Dotted keys and the values to try; one variant per combination",
    )

    @model_validator(mode="after")
    def _something_to_compare(self) -> SweepConfig:
        if not self.variants and not self.grid:
            raise ValueError("a sweep needs `variants`, a `grid`, or both")
        return self


@dataclass(frozen=True, slots=True)
class Variant:
    """One variant of a sweep.

    Attributes:
        name: its name (`base` for the base scenario; `key=value,...` for a grid combination).
        overrides: the dotted scenario keys it sets, and their values.
        scenario: the base with the overrides, before the replication seed is set.
    """

    name: str
    overrides: dict[str, Any]
    scenario: Scenario

    @property
    def folder(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.=,-]", "_", self.name)[:120]


@dataclass(frozen=True, slots=True)
class Sweep:
    """A validated sweep: the base first among its variants, and one seed per replication.

    Attributes:
        name: names the output folder.
        description: the sweep file's description.
        base_file: the base scenario file, as the sweep file names it.
        base: the base scenario, with the sweep's seed.
        variants: the base variant first, then the named variants, then the grid's.
        replications: replications per variant.
        seeds: one seed per replication, the same for every variant.
    """

    name: str
    description: str
    base_file: str
    base: Scenario
    variants: tuple[Variant, ...]
    replications: int
    seeds: tuple[int, ...]

    def resolved(self) -> dict[str, Any]:
        """sweep.json: everything that determines the results."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": "sweep",
            "name": self.name,
            "description": self.description,
            "base": self.base_file,
            "base_variant": BASE,
            "replications": self.replications,
            "seed": self.base.seed,
            "population_seed": population_seed(self.base),
            "seed_rule": f"{SEED_RULE}, the same for every variant",
            "seeds": list(self.seeds),
            "variants": [
                {"name": v.name, "folder": f"variants/{v.folder}", "overrides": v.overrides}
                for v in self.variants
            ],
            "base_scenario": self.base.resolved(),
            "versions": package_versions(),
        }

    def tasks(self, out_dir: Path) -> list[PracticeTask]:
        """One task per (variant, replication), variants in order, then replications."""
        return [
            PracticeTask(
                key=f"variants/{v.folder}/r{r:03d}",
                label=f"variant {v.name}, replication {r}, seed {seed}",
                scenario=replica(v.scenario, seed),
                out_root=out_dir,
            )
            for v in self.variants
            for r, seed in enumerate(self.seeds)
        ]


def load_sweep(path: Path | str, replications: int | None = None) -> Sweep:
    """Read and validate a sweep file; every problem is one `FILE:LINE: key.path: ...` line."""
    path = Path(path)
    data, positions = read_yaml(path)
    config = validate_data(data, positions, SweepConfig, path)

    base_path = path.parent / config.base
    where = f"{path}:{_line(positions, ('base',))}: base"
    if not base_path.is_file():
        raise InputError(f"{where}: no scenario file at {base_path}")
    base_data, _ = read_yaml(base_path)
    if isinstance(base_data, dict) and "base" in base_data:  # a sweep's own key
        itself = base_path.resolve() == path.resolve()
        raise InputError(
            f"{where}: {config.base} is a sweep{' (this file itself)' if itself else ''}, "
            "expected a scenario"
        )
    base = load_scenario(base_path)
    if base.group is not None:
        raise InputError(f"{where}: {FORBIDDEN_KEYS['group']}")
    if config.seed is not None:
        base = base.model_copy(update={"seed": config.seed})

    problems: list[str] = []
    variants = [Variant(name=BASE, overrides={}, scenario=base)]
    for found, variant in _named_variants(config, base, path, positions):
        problems += found
        variants += [variant] if variant is not None else []
    for found, variant in _grid_variants(config, base, path, positions):
        problems += found
        variants += [variant] if variant is not None else []
    folders: dict[str, str] = {}
    for v in variants:
        if v.folder in folders:
            problems.append(
                f"{path}:1: variants: '{v.name}' and '{folders[v.folder]}' would share the folder "
                f"variants/{v.folder}; rename one"
            )
        folders[v.folder] = v.name
    if problems:
        raise InputError(problems)

    count = replications if replications is not None else config.replications
    if count < 1:
        raise InputError(f"--replications: expected at least 1, found {count}")
    return Sweep(
        name=config.name or path.stem,
        description=config.description,
        base_file=config.base,
        base=base,
        variants=tuple(variants),
        replications=count,
        seeds=tuple(replication_seed(base.seed, r) for r in range(count)),
    )


Found = tuple[list[str], Variant | None]  # a variant's problems, or the variant


def _named_variants(
    config: SweepConfig, base: Scenario, path: Path, positions: dict[Path_, Scalar]
) -> Iterator[Found]:
    names: dict[str, int] = {}
    for i, v in enumerate(config.variants):
        problems = []
        line = _line(positions, ("variants", i, "name"))
        if v.name == BASE or v.name in names:
            first = f"line {names[v.name]}" if v.name in names else "the base scenario"
            problems.append(
                f"{path}:{line}: variants[{i}].name: the name '{v.name}' is taken (by {first})"
            )
        names[v.name] = line
        at: dict[str, Path_] = {k: ("variants", i, "overrides", k) for k in v.overrides}
        scenario, found = _with_overrides(base, v.overrides, at, path, positions)
        if scenario is None or problems:
            yield problems + found, None
        else:
            yield [], Variant(name=v.name, overrides=dict(v.overrides), scenario=scenario)


def _grid_variants(
    config: SweepConfig, base: Scenario, path: Path, positions: dict[Path_, Scalar]
) -> Iterator[Found]:
    """Each grid key and value checked on its own line, then one variant per combination."""
    if not config.grid:
        return  # no grid, no combination (the product of nothing is one empty combination)
    problems = []
    for key, values in config.grid.items():
        found = _key_problems(base, key, f"{path}:{_line(positions, ('grid', key))}: grid.{key}")
        for j, value in enumerate(values if not found else []):
            found += _with_overrides(base, {key: value}, {key: ("grid", key, j)}, path, positions)[
                1
            ]
        problems += found
    if problems:
        yield problems, None
        return
    keys = list(config.grid)
    short = [k.rsplit(".", 1)[-1] for k in keys]
    labels = short if len(set(short)) == len(short) else keys
    at: dict[str, Path_] = {k: ("grid", k) for k in keys}
    for combination in itertools.product(*config.grid.values()):
        overrides = dict(zip(keys, combination, strict=True))
        name = ",".join(f"{k}={_compact(v)}" for k, v in zip(labels, combination, strict=True))
        scenario, found = _with_overrides(base, overrides, at, path, positions)
        found = [f"{p} (in the combination {name})" for p in found]
        if scenario is None:
            yield found, None
        else:
            yield found, Variant(name=name, overrides=overrides, scenario=scenario)


def _compact(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _with_overrides(
    base: Scenario,
    overrides: dict[str, Any],
    at: dict[str, Path_],
    path: Path,
    positions: dict[Path_, Scalar],
) -> tuple[Scenario | None, list[str]]:
    """The base with `overrides` (validated strictly, like a scenario file), or the problems.

    `at[key]` is where the key's value sits in the sweep file: its line, and the key path
    reported for problems in that value.
    """
    problems = [
        p
        for key in overrides
        for p in _key_problems(
            base, key, f"{path}:{_line(positions, at[key])}: {_sweep_path(at[key])}"
        )
    ]
    if problems:
        return None, problems
    data = base.model_dump()
    scenario_positions: dict[Path_, Scalar] = {}
    for key, value in overrides.items():
        parts = tuple(key.split("."))
        node = data
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
        for p, scalar in positions.items():
            if p[: len(at[key])] == at[key]:
                scenario_positions[parts + p[len(at[key]) :]] = scalar
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        lines = describe_errors(e, data, scenario_positions, Scenario, path)
        return None, [_to_sweep_terms(ln, path, overrides, at, positions) for ln in lines]
    if any(key == "rules_file" or key.startswith("dialogue") for key in overrides):
        # a file the variant names is loaded now, as the base scenario's were
        scenario = with_files_from(scenario, path)
        try:
            check_named_files(scenario, path, scenario_positions)
        except InputError as e:
            return None, [
                _to_sweep_terms(ln, path, overrides, at, positions)
                if ln.startswith(f"{path}:")
                else ln  # a line of the rules file itself
                for ln in e.problems
            ]
    return scenario, []


def _key_problems(base: Scenario, key: str, where: str) -> list[str]:
    """A key the scenario does not have, or one a sweep must not override."""
    forbidden = FORBIDDEN_KEYS.get(key) or FORBIDDEN_KEYS.get(key.split(".")[0])
    if forbidden:
        return [f"{where}: cannot be overridden: {forbidden}"]
    try:
        apply_overrides(base, {key: None})
    except KeyError:
        hint = difflib.get_close_matches(key, _dotted_keys(base), n=1, cutoff=0.75)
        return [
            f"{where}: no such scenario key '{key}'"
            + (f"; did you mean '{hint[0]}'?" if hint else "")
        ]
    except ValidationError:
        pass  # the key exists; its value is checked with the sweep file's positions
    return []


def _to_sweep_terms(
    problem: str,
    path: Path,
    overrides: dict[str, Any],
    at: dict[str, Path_],
    positions: dict[Path_, Scalar],
) -> str:
    """Rewrite `FILE:LINE: scenario.key: msg` to the override's line and sweep-file key path."""
    head = f"{path}:"
    _, rest = problem[len(head) :].split(": ", 1)
    dotted, message = rest.split(": ", 1) if ": " in rest else (rest, "")
    for key in overrides:
        if dotted == key or dotted.startswith((f"{key}.", f"{key}[")):
            suffix = dotted[len(key) :]
            break
        if key.startswith(f"{dotted}."):  # a check on the enclosing section, e.g. open < close
            suffix = ""
            break
    else:
        return problem
    return f"{head}{_line(positions, at[key])}: {_sweep_path(at[key])}{suffix}: {message}"


def _line(positions: dict[Path_, Scalar], at: Path_) -> int:
    for cut in range(len(at), 0, -1):
        if at[:cut] in positions:
            return positions[at[:cut]].line
    return 1


def _sweep_path(at: Path_) -> str:
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _dotted_keys(scenario: Scenario) -> list[str]:
    out: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                out.append(f"{prefix}{k}")
                walk(v, f"{prefix}{k}.")

    walk(scenario.model_dump(), "")
    return out
