"""Shared plumbing for the agents' data files: where the built-ins live, and one-line errors.

Scripts, personas and cases all report cross-reference problems (an unknown state, an
unreachable one) as `FILE:LINE: key.path: problem`, like `dentsim.yamlio` does for schema errors.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict

from dentsim.errors import InputError
from dentsim.yamlio import Scalar, dotted, line_for, read_yaml, validate_data

if TYPE_CHECKING:
    from dentsim.agents.protocol import Agent

AgentFactory = Callable[[], "Agent"]

M = TypeVar("M", bound=BaseModel)
KeyPath = tuple[str | int, ...]


class StrictModel(BaseModel):
    """Base of every agents YAML schema: unknown keys and silent type coercions are errors."""

    model_config = ConfigDict(extra="forbid", strict=True)


@lru_cache(maxsize=32)
def builtin_dir(package: str) -> Path:
    """The folder of a data package shipped with dentsim (e.g. `dentsim.agents.scripts`)."""
    try:
        root = resources.files(package)
        if isinstance(root, Path):
            return root
    except (NotADirectoryError, TypeError, ModuleNotFoundError):
        pass  # e.g. a stale editable install that maps the package as a namespace
    module = importlib.import_module(package)
    for entry in getattr(module, "__path__", []):
        if Path(entry).is_dir():
            return Path(entry)
    raise InputError(
        f"{package}: built-in data must be installed as files, not zipped"
    )  # pragma: no cover


def yaml_files(folder: Path) -> list[Path]:
    """The YAML files of a folder, sorted by name, or an InputError if it is not a folder."""
    if not folder.exists():
        raise InputError(f"{folder}: folder not found")
    if not folder.is_dir():
        raise InputError(f"{folder}: expected a folder of YAML files")
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_with_positions(path: Path, model: type[M]) -> tuple[M, dict[KeyPath, Scalar]]:
    """Validate a YAML file as `model` and keep the key positions for cross-reference errors."""
    data, positions = read_yaml(path)
    traps: list[str] = []
    _non_text_keys(data, (), positions, path, traps)
    if traps:
        raise InputError(traps)
    return validate_data(data, positions, model, path), positions


def _non_text_keys(
    data: Any, at: KeyPath, positions: dict[KeyPath, Scalar], path: Path, out: list[str]
) -> None:
    """Keys YAML did not read as text (`on`, `yes`, `no` become true/false; `1` a number)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str):
                raw = next(
                    (
                        k[-1]
                        for k in positions
                        if len(k) == len(at) + 1 and k[:-1] == at and _same(k[-1], key)
                    ),
                    str(key),
                )
                out.append(
                    problem(
                        path,
                        positions,
                        (*at, str(raw)),
                        f"YAML reads the unquoted key {raw} as {str(key).lower()}; quote it ('{raw}')",
                    )
                )
            _non_text_keys(value, (*at, str(key)), positions, path, out)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            _non_text_keys(item, (*at, i), positions, path, out)


def _same(raw: str | int, key: Any) -> bool:
    """Whether the key written as `raw` is the one YAML read as `key`."""
    if not isinstance(raw, str):
        return False
    if isinstance(key, bool):
        return raw.lower() in ({"true", "yes", "on", "y"} if key else {"false", "no", "off", "n"})
    return raw == str(key)


def problem(path: Path, positions: dict[KeyPath, Scalar], key_path: KeyPath, message: str) -> str:
    """One error line: the file, the line of the nearest known key, the key path, the problem."""
    return f"{path}:{line_for(key_path, positions)}: {dotted(key_path)}: {message}"


def unknown(what: str, name: Any, known: Iterable[str]) -> str:
    """ "unknown state 'ofer'; did you mean 'offer'?" or the list of what is allowed."""
    options = sorted(set(known))
    hint = difflib.get_close_matches(str(name), options, n=1, cutoff=0.6)
    if hint:
        return f"unknown {what} '{name}'; did you mean '{hint[0]}'?"
    listed = ", ".join(options[:30]) + (", ..." if len(options) > 30 else "")
    return f"unknown {what} '{name}'; expected one of: {listed}"


def load_factory(
    ref: str, where: str | None = None, *, must_make_agent: bool = False
) -> AgentFactory:
    """`package.module:factory` -> the callable (the current folder is importable).

    The factory is called once to see that it makes an agent. Problems are InputError lines
    that start with `where` (e.g. `scenario.yaml:12: dialogue.agent`), or with `ref`. Nothing
    the module or the factory raises ends the caller, `SystemExit` included.

    A factory that raises is returned as it is, for `dentsim agent-test` to report the failure
    in each case it plays; with `must_make_agent` (a scenario's agent, which a run must make)
    it is an InputError too.
    """
    at = where or ref
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(f"{at}: expected MODULE:FACTORY, e.g. dentsim.agents.scripted:make_agent")
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except InputError:
        raise
    except (Exception, SystemExit) as e:  # any import failure of user code is bad input
        hint = ""
        if module_name.split(".")[0] in ("agents", "sim", "reports"):
            hint = f"; dentsim's own modules are under dentsim: did you mean 'dentsim.{ref}'?"
        raise InputError(
            f"{at}: cannot import module '{module_name}' ({ref}): {type(e).__name__}: {e}{hint}"
        ) from None
    target: object = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise InputError(f"{at}: module '{module_name}' has no attribute '{attr}'")
        target = getattr(target, part)
    if not callable(target):
        raise InputError(
            f"{at}: '{attr}' is not callable; expected a function or class that returns an agent"
        )
    factory: AgentFactory = target  # type: ignore[assignment]
    try:
        probe = factory()
    except InputError:
        raise
    except SystemExit as e:
        raise InputError(
            f"{at}: calling {ref} raised SystemExit({e.code!r}); a factory must return an agent"
        ) from None
    except Exception as e:
        if not must_make_agent:  # reported per case by run_case
            return factory
        raise InputError(
            f"{at}: calling {ref} raised {_described(e)}; a factory must return an agent"
        ) from None
    except GeneratorExit as e:
        raise InputError(
            f"{at}: calling {ref} raised {_described(e)}; a factory must return an agent"
        ) from None
    if not callable(getattr(probe, "respond", None)):
        raise InputError(
            f"{at}: the factory returned {type(probe).__name__}, which has no respond(context, utterance) method"
        )
    return factory


def load_agent(ref: str, where: str | None = None) -> Agent:
    """The agent that `MODULE:FACTORY` makes (bad references, and a factory that raises or
    makes no agent, are InputError lines starting with `where` or `ref`: exit 2)."""
    at = where or ref
    factory = load_factory(ref, where, must_make_agent=True)
    try:
        agent: Agent = factory()
    except InputError:
        raise
    except (Exception, SystemExit, GeneratorExit) as e:  # it made an agent when probed
        raise InputError(
            f"{at}: calling {ref} raised {_described(e)}; a factory must return an agent"
        ) from None
    if not callable(getattr(agent, "respond", None)):
        raise InputError(
            f"{at}: the factory returned {type(agent).__name__}, which has no respond(context, utterance) method"
        )
    return agent


def _described(e: BaseException) -> str:
    """`RuntimeError: boom`, on one line and short."""
    text = " ".join(str(e).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
