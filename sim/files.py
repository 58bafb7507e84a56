"""Writing a file so that no reader ever sees half of it: a temporary name, then a rename; and
checking an output path before any work, so that a path no file can be written to is refused at
once rather than after a whole run.

No domain logic: the event log, the compliance audit and the agent conformance suite all write
their files through here (the audit and the dialogue code import nothing else of the simulator's
workings).
"""

from __future__ import annotations

import os
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from dentsim.errors import InputError


def write_bytes(path: Path | str, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would keep others from reading a report
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- output paths, checked before any work -----------------------------------------------------


def check_output_file(path: Path | str, option: str = "") -> None:
    """Refuse at once a path no file can be written to: a folder, a FIFO or device, a symbolic
    link (the file is replaced whole, which would replace the link), a path under a file, or a
    place that cannot be written. `option` (e.g. "--junit") starts the message. Called before
    any work, so a bad path never costs a run and then a traceback."""
    path = Path(path)
    where = f"{option} {path}" if option else str(path)
    if path.is_dir():
        raise InputError(f"{where}: is a directory; expected a file name")
    if path.exists() and not path.is_file():
        raise InputError(f"{where}: not a regular file (a FIFO, device or socket); expected a file")
    if path.is_symlink():
        raise InputError(f"{where}: is a symbolic link; give the path of a file or a new name")
    _check_creatable(path.parent, where)


def check_output_dir(path: Path | str, option: str = "") -> None:
    """Refuse at once a directory path that cannot hold output: an existing file, FIFO or
    device, a path under a file, or a place that cannot be written."""
    path = Path(path)
    where = f"{option} {path}" if option else str(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{where}: not a directory (a file of that name exists)")
    _check_creatable(path, where)


def _check_creatable(folder: Path, where: str) -> None:
    """`folder` exists and can be written, or its nearest existing parent is a folder that can:
    tried by making (and removing) a folder there, which also catches read-only file systems
    and kernel folders such as /proc that permissions alone do not tell."""
    for at in (folder, *folder.parents):
        if not at.exists():
            if at.is_symlink():
                raise InputError(f"{where}: cannot be created: {at} is a broken symbolic link")
            continue
        if not at.is_dir():
            raise InputError(f"{where}: cannot be created: {at} is a file, not a directory")
        try:
            os.rmdir(tempfile.mkdtemp(prefix=".dentsim-", dir=at))
        except OSError as e:
            raise InputError(f"{where}: cannot write in {at} ({e.strerror})") from None
        return


# Characters XML 1.0 allows; any other (most control characters, U+FFFE, U+FFFF, lone
# surrogates) makes a document ill-formed, so a report carries it as an escape such as \x1b.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def valid_unicode(text: str) -> str:
    """`text` as valid Unicode: a lone surrogate (half of a UTF-16 pair, which no file format
    can hold and no voice can say) becomes U+FFFD; a pair written as two halves is joined."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def xml_text(text: str) -> str:
    """`text` with every character XML cannot hold written as a visible escape, like \\x00
    (a lone surrogate becomes U+FFFD, as in the JSON reports)."""
    return _NOT_XML.sub(_escape, valid_unicode(text))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_document(root: ET.Element) -> bytes:
    """`root` as an indented, well-formed UTF-8 XML document (JUnit reports), whatever its
    texts hold: what an agent says or a result file names may hold what XML cannot."""
    for element in root.iter():
        element.text = xml_text(element.text) if element.text else element.text
        element.attrib = {k: xml_text(v) for k, v in element.attrib.items()}
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
