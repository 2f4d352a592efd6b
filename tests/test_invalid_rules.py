"""Each file under tests/data/invalid/<dir>/ is dropped into a copy of the real rulebook;
its first line says where the problem must be reported and what the message must say."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from yibao_rules import RulebookError, load_rulebook

from .conftest import RULES, run_cli

INVALID = Path(__file__).parent / "data" / "invalid"
CASES = sorted(INVALID.glob("*/*.yaml"))


def expectation(case: Path) -> tuple[int, int, str]:
    first = case.read_text(encoding="utf-8").splitlines()[0]
    m = re.fullmatch(r"# expect: (\d+):(\d+) (.+)", first)
    assert m, f"{case} must start with '# expect: LINE:COL keyword'"
    return int(m[1]), int(m[2]), m[3]


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_invalid_file_is_reported_at_its_location(case: Path, rules_copy: Path) -> None:
    line, col, keyword = expectation(case)
    target = rules_copy / case.parent.name / case.name
    shutil.copy(case, target)
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules_copy)
    here = [p for p in info.value.problems if Path(p.location.path) == target]
    assert here, f"no problem reported in {case.name}: {info.value}"
    assert any((p.location.line, p.location.col) == (line, col) and keyword in p.message for p in here), (
        f"expected {line}:{col} {keyword!r}, got:\n" + "\n".join(p.brief() for p in here)
    )
    # Only the broken file is blamed: the rest of the rulebook is sound.
    assert all(Path(p.location.path) == target for p in info.value.problems)


def test_there_is_a_case_for_every_class_of_bad_file() -> None:
    assert len(CASES) >= 20


def test_check_reports_four_different_problems_at_once(rules_copy: Path) -> None:
    """Acceptance of the foundation issue: a misspelt fact, a wrong enum value, a dangling
    bundle member and a YAML syntax error, all printed with file:line:col, exit 1."""
    item = rules_copy / "items" / "family_mutual_aid.yaml"
    text = item.read_text(encoding="utf-8")
    text = text.replace('family_member.insured_province == "甘肃省"', 'family_member.insured_provnce == "甘肃省"')
    text = text.replace('applicant.insurance_type == "职工医保"', 'applicant.insurance_type == "职工医疗"')
    item.write_text(text, encoding="utf-8")
    bundle = rules_copy / "bundles" / "medical_expense_one_thing.yaml"
    bundle.write_text(
        bundle.read_text(encoding="utf-8").replace("item: family_mutual_aid,", "item: family_mutual_ai,"),
        encoding="utf-8",
    )
    broken = rules_copy / "items" / "medical_expense_direct_settlement.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("name: 医疗", "name: [医疗"), encoding="utf-8")

    result = run_cli("check", "--brief", str(rules_copy))

    assert result.returncode == 1
    lines = [ln for ln in result.stdout.splitlines() if re.match(r"^\S+\.yaml:\d+:\d+: ", ln)]
    assert len(lines) == 4, result.stdout
    joined = "\n".join(lines)
    assert "family_mutual_aid.yaml:" in joined and "(unknown fact) 'family_member.insured_provnce'" in joined
    assert "'职工医疗' (did you mean '职工医保'?)" in joined
    assert "medical_expense_one_thing.yaml:" in joined and "'family_mutual_ai'" in joined
    assert "medical_expense_direct_settlement.yaml:4:" in joined and "YAML 语法错误" in joined


def test_check_shows_a_caret_under_the_misspelt_fact(rules_copy: Path) -> None:
    item = rules_copy / "items" / "family_mutual_aid.yaml"
    item.write_text(
        item.read_text(encoding="utf-8").replace(
            "family_member.insured_province ==", "family_member.insured_provnce =="
        ),
        encoding="utf-8",
    )
    result = run_cli("check", str(rules_copy))
    assert result.returncode == 1
    out = result.stdout.splitlines()
    head = next(i for i, ln in enumerate(out) if "unknown fact" in ln)
    source, caret = out[head + 1], out[head + 2]
    assert "family_member.insured_provnce" in source
    assert caret.strip() == "^" * len("family_member.insured_provnce")
    assert caret.index("^") == source.index("family_member")


def test_repository_rules_check_clean() -> None:
    result = run_cli("check", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")


def test_missing_rules_directory_is_an_error(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "rules directory not found" in result.stdout


def test_unexpected_file_in_rules_directory_is_reported(rules_copy: Path) -> None:
    (rules_copy / "item").mkdir()
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules_copy)
    assert "did you mean 'items'?" in str(info.value)


def test_a_spelling_in_two_catalogue_entries_is_located(rules_copy: Path) -> None:
    """materials.yaml: one spelling may name one document only."""
    catalogue = rules_copy / "materials.yaml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8") + "  身份证件:\n    aliases: [有效身份证件]\n",
        encoding="utf-8",
    )
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules_copy)
    (problem,) = info.value.problems
    assert Path(problem.location.path) == catalogue
    last = catalogue.read_text(encoding="utf-8").splitlines()
    assert problem.location.line == len(last)
    assert "有效身份证件" in problem.message and "两次" in problem.message


def test_check_on_a_file_says_it_is_a_file() -> None:
    result = run_cli("check", str(RULES / "items" / "family_mutual_aid.yaml"))
    assert result.returncode == 1 and "not a rules directory" in result.stdout + result.stderr
