from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao_rules import RulebookError, load_rulebook
from yibao_rules.yaml_source import MAX_FILE_BYTES, read_yaml


def read(tmp_path: Path, text: str | bytes):  # type: ignore[no-untyped-def]
    f = tmp_path / "x.yaml"
    f.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return read_yaml(f, "x.yaml")


def test_values_keep_their_positions(tmp_path: Path) -> None:
    doc, problems = read(tmp_path, "a:\n  - b: 1\n    c: 甘肃省\n")
    assert not problems and doc is not None
    assert doc.data == {"a": [{"b": 1, "c": "甘肃省"}]}
    assert str(doc.location(("a", 0, "c"))) == "x.yaml:3:8"
    assert str(doc.location(("a", 0, "c"), key=True)) == "x.yaml:3:5"
    assert str(doc.location(("a", 0, "missing"))) == "x.yaml:2:5"


def test_duplicate_keys_are_errors_not_overwrites(tmp_path: Path) -> None:
    _doc, problems = read(tmp_path, "name: 甲\nid: x\nname: 乙\n")
    assert [p.brief() for p in problems] == ["x.yaml:3:1: 重复的键 'name' (duplicate key; first defined at line 1)"]


def test_alias_bomb_is_refused_unexpanded(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    doc, problems = read(tmp_path, bomb)
    assert doc is None and "aliases are not allowed" in problems[0].message
    assert problems[0].location.line == 2


def test_non_utf8_is_located(tmp_path: Path) -> None:
    doc, problems = read(tmp_path, b"a: 1\nb: \xff\n")
    assert doc is None
    assert problems[0].brief().startswith("x.yaml:2:4: ") and "UTF-8" in problems[0].message


def test_control_characters_are_located(tmp_path: Path) -> None:
    doc, problems = read(tmp_path, "a: 1\nb: x\x07\n")
    assert doc is None and (problems[0].location.line, problems[0].location.col) == (2, 5)


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    _doc, problems = read(tmp_path, "a: " + "[" * 200 + "]" * 200 + "\n")
    assert problems and "nest" in problems[0].message


def test_empty_and_multi_document_files(tmp_path: Path) -> None:
    assert "empty" in read(tmp_path, "# only a comment\n")[1][0].message
    doc, problems = read(tmp_path, "a: 1\n---\nb: 2\n")
    assert doc is None and problems[0].location.line == 2


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_bytes_give_located_problems_only(tmp_path: Path, data: bytes) -> None:
    _doc, problems = read(tmp_path, data)
    for p in problems:
        assert p.location.path == "x.yaml" and p.location.line >= 1 and p.location.col >= 1


@given(st.text(max_size=200))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_item_file_raises_only_rulebook_errors(rules_copy: Path, text: str) -> None:
    (rules_copy / "items" / "fuzz.yaml").write_text(text, encoding="utf-8")
    try:
        load_rulebook(rules_copy)
    except RulebookError as exc:
        assert all(p.location.line >= 1 for p in exc.problems)
    else:  # an empty-looking text cannot be a valid item
        raise AssertionError("a random file was accepted as an item")


def test_pure_python_path_gives_the_same_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml the reader falls back to PyYAML's Python composer; same guarantees."""
    from yibao_rules import yaml_source

    monkeypatch.setattr(yaml_source, "_FAST", False)
    doc, problems = read(tmp_path, "a: &x 1\nb: *x\n")
    assert doc is None and "aliases are not allowed" in problems[0].message
    assert (problems[0].location.line, problems[0].location.col) == (2, 4)
    doc, problems = read(tmp_path, "名称: 甘肃省\n条件: 'x == 1'\n")
    assert doc is not None and not problems
    assert str(doc.locate_in_scalar(("条件",), 5)) == "x.yaml:2:11"  # the "1" of x == 1
    assert "nest" in read(tmp_path, "a: " + "[" * 200 + "]" * 200 + "\n")[1][0].message


def test_libyaml_path_locates_aliases_exactly(tmp_path: Path) -> None:
    doc, problems = read(tmp_path, "a: &x 1\nb: *x\n")
    assert doc is None and (problems[0].location.line, problems[0].location.col) == (2, 4)
    doc, problems = read(tmp_path, "名称: 甘肃省\n条件: 'x == 1'\n")
    assert doc is not None and str(doc.locate_in_scalar(("条件",), 5)) == "x.yaml:2:11"  # the "1" of x == 1


def test_keys_are_always_text(tmp_path: Path) -> None:
    """YAML 1.1 would make `on:` True and `1:` an int; rule-file keys are names."""
    doc, problems = read(tmp_path, "on: 2023-01-01\nno: x\n1: y\n")
    assert not problems and doc is not None
    assert doc.data == {"on": __import__("datetime").date(2023, 1, 1), "no": "x", "1": "y"}


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    """A hostile 50 MB rule file once took 40 s and 1.5 GB to report (#12 point 23): now it is
    refused at 1:1 before it is read."""
    big = tmp_path / "big.yaml"
    with big.open("wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: no need to write the bytes
    doc, problems = read_yaml(big, "big.yaml")
    assert doc is None
    (problem,) = problems
    assert (problem.location.line, problem.location.col) == (1, 1)
    assert "文件过大" in problem.message and "file too large" in problem.message
