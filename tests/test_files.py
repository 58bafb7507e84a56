"""The one atomic writer: whole files or none, readable by others, no temporary left behind."""

from __future__ import annotations

import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dentsim.files import write_bytes, xml_document


def test_a_written_file_is_whole_and_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "audit.json"
    write_bytes(path, b'{"ok": true}\n')
    assert path.read_bytes() == b'{"ok": true}\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600
    assert [p.name for p in path.parent.iterdir()] == ["audit.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "kpis.json"
    write_bytes(path, b"old\n")
    with pytest.raises(TypeError):
        write_bytes(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kpis.json"]


def test_an_xml_report_stays_well_formed_whatever_its_texts_hold() -> None:
    hostile = "bell\x07 esc\x1b nul\x00 lone\ud800 \ufffe ok é 😀"
    root = ET.Element("testsuites", name=hostile)
    ET.SubElement(root, "testcase", name="x").text = hostile
    parsed = ET.fromstring(xml_document(root))
    assert parsed.get("name") == parsed[0].text
    assert parsed[0].text == "bell\\x07 esc\\x1b nul\\x00 lone\ufffd \\ufffe ok é 😀"
