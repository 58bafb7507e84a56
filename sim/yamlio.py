"""Load a YAML file into a pydantic model, with errors that name the file, line and key path.

Every user-written YAML file (scenarios, rules, sweeps, agent scripts, personas, conformance
cases, ROI inputs) goes through `load_model`, so they all report problems the same way.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import InputError

M = TypeVar("M", bound=BaseModel)

_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "true", "false"}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+$")
_FLOAT_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True, slots=True)
class Scalar:
    line: int
    text: str | None  # the characters as written, for scalars
    plain: bool  # unquoted


Path_ = tuple[str | int, ...]


def read_yaml(path: Path | str) -> tuple[Any, dict[Path_, Scalar]]:
    """Parse a YAML file with `safe_load` semantics; return the data and a map key path -> position."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a YAML file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}:1: not a text file (not UTF-8: {e.reason})") from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise InputError(f"{path}:1: the file is empty; expected a YAML mapping of keys")
    for n, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip())]
        if "\t" in indent:
            raise InputError(
                f"{path}:{n}: a tab character in the indentation; YAML indents with spaces only"
            )
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(f"{path}:1: the file is empty; expected a YAML mapping of keys")
        positions: dict[Path_, Scalar] = {}
        duplicates: list[str] = []
        _index(node, (), positions, duplicates, path)
        if duplicates:
            raise InputError(duplicates)
        try:
            data = loader.construct_document(node)
        except (ValueError, TypeError, OverflowError) as e:
            raise InputError(_construct_problem(positions, path, e)) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        at_line = mark.line + 1 if mark else 1
        what = e.problem or e.context or "malformed"
        raise InputError(f"{path}:{at_line}: not valid YAML: {what}") from None
    except yaml.YAMLError as e:
        raise InputError(f"{path}:1: not valid YAML: {e}") from None
    finally:
        loader.dispose()
    return data, positions


_DATE_LIKE = re.compile(r"^(\d{4})-(\d\d?)-(\d\d?)([Tt ].*)?$")


def _construct_problem(positions: dict[Path_, Scalar], path: Path, error: Exception) -> str:
    """Find the scalar YAML could not turn into a value (an impossible date, say)."""
    from datetime import date

    for at, scalar in positions.items():
        found = _DATE_LIKE.match(scalar.text or "") if scalar.plain else None
        if found:
            try:
                date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError as bad:
                return f"{path}:{scalar.line}: {_dotted(at)}: not a valid date ({bad}), found {scalar.text}"
    return f"{path}:1: a value YAML cannot read: {error}"


def _index(
    node: yaml.Node, at: Path_, out: dict[Path_, Scalar], dups: list[str], path: Path
) -> None:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        out[at] = Scalar(line, node.value, node.style is None)
    elif isinstance(node, yaml.MappingNode):
        out[at] = Scalar(line, None, False)
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            key_line = key_node.start_mark.line + 1
            if key in seen:
                dotted = _dotted((*at, key))
                dups.append(
                    f"{path}:{key_line}: {dotted}: duplicate key '{key}' (first given at line {seen[key]})"
                )
                continue
            seen[key] = key_line
            _index(value_node, (*at, key), out, dups, path)
            # a key's own line is where its value's problems are reported
            out[(*at, key)] = Scalar(key_line, out[(*at, key)].text, out[(*at, key)].plain)
    elif isinstance(node, yaml.SequenceNode):
        out[at] = Scalar(line, None, False)
        for i, item in enumerate(node.value):
            _index(item, (*at, i), out, dups, path)


def _dotted(loc: Path_) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_model(path: Path | str, model: type[M]) -> M:
    """Read `path` and validate it as `model`; raise InputError with one line per problem."""
    data, positions = read_yaml(path)
    return validate_data(data, positions, model, Path(path))


def validate_data(data: Any, positions: dict[Path_, Scalar], model: type[M], path: Path) -> M:
    if not isinstance(data, dict):
        raise InputError(
            f"{path}:1: expected a mapping of keys at the top level, found {_kind(data)}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise InputError(describe_errors(e, data, positions, model, path)) from None


def describe_errors(
    e: ValidationError,
    data: Any,
    positions: dict[Path_, Scalar],
    model: type[BaseModel],
    path: Path,
) -> list[str]:
    lines: list[str] = []
    for err in e.errors():
        loc = _data_loc(err["loc"], data)
        line = _line_for(loc, positions)
        scalar = positions.get(loc)
        lines.append(f"{path}:{line}: {_dotted(loc)}: {_explain(err, loc, scalar, model)}")
    return sorted(
        set(lines), key=lambda s: (int(s.split(":")[1]) if s.split(":")[1].isdigit() else 0, s)
    )


def _data_loc(loc: tuple[Any, ...], data: Any) -> Path_:
    """Keep only the parts of a pydantic location that are keys or indices of the data."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if (
            isinstance(node, dict)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif (isinstance(node, dict | list) or node is None) and (
            isinstance(part, str) and not _is_pydantic_tag(part)
        ):
            out.append(part)  # a missing or unknown key
            node = None
    return tuple(out)


def _is_pydantic_tag(part: str) -> bool:
    return "[" in part or part in {"function-after", "function-before", "function-plain"}


def _line_for(loc: Path_, positions: dict[Path_, Scalar]) -> int:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in positions:
            return positions[loc[:cut]].line
    return 1


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _explain(err: Any, loc: Path_, scalar: Scalar | None, model: type[BaseModel]) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        allowed = _fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        msg = f"unknown key '{key}'"
        if hint:
            return f"{msg}; did you mean '{hint[0]}'?"
        return f"{msg}; expected one of: {', '.join(sorted(allowed))}" if allowed else msg
    if kind == "missing":
        return f"missing required key '{loc[-1] if loc else '?'}'"
    trap = _yaml_trap(value, scalar)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = re.findall(r"'([^']*)'", expected)
        hint = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
        msg = f"expected one of {expected}, found {_kind(value)}"
        if trap:
            return f"{msg}: {trap}"
        return f"{msg}; did you mean '{hint[0]}'?" if hint else msg
    expected = _EXPECTED.get(kind)
    if expected:
        msg = f"expected {expected}, found {_kind(value)}"
    else:
        text = err["msg"]
        text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        msg = f"{text[0].lower()}{text[1:]}"
        if not isinstance(value, dict | list):
            msg += f", found {_kind(value)}"
    return f"{msg}: {trap}" if trap else msg


_EXPECTED = {
    "float_type": "a number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "list_type": "a list",
    "tuple_type": "a list",
}


def _yaml_trap(value: Any, scalar: Scalar | None) -> str | None:
    if scalar is None or scalar.text is None or not scalar.plain:
        return None
    raw = scalar.text
    if isinstance(value, bool) and raw.lower() in _YAML11_BOOLS:
        return f"YAML reads the unquoted word {raw} as {str(value).lower()}; quote it ('{raw}') if you meant the text"
    if isinstance(value, int) and _SEXAGESIMAL.match(raw):
        quoted = raw
        if raw.count(":") == 1:
            hours, minutes = raw.split(":")
            quoted = f"{int(hours):02d}:{int(minutes):02d}"
        return f"YAML reads the unquoted {raw} as the base-60 number {value}; quote it: '{quoted}'"
    if isinstance(value, str) and _FLOAT_TEXT.match(raw):
        return f"YAML reads {raw} as text, not a number (it needs a dot and a signed exponent); write it as {float(raw)!r}"
    return None


def _fields_at(model: Any, loc: Path_) -> list[str]:
    """The keys a model allows at `loc` (for 'did you mean' hints)."""
    tp: Any = model
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    tp = _unwrap_model(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or name for name, f in tp.model_fields.items()]
    return []


def _unwrap_model(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType) or origin is typing.Annotated:
        for arg in typing.get_args(tp):
            found = _unwrap_model(arg)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
    return tp


def _step(tp: Any, part: str | int) -> Any:
    tp = _unwrap_model(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(part))
        return field.annotation if field else None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None
