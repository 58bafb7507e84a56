"""Read a YAML file safely, within bounds, and record where each value was written.

Every user-written YAML file (scenarios, rules, sweeps, agent scripts, personas, conformance
cases, ROI inputs) goes through `read_yaml`, so they all report problems the same way, and all
are read within the same bounds: a file of at most MAX_FILE_BYTES, nested at most MAX_DEPTH
levels, holding at most MAX_VALUES values once aliases are expanded (an alias bomb is refused
while it is read, not after it has filled the memory), and no number that is infinite or NaN.
"""

from __future__ import annotations

import math
import re
import stat
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dentsim.errors import InputError


@dataclass(frozen=True, slots=True)
class Scalar:
    """Where a value was written in a YAML file, and how.

    Attributes:
        line: The 1-based line of the value (of its key, for a mapping's entry).
        text: The characters as written, for a scalar; None for a mapping or list.
        plain: True when the scalar is unquoted (YAML then reads `no` as false, `1:30` as 90).
    """

    line: int
    text: str | None
    plain: bool


Path_ = tuple[str | int, ...]  # a key path into the data: keys and list indices


MAX_FILE_BYTES = 256 * 1024  # the largest YAML file dentsim ships is about 12 KB
MAX_DEPTH = 50  # levels of nesting, aliases expanded; dentsim's own files use at most 7
MAX_VALUES = 50_000  # mappings, lists and scalars, aliases expanded; a scenario holds ~1,000


def read_yaml(path: Path | str) -> tuple[Any, dict[Path_, Scalar]]:
    """Parse a YAML file with `safe_load` semantics; return the data and a map key path -> position.

    Bad input raises InputError `FILE:LINE: problem`, and never quotes the file's text beyond
    a value's own short spelling (the file may not be YAML at all: `base: /etc/passwd`).
    """
    path = Path(path)
    text = _read_text(path)
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
    try:
        loader = _BoundedLoader(text, path)  # PyYAML checks every character here
    except yaml.reader.ReaderError as e:
        raise InputError(_reader_problem(text, path, e)) from None
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
    except yaml.reader.ReaderError as e:
        raise InputError(_reader_problem(text, path, e)) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        at_line = mark.line + 1 if mark else 1
        what = e.problem or e.context or "malformed"
        raise InputError(f"{path}:{at_line}: not valid YAML: {what}") from None
    except yaml.YAMLError as e:
        raise InputError(f"{path}:1: not valid YAML: {e}") from None
    finally:
        loader.dispose()
    not_finite: list[str] = []
    _non_finite(data, (), positions, path, not_finite)
    if not_finite:
        raise InputError(not_finite)
    return data, positions


def _read_text(path: Path) -> str:
    """The file's text: a regular file of at most MAX_FILE_BYTES, in UTF-8."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read the file: {e.strerror or e}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a folder, expected a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{path}: not a regular file (a device, pipe or socket); expected a YAML file"
        )
    too_big = (
        f"{path}: the file is larger than {MAX_FILE_BYTES:,} bytes, the most dentsim reads "
        "from a YAML file"
    )
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(too_big)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as e:
        raise InputError(f"{path}: cannot read the file: {e.strerror or e}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(too_big)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}:1: not a text file (not UTF-8: {e.reason})") from None


def _reader_problem(text: str, path: Path, error: yaml.reader.ReaderError) -> str:
    """A character YAML does not allow (a NUL byte, a control character), by line and column."""
    at = error.position if isinstance(error.position, int) else 0
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    code = (
        error.character
        if isinstance(error.character, int)
        else ord(str(error.character)[:1] or "?")
    )
    what = "a NUL byte" if code == 0 else f"the control character U+{code:04X}"
    return (
        f"{path}:{line}: not valid YAML: {what} at column {column}; "
        "a YAML file holds printable text only (is this a text file?)"
    )


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a document deeper than MAX_DEPTH or larger than MAX_VALUES.

    Sizes are counted while the document is composed, an alias counting as the whole node it
    repeats, so a file that would expand to billions of values stops after MAX_VALUES of them.
    """

    def __init__(self, text: str, path: Path):
        super().__init__(text)
        self._path = path
        self._values = 0  # values composed so far, aliases expanded
        self._open = 0  # nodes being composed (the nesting of the text itself)
        self._deepest: list[int] = []  # per open node: the deepest child composed so far
        self._done: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth), aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._done:
                raise self._refuse(
                    event,
                    f"the alias *{event.anchor} repeats a node that contains the alias itself; "
                    "dentsim reads no self-referring YAML",
                )
            values, depth = self._done[id(node)]
            self._count(values, event)
            self._note_child(depth, event)
            return node
        self._open += 1
        if self._open > MAX_DEPTH:
            raise self._refuse(event, self._too_deep())
        self._deepest.append(0)
        before = self._values
        node = super().compose_node(parent, index)
        self._open -= 1
        depth = self._deepest.pop() + 1
        self._count(1, event)
        self._done[id(node)] = (self._values - before, depth)
        self._note_child(depth, event)
        return node

    def _count(self, values: int, event: yaml.Event) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            raise self._refuse(
                event,
                f"more than {MAX_VALUES:,} values with aliases expanded, the most dentsim reads "
                "from a YAML file (aliases that repeat aliases multiply: an alias bomb?)",
            )

    def _note_child(self, depth: int, event: yaml.Event) -> None:
        if depth > MAX_DEPTH:
            raise self._refuse(event, self._too_deep())
        if self._deepest:
            self._deepest[-1] = max(self._deepest[-1], depth)

    def _too_deep(self) -> str:
        return (
            f"nested more than {MAX_DEPTH} levels deep (aliases expanded); dentsim reads YAML "
            f"nested at most {MAX_DEPTH} levels deep"
        )

    def _refuse(self, event: yaml.Event, problem: str) -> InputError:
        line = event.start_mark.line + 1 if event.start_mark else 1
        return InputError(f"{self._path}:{line}: {problem}")


def _non_finite(
    data: Any, at: Path_, positions: dict[Path_, Scalar], path: Path, out: list[str]
) -> None:
    """Every number written as infinite or NaN (.inf, .nan, 1.0e+999): no input means one."""
    if isinstance(data, float) and not math.isfinite(data):
        scalar = positions.get(at)
        written = scalar.text if scalar is not None and scalar.text is not None else str(data)
        out.append(
            f"{path}:{line_for(at, positions)}: {dotted(at)}: expected a finite number, "
            f"found {written}"
        )
    elif isinstance(data, dict):
        for key, value in data.items():
            _non_finite(value, (*at, _key_text(key)), positions, path, out)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            _non_finite(item, (*at, i), positions, path, out)


def _key_text(key: Any) -> str:
    """A key as `_index` records it (the text of the key's node) for the common key types."""
    return key if isinstance(key, str) else str(key)


_DATE_LIKE = re.compile(r"^(\d{4})-(\d\d?)-(\d\d?)([Tt ].*)?$")


def _construct_problem(positions: dict[Path_, Scalar], path: Path, error: Exception) -> str:
    """Find the scalar YAML could not turn into a value (an impossible date, say)."""
    for at, scalar in positions.items():
        found = _DATE_LIKE.match(scalar.text or "") if scalar.plain else None
        if found:
            try:
                date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError as bad:
                return f"{path}:{scalar.line}: {dotted(at)}: not a valid date ({bad}), found {scalar.text}"
        digits = sum(c.isdigit() for c in scalar.text or "") if scalar.plain else 0
        if digits > _MAX_DIGITS:
            return (
                f"{path}:{scalar.line}: {dotted(at)}: a number of {digits:,} digits; "
                f"dentsim reads numbers of at most {_MAX_DIGITS:,} digits"
            )
    return f"{path}:1: a value YAML cannot read: {error}"


_MAX_DIGITS = 4300  # Python's limit for turning text into a whole number


def _index(
    node: yaml.Node, at: Path_, out: dict[Path_, Scalar], dups: list[str], path: Path
) -> None:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        out[at] = Scalar(line=line, text=node.value, plain=node.style is None)
    elif isinstance(node, yaml.MappingNode):
        out[at] = Scalar(line=line, text=None, plain=False)
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            key_line = key_node.start_mark.line + 1
            if key in seen:
                dups.append(
                    f"{path}:{key_line}: {dotted((*at, key))}: duplicate key '{key}' (first given at line {seen[key]})"
                )
                continue
            seen[key] = key_line
            _index(value_node, (*at, key), out, dups, path)
            # a key's own line is where its value's problems are reported
            out[(*at, key)] = replace(out[(*at, key)], line=key_line)
    elif isinstance(node, yaml.SequenceNode):
        out[at] = Scalar(line=line, text=None, plain=False)
        for i, item in enumerate(node.value):
            _index(item, (*at, i), out, dups, path)


def dotted(loc: Path_) -> str:
    """The key path as written in messages: `campaigns.recall.cadence[0].day`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def line_for(loc: Path_, positions: dict[Path_, Scalar]) -> int:
    """The line of the key path, or of its nearest parent that was written (1 when none was)."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in positions:
            return positions[loc[:cut]].line
    return 1
