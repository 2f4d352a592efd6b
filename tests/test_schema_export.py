"""JSON Schemas of the rule files: shipped in rules/schemas/, current, named by every rule file's
``# yaml-language-server`` line, and every embedded rule file validates against its schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from yibao_rules import load_rulebook
from yibao_rules.cli import enum_facts
from yibao_rules.schema_export import FILE_KINDS, json_schemas, kind_of

from .conftest import RULES, run_cli

SCHEMAS = RULES / "schemas"
RULE_FILES = sorted(RULES.rglob("*.yaml"))
INVALID = Path(__file__).parent / "data" / "invalid"
# Fixtures whose fault is one of structure (a type, an enum, a required or unknown field, a pattern);
# the others are faults of meaning (unknown names, expressions, cycles, YAML syntax) only `check` finds,
# and time_limit.yaml breaks a cross-field rule (a counted time limit needs days) of a model validator.
STRUCTURAL = [
    "admin_code",
    "channel",
    "days_type",
    "missing",
    "nested_field",
    "note_type",
    "unknown_field",
    "set_value",  # 兄妹 is not a value of family_member.relationship: the vocabulary's enum in the schema
]
ENUMS = enum_facts(load_rulebook())
KIND_BY_DIR = {"items": "item", "bundles": "bundle", "eligibility": "eligibility"}


def jsonable(value: Any) -> Any:
    """YAML data as JSON data: dates and times as ISO strings, as the editor's YAML server sees them."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_shipped_schemas_are_current() -> None:
    """`yibao-rules schema --out rules/schemas` regenerates them after a change to schema.py."""
    for name, schema in json_schemas(ENUMS).items():
        assert json.loads((SCHEMAS / name).read_text(encoding="utf-8")) == schema, name


def test_schemas_are_draft_2020_12_with_chinese_and_english_descriptions_and_enums() -> None:
    item = json_schemas(ENUMS)["item.schema.json"]
    assert item["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    props = item["properties"]
    assert props["accepting_units"]["description"] == "受理单位 / accepting units"
    assert props["name_note"]["description"].startswith("名称后注 / name note — The source's parenthesis")
    named_set = json_schemas(ENUMS)["eligibility.schema.json"]["$defs"]["NamedSet"]
    relationship = next(
        c for c in named_set["allOf"] if c["if"]["properties"]["of"]["const"] == "family_member.relationship"
    )
    assert "兄弟姐妹" in relationship["then"]["properties"]["values"]["items"]["enum"]
    assert item["$defs"]["Channel"]["properties"]["kind"]["enum"] == ["线下", "线上", "委托"]
    assert "working_days" in json.dumps(item["$defs"]["TimeLimit"]["properties"]["kind"])
    assert item["$defs"]["Note"]["properties"]["kind"]["enum"] == ["gap", "conflict", "interpretation", "fact"]
    assert set(FILE_KINDS) >= {"item", "bundle", "eligibility", "facts", "citations", "jurisdiction", "calendar-notice"}


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.relative_to(RULES).as_posix())
def test_every_embedded_rule_file_names_and_validates_against_its_schema(path: Path) -> None:
    kind = kind_of(path.relative_to(RULES))
    assert kind is not None
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target == (SCHEMAS / f"{kind}.schema.json").resolve()
    errors = list(validator(kind).iter_errors(jsonable(yaml.safe_load(path.read_text(encoding="utf-8")))))
    assert [e.message for e in errors] == []


@pytest.mark.parametrize("name", STRUCTURAL)
def test_a_structural_invalid_fixture_fails_the_schema(name: str) -> None:
    (case,) = INVALID.glob(f"*/{name}.yaml")
    data = jsonable(yaml.safe_load(case.read_text(encoding="utf-8")))
    assert list(validator(KIND_BY_DIR[case.parent.name]).iter_errors(data)), case


def test_cli_schema_writes_every_kind(tmp_path: Path) -> None:
    result = run_cli("schema", "--out", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(json_schemas(ENUMS))
    blocked = tmp_path / "file"
    blocked.write_text("x")
    bad = run_cli("schema", "--out", str(blocked / "s"))
    assert bad.returncode == 2 and "cannot write" in bad.stderr


def test_every_other_invalid_fixture_is_a_fault_of_meaning_the_schema_lets_through() -> None:
    """The classification above is complete: a fixture not listed as structural is valid YAML that the
    schema accepts (its fault needs `check`), or YAML that does not parse at all."""
    for case in sorted(INVALID.glob("*/*.yaml")):
        if case.stem in STRUCTURAL:
            continue
        try:
            data = jsonable(yaml.safe_load(case.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValueError):  # a YAML error, or a scalar no date can be (2024-02-30)
            continue
        errors = [e.message for e in validator(KIND_BY_DIR[case.parent.name]).iter_errors(data)]
        assert errors == [], f"{case.name} fails the schema: add it to STRUCTURAL"
