"""The README's examples run: docs cannot rot."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_python_examples_run(tmp_path: Path) -> None:
    for i, code in enumerate(blocks("python")):
        script = tmp_path / f"example_{i}.py"
        script.write_text(code, encoding="utf-8")
        result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, f"README python block {i} failed:\n{result.stderr}"


def test_family_mutual_aid_example_output_is_real(tmp_path: Path) -> None:
    """The tour's example: a 兄弟姐妹 fails as of 2022-07-01 citing 111号 and passes as of 2023-07-01
    (甘肃省就医费用报销“一件事”办事指南; 甘政办发〔2021〕111号; 甘医保函〔2023〕246号)."""
    script = tmp_path / "tour.py"
    script.write_text(blocks("python")[0], encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("2022-07-01 ineligible [('relative_in_scope_111', ")
    assert "甘政办发〔2021〕111号" in lines[0]
    assert lines[1] == "2023-07-01 eligible []"
    assert lines[2].startswith("undetermined ")
    assert lines[-1] == "2026-05-19"


def test_setup_block_has_exactly_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yibao-rules"
    setup = text.split("<!-- setup-commands", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert setup.strip().splitlines() == ["pip install . && yibao-rules items", "pip install '.[test]' && pytest"]


def test_scenario_example_passes(tmp_path: Path) -> None:
    (yaml_block,) = [b for b in blocks("yaml") if "cases:" in b]
    (tmp_path / "example.yaml").write_text(yaml_block, encoding="utf-8")
    exe = Path(sys.executable).with_name("yibao-rules")
    result = subprocess.run([str(exe), "test", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("2 passed, 0 failed")


REPO = README.parent


def _yibao(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("yibao-rules")
    return subprocess.run([str(exe), *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_diff_example_runs_against_the_shipped_old_rulebook() -> None:
    """The diff example compares examples/rules-before-246 (111号 only) with rules/ and shows its output."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- diff-example", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.splitlines()
    assert command.startswith("$ yibao-rules diff ")
    result = _yibao(*shlex.split(command.removeprefix("$ yibao-rules ")))
    assert result.returncode == 0, result.stderr
    actual = result.stdout.splitlines()
    assert [line for line in shown if line not in actual] == []


def test_deadline_and_calendar_examples_run() -> None:
    """Every `deadline` and `calendar` command in the README exits 0, and a '# → DATE' comment is the answer."""
    commands = [
        line.removeprefix("$ yibao-rules ")
        for block in blocks("console")
        for line in block.splitlines()
        if line.startswith(("$ yibao-rules deadline", "$ yibao-rules calendar"))
    ]
    assert len(commands) >= 6
    for command in commands:
        args, _, comment = command.partition("#")
        result = _yibao(*shlex.split(args))
        assert result.returncode == 0, f"{command}: {result.stderr}"
        if match := re.search(r"→ (\d{4}-\d{2}-\d{2})", comment):
            assert match.group(1) in result.stdout.splitlines()[0] or f"{match.group(1)}（" in result.stdout, command


# Fields whose keys are data (a basis, a metric, a stage name), not part of the contract.
DATA_KEYED = {"claims", "due", "stages_completed", "closed_on_time", "metrics"}


def _keys(value: object, data_keyed: bool = False) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            if not data_keyed:
                found.add(key)
            if key != "facts":  # an applicant's facts: data all the way down
                found |= _keys(child, key in DATA_KEYED)
    elif isinstance(value, list):
        for child in value:
            found |= _keys(child)
    return found


CONTRACT_RUNS = {
    "yibao-rules items --json": ["items", "--json"],
    "yibao-rules items --bundles --json": ["items", "--bundles", "--json"],
    "yibao-rules check --json": ["check", "--json", "--consistency"],
    "yibao-rules evaluate ITEM": [
        "evaluate",
        "family_mutual_aid",
        "--facts",
        "examples/facts/sibling_in_gansu.json",
        "--json",
    ],
    "yibao-rules checklist ITEM": ["checklist", "门诊费用报销", "--situation", "意外伤害就医", "--json"],
    "yibao-rules bundle NAME": ["bundle", "就医费用报销一件事", "--json"],
    "yibao-rules deadline --start": ["deadline", "--start", "2026-09-28", "--working-days", "5", "--json"],
    "yibao-rules deadline ITEM": [
        "deadline",
        "慢性病规定病种申报一件事",
        "--submitted",
        "2026-04-30T17:30",
        "--pause",
        "2026-05-07:2026-05-08",
        "--json",
    ],
    "yibao-rules track EVENTS.jsonl": ["track", "examples/events.jsonl", "--now", "2026-11-20T09:00", "--json"],
    "yibao-rules test DIR": ["test", "tests/scenarios", "--json"],
    "yibao-rules diff OLD NEW": ["diff", "examples/rules-before-246", "rules", "--json"],
    "yibao-rules calendar YYYY-MM": ["calendar", "2026-10", "--json"],
}


def test_json_contract_names_every_key_the_commands_print() -> None:
    section = README.read_text(encoding="utf-8").split("## JSON output (stable contract)", 1)[1].split("\n## ", 1)[0]
    entries = {line.split("`")[1]: line for line in section.splitlines() if line.startswith("- `yibao-rules ")}
    for prefix, args in CONTRACT_RUNS.items():
        (line,) = [text for command, text in entries.items() if command.startswith(prefix)]
        documented = set(re.findall(r'"(\w+)"', line))
        for other in re.findall(r"as in (\w+)", line):  # "materials": [… as in checklist, plus "members"]
            (referenced,) = [text for command, text in entries.items() if command.startswith(f"yibao-rules {other}")]
            documented |= set(re.findall(r'"(\w+)"', referenced))
        result = _yibao(*args)
        printed = _keys(json.loads(result.stdout))
        assert printed - documented == set(), f"{prefix}: printed but not in the README's contract"


def test_rules_before_246_is_rules_with_only_the_246_change_undone() -> None:
    """examples/rules-before-246 is generated from rules/ (so the diff example shows only 246号):
    run `python examples/make_rules_before_246.py` after editing rules/."""
    sys.path.insert(0, str(REPO / "examples"))
    try:
        import make_rules_before_246 as maker
    finally:
        sys.path.pop(0)
    want = maker.expected()
    have = {p.relative_to(maker.TARGET): p.read_text(encoding="utf-8") for p in maker.TARGET.rglob("*") if p.is_file()}
    stale = sorted(str(p) for p in set(want) | set(have) if want.get(p) != have.get(p))
    assert not stale, f"out of date, run python examples/make_rules_before_246.py: {stale}"


def test_check_example_output_is_real(tmp_path: Path) -> None:
    """The "Edit a rule" example: the same commands, run in a scratch copy, print what the README shows."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- check-example", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    commands = [line[2:] for line in lines if line.startswith("$ ")]
    shown = [line for line in lines if not line.startswith("$ ")]
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    exe = Path(sys.executable).with_name("yibao-rules")
    out = ""
    for command in commands:  # run where a copy of rules/ lies, as at the root of a checkout
        command = command.replace("yibao-rules", str(exe), 1)
        run = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True)
        out += run.stdout + run.stderr
    assert out.splitlines() == shown
