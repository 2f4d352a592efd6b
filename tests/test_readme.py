"""The README's examples run: docs cannot rot."""

from __future__ import annotations

import re
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
