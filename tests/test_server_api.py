"""``/api/v1`` through the TestClient: the CLI's JSON, the CLI's messages, limits, uploads.

Policy facts: 职工医保个人账户家庭共济办理 (甘医保函〔2023〕246号 widened the relatives to
兄弟姐妹 from 2023-01-01); 门诊费用报销 意外伤害就医 (四（六）17, 30个工作日 over 国庆).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from yibao_rules import load_rulebook
from yibao_rules.render import render_guide
from yibao_rules.resources import default_rules_path
from yibao_rules.server import create_app
from yibao_rules.server.upload import MAX_ENTRIES

from .conftest import run_cli

BOOK = load_rulebook()
FMA = "职工医保个人账户家庭共济办理"
SIBLING = {
    "applicant": {"insured_province": "甘肃省", "insurance_type": "职工医保"},
    "family_member": {"relationship": "兄弟姐妹", "insured_province": "甘肃省", "insurance_type": "城乡居民医保"},
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(BOOK))


def _cli_json(*args: str, stdin: str | None = None) -> Any:
    result = run_cli(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- the one contract: every decision endpoint answers what the CLI prints ---------------------

SAME_AS_CLI = [
    (
        "decide",
        {"item": FMA, "facts": SIBLING, "on": "2024-01-01"},
        ["evaluate", FMA, "--facts", "-", "--on", "2024-01-01", "--json"],
    ),
    (
        "decide",
        {"item": "family_mutual_aid", "facts": SIBLING, "on": "2022-07-01"},
        ["evaluate", "family_mutual_aid", "--facts", "-", "--on", "2022-07-01", "--json"],
    ),
    (
        "checklist",
        {"item": "门诊费用报销", "facts": {}, "situation": "意外伤害就医", "on": "2026-09-28"},
        ["checklist", "门诊费用报销", "--situation", "意外伤害就医", "--facts", "-", "--on", "2026-09-28", "--json"],
    ),
    (
        "screen",
        {"facts": SIBLING, "on": "2024-01-01"},
        ["screen", "--facts", "-", "--on", "2024-01-01", "--json"],
    ),
    (
        "deadline",
        {
            "item": "门诊费用报销",
            "submitted": "2026-09-28T10:00",
            "situation": "意外伤害就医",
            "pauses": [{"requested": "2026-10-09", "arrived": "2026-10-12"}],
        },
        [
            "deadline",
            "门诊费用报销",
            "--submitted",
            "2026-09-28T10:00",
            "--situation",
            "意外伤害就医",
            "--pause",
            "2026-10-09:2026-10-12",
            "--json",
        ],
    ),
    (
        "bundle",
        {"bundle": "就医费用报销一件事", "facts": SIBLING, "on": "2024-01-01"},
        ["bundle", "就医费用报销一件事", "--facts", "-", "--on", "2024-01-01", "--json"],
    ),
    (
        "notice",
        {
            "item": "门诊费用报销",
            "facts": {},
            "situation": "意外伤害就医",
            "submitted": "2026-09-28T10:00",
            "format": "json",
        },
        [
            "notice",
            "门诊费用报销",
            "--situation",
            "意外伤害就医",
            "--submitted",
            "2026-09-28T10:00",
            "--facts",
            "-",
            "--json",
        ],
    ),
]


@pytest.mark.parametrize(("endpoint", "body", "cli"), SAME_AS_CLI, ids=[f"{e}-{c[0]}" for e, _, c in SAME_AS_CLI])
def test_every_decision_endpoint_returns_the_cli_json(
    client: TestClient, endpoint: str, body: dict[str, Any], cli: list[str]
) -> None:
    response = client.post(f"/api/v1/{endpoint}", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == _cli_json(*cli, stdin=json.dumps(body.get("facts", {}), ensure_ascii=False))
    assert response.json()["rulebook_version"] == BOOK.version


def test_listings_hold_the_cli_rows(client: TestClient) -> None:
    items = client.get("/api/v1/items").json()
    assert items["items"] == _cli_json("items", "--json")
    assert client.get("/api/v1/bundles").json()["bundles"] == _cli_json("items", "--bundles", "--json")
    shown = client.get(f"/api/v1/items/{FMA}").json()
    assert shown == {**_cli_json("show", FMA, "--json"), "rulebook_version": BOOK.version}
    assert client.get("/api/v1/bundles/就医费用报销一件事").json()["type"] == "bundle"
    month = client.get("/api/v1/calendar/2026-10").json()
    assert month["days"] == _cli_json("calendar", "2026-10", "--json")
    assert {d["date"] for d in month["days"] if not d["working"]} >= {"2026-10-01", "2026-10-07"}


def test_the_sibling_case_flips_on_the_day_246_took_effect(client: TestClient) -> None:
    """甘医保函〔2023〕246号: 兄弟姐妹 may share the account from 2023-01-01 (111号 did not allow it)."""
    before = client.post("/api/v1/decide", json={"item": FMA, "facts": SIBLING, "on": "2022-12-31"}).json()
    after = client.post("/api/v1/decide", json={"item": FMA, "facts": SIBLING, "on": "2023-01-01"}).json()
    assert (before["status"], after["status"]) == ("ineligible", "eligible")
    assert any("111号" in r["citation"] for r in before["reasons"] if r["outcome"] == "failed")


def test_on_defaults_to_today_in_shanghai(client: TestClient) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    before = dt.datetime.now(shanghai).date()
    on = client.post("/api/v1/decide", json={"item": FMA}).json()["on"]
    assert on in {before.isoformat(), dt.datetime.now(shanghai).date().isoformat()}


def test_batch_rows_are_the_decide_answers(client: TestClient) -> None:
    """POST /batch goes through the batch path; each row agrees with POST /decide for the same facts
    (职工医保个人账户家庭共济办理: 兄弟姐妹 in scope under 246号 on 2024-01-01; 其他 is not)."""
    rows = [SIBLING, {}, {"family_member": {"relationship": "其他"}}, {"family_member.relationship": "配偶"}]
    answer = client.post("/api/v1/batch", json={"item": FMA, "rows": rows, "on": "2024-01-01"}).json()
    singles = [client.post("/api/v1/decide", json={"item": FMA, "facts": r, "on": "2024-01-01"}).json() for r in rows]
    for row, single in zip(answer["rows"], singles, strict=True):
        assert row["status"] == single["status"]
        assert row["failed"] == [r["rule"] for r in single["reasons"] if r["outcome"] == "failed"]
        assert row["unknown"] == [r["rule"] for r in single["reasons"] if r["outcome"] == "unknown"]
        assert row["missing_facts"] == single["missing_facts"] and row["invalid_reason"] is None
    assert answer["counts"] == {"eligible": 1, "ineligible": 1, "undetermined": 2, "invalid": 0}
    assert answer["count"] == 4 and answer["rulebook_version"] == BOOK.version


def test_an_empty_batch_is_answered_with_no_rows(client: TestClient) -> None:
    answer = client.post("/api/v1/batch", json={"item": FMA, "rows": []})
    assert answer.status_code == 200 and answer.json()["rows"] == [] and answer.json()["count"] == 0


def test_a_bad_row_is_invalid_and_the_others_are_decided(client: TestClient) -> None:
    rows = [SIBLING, {"family_member": {"relationship": "兄弟姐姝"}}]
    answer = client.post("/api/v1/batch", json={"item": FMA, "rows": rows, "on": "2024-01-01"}).json()
    assert [r["status"] for r in answer["rows"]] == ["eligible", "invalid"]
    assert "兄弟姐姝" in answer["rows"][1]["invalid_reason"]
    mixed = client.post(
        "/api/v1/batch",
        json={"item": FMA, "rows": [{"applicant.cross_region_filed": True}, {"applicant.cross_region_filed": "是"}]},
    )
    assert mixed.status_code == 422 and mixed.json()["error"]["type"] == "MixedColumnError"
    assert mixed.json()["error"]["location"] == "body.rows"
    twice = {"applicant": {"insured_province": "甘肃省"}, "applicant.insured_province": "北京市"}
    error = client.post("/api/v1/batch", json={"item": FMA, "rows": [{}, twice]}).json()["error"]
    assert error["location"] == "body.rows.1" and error["type"] == "FactsError"


def test_documents_by_format_or_accept(client: TestClient) -> None:
    body = {"item": "门诊费用报销", "situation": "意外伤害就医", "submitted": "2026-09-28T10:00"}
    html = client.post("/api/v1/notice", json=body)
    assert html.headers["content-type"].startswith("text/html") and "处方底方" in html.text
    assert BOOK.version in html.text
    md = client.post("/api/v1/notice", json=body, headers={"Accept": "text/markdown"})
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith("# 一次性告知单")
    assert "2026-11-13" in client.post("/api/v1/notice", json={**body, "format": "text"}).text
    guide = client.get(f"/api/v1/guide/{FMA}", headers={"Accept": "text/markdown"})
    assert guide.headers["content-type"].startswith("text/markdown")
    assert guide.text.startswith(f"# {FMA}") and "兄弟姐妹" in guide.text
    page = client.get("/api/v1/guide/family_mutual_aid?format=html")
    assert page.headers["content-type"].startswith("text/html") and "受理条件" in page.text
    assert page.text.startswith("<!DOCTYPE html>") and page.headers["x-rulebook-version"] == BOOK.version
    rendered = render_guide(BOOK.guide(FMA, dt.date(2024, 1, 1)), "markdown")
    assert client.get(f"/api/v1/guide/{FMA}", params={"format": "markdown", "on": "2024-01-01"}).text == rendered
    bundle = client.get("/api/v1/guide/就医费用报销一件事", headers={"Accept": "text/markdown"})
    assert bundle.status_code == 200 and "联办事项" in bundle.text


# -- errors: the CLI's message, a location, never a 500 ----------------------------------------


def _cli_error(*args: str, stdin: str | None = None) -> str:
    result = run_cli(*args, stdin=stdin)
    assert result.returncode == 2
    return result.stderr.strip().removeprefix("Error: ")


def test_an_unknown_item_is_404_with_the_cli_message(client: TestClient) -> None:
    response = client.post("/api/v1/decide", json={"item": "家庭共计", "facts": {}})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error == {"type": "UnknownItemError", "message": _cli_error("evaluate", "家庭共计"), "location": "body.item"}
    assert client.get("/api/v1/items/家庭共计").json()["error"]["location"] == "path.id_or_name"


def test_bad_facts_are_422_with_the_cli_message(client: TestClient) -> None:
    facts = {"family_member": {"relationship": "兄弟姐姝"}}
    response = client.post("/api/v1/decide", json={"item": FMA, "facts": facts})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"] == _cli_error("evaluate", FMA, "--facts", "-", stdin=json.dumps(facts))
    assert "did you mean '兄弟姐妹'" in error["message"] and error["location"] == "body.facts"


@pytest.mark.parametrize(
    ("path", "body", "status", "location"),
    [
        ("/api/v1/decide", {"item": FMA, "on": "2024-1-1"}, 422, "body.on"),
        ("/api/v1/decide", {"item": FMA, "on": "2024-02-30"}, 422, "body.on"),
        ("/api/v1/decide", {"item": FMA, "on": 0}, 422, "body.on"),  # not a timestamp: YYYY-MM-DD only
        ("/api/v1/screen", {"on": "2024-01-01T00:00"}, 422, "body.on"),
        ("/api/v1/decide", {"item": FMA, "facts": []}, 422, "body.facts"),
        ("/api/v1/decide", {"item": FMA, "colour": "red"}, 422, "body.colour"),
        ("/api/v1/deadline", {"item": FMA, "submitted": "昨天"}, 422, "body.submitted"),
        ("/api/v1/deadline", {"item": "门诊费用报销", "submitted": "2026-10-09", "pauses": [
            {"requested": "2026-09-01", "arrived": "2026-09-02"}]}, 422, "body"),
        ("/api/v1/checklist", {"item": "门诊费用报销", "situation": "没有这种情形"}, 422, None),
        ("/api/v1/screen", {"facts": {"applicant": {"insured_province": "火星"}}}, 422, "body.facts"),
        ("/api/v1/bundle", {"bundle": "没有这件事"}, 404, "body.bundle"),
    ],
)  # fmt: skip
def test_bad_input_is_4xx_in_the_error_shape(
    client: TestClient, path: str, body: dict[str, Any], status: int, location: str | None
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    data = response.json()
    assert set(data) == {"error", "rulebook_version"} and set(data["error"]) == {"type", "message", "location"}
    assert data["error"]["message"]
    if location is not None:
        assert data["error"]["location"] == location


def test_bad_dates_read_like_the_cli(client: TestClient) -> None:
    message = client.post("/api/v1/decide", json={"item": FMA, "on": "2024-1-1"}).json()["error"]["message"]
    assert "'2024-1-1' is not a date written YYYY-MM-DD" in message
    assert "'2024-1-1' is not a date written YYYY-MM-DD" in run_cli("evaluate", FMA, "--on", "2024-1-1").stderr
    month = client.get("/api/v1/calendar/2026-13")
    assert month.status_code == 422 and month.json()["error"]["message"] == "'2026-13' is not a month written YYYY-MM"


def test_not_json_is_400_and_unknown_paths_404(client: TestClient) -> None:
    response = client.post("/api/v1/decide", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["type"] == "JSONError"
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "NotFound"
    assert client.delete("/api/v1/decide").status_code == 405


def test_bodies_over_1_mib_and_batches_over_10000_rows_are_413(client: TestClient) -> None:
    big = json.dumps({"item": FMA, "facts": {"applicant": {"x": "字" * 400_000}}}).encode()
    assert len(big) > 1024 * 1024
    response = client.post("/api/v1/decide", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["type"] == "PayloadTooLarge"

    def chunks() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 60_000

    chunked = client.post("/api/v1/decide", content=chunks(), headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413
    rows = client.post("/api/v1/batch", json={"item": FMA, "rows": [{}] * 10_001})
    assert rows.status_code == 413 and rows.json()["error"]["location"] == "body.rows"
    full = client.post("/api/v1/batch", json={"item": FMA, "rows": [{}] * 10_000, "on": "2024-01-01"})
    assert full.status_code == 200 and full.json()["counts"]["undetermined"] == 10_000


def test_every_response_carries_the_rulebook_version(client: TestClient) -> None:
    for response in (
        client.get("/api/v1/health"),
        client.get("/api/v1/items"),
        client.get("/api/v1/nothing"),
        client.get("/"),
        client.post("/api/v1/decide", json={"item": "?"}),
        client.post("/api/v1/notice", json={"item": FMA, "format": "markdown"}),
    ):
        assert response.headers["x-rulebook-version"] == BOOK.version
        if response.headers["content-type"].startswith("application/json"):
            assert response.json()["rulebook_version"] == BOOK.version
        else:
            assert BOOK.version in response.text


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops}
    assert paths == {
        "GET /api/v1/items", "GET /api/v1/items/{id_or_name}",
        "GET /api/v1/bundles", "GET /api/v1/bundles/{id_or_name}",
        "POST /api/v1/decide", "POST /api/v1/checklist", "POST /api/v1/screen", "POST /api/v1/deadline",
        "POST /api/v1/bundle", "POST /api/v1/notice", "GET /api/v1/guide/{id_or_name}", "POST /api/v1/batch",
        "GET /api/v1/calendar/{month}", "POST /api/v1/check", "GET /api/v1/health",
    }  # fmt: skip
    decide = spec["paths"]["/api/v1/decide"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(decide["properties"]) == {"item", "facts", "on"} and decide["required"] == ["item"]
    assert client.get("/docs").status_code == 200


# -- POST /check: a temporary directory, nothing climbs out ------------------------------------


def _zip(entries: dict[str, bytes], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(prefix + name, data)
    return buffer.getvalue()


def _rules(edit: dict[str, bytes] | None = None) -> dict[str, bytes]:
    root = default_rules_path()
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    return {**{k: v for k, v in files.items() if "__pycache__" not in k}, **(edit or {})}


def test_check_a_good_zip_and_a_broken_one(client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the upload is unpacked
    good = client.post("/api/v1/check", files={"file": ("rules.zip", _zip(_rules(), "rules/"))})
    assert good.status_code == 200
    assert good.json() | {"problems": []} == {
        "ok": True, "problems": [], "items": len(BOOK.items), "bundles": len(BOOK.bundles),
        "rulebook_version": BOOK.version,
    }  # fmt: skip
    item = (default_rules_path() / "items" / "family_mutual_aid.yaml").read_text(encoding="utf-8")
    broken = item.replace("relationship", "relationshp", 1).encode()
    bad = client.post(
        "/api/v1/check", files={"file": ("rules.zip", _zip(_rules({"items/family_mutual_aid.yaml": broken})))}
    )
    data = bad.json()
    assert bad.status_code == 200 and data["ok"] is False
    assert {p["path"] for p in data["problems"]} == {"items/family_mutual_aid.yaml"}
    assert all(p["line"] >= 1 and p["col"] >= 1 for p in data["problems"])
    assert list(tmp_path.iterdir()) == []  # the temporary directory is gone


def test_check_a_single_rule_file_in_place_of_its_namesake(client: TestClient) -> None:
    item = (default_rules_path() / "items" / "family_mutual_aid.yaml").read_text(encoding="utf-8")
    broken = item.replace("relationship", "relationshp", 1).encode()
    data = client.post("/api/v1/check", files={"file": ("family_mutual_aid.yaml", broken)}).json()
    assert data["ok"] is False and {p["path"] for p in data["problems"]} == {"items/family_mutual_aid.yaml"}
    fine = client.post("/api/v1/check", files={"file": ("family_mutual_aid.yaml", item.encode())}).json()
    assert fine["ok"] is True
    placed = client.post(
        "/api/v1/check", files={"file": ("x.yaml", broken)}, data={"path": "items/family_mutual_aid.yaml"}
    ).json()
    assert placed["ok"] is False
    # a second copy of an item under another name: the message names both files inside the upload only
    twice = client.post("/api/v1/check", files={"file": ("copy_of_fma.yaml", item.encode())}).json()
    assert twice["ok"] is False and any(
        "also in items/copy_of_fma.yaml" in p["message"] for p in twice["problems"]
    )
    assert "yibao-check-" not in json.dumps(twice, ensure_ascii=False)


@pytest.mark.parametrize(
    ("name", "data"),
    [("g.zip", b"garbage"), ("g.zip", b"PK\x03\x04garbage"), ("notes.txt", b"a: 1\n"), ("README", b"# x\n")],
)
def test_check_never_passes_what_it_did_not_check(client: TestClient, name: str, data: bytes) -> None:
    """A broken zip or a file that is not YAML is refused (4xx), never answered ok: true."""
    response = client.post("/api/v1/check", files={"file": (name, data)})
    assert 400 <= response.status_code < 500, response.text
    assert "ok" not in response.json()


@pytest.mark.parametrize("name", ["../evil.yaml", "/etc/evil.yaml", "rules/../../evil.yaml", "C:evil.yaml"])
def test_check_refuses_entries_that_climb_out(client: TestClient, tmp_path: Path, name: str) -> None:
    response = client.post("/api/v1/check", files={"file": ("rules.zip", _zip({name: b"x: 1"}))})
    assert response.status_code == 422 and response.json()["error"]["type"] == "UploadRefused"
    assert not (Path(tempfile.gettempdir()) / "evil.yaml").exists()
    single = client.post("/api/v1/check", files={"file": ("a.yaml", b"x: 1")}, data={"path": name})
    assert single.status_code == 422


def test_check_refuses_symlinks_and_zip_bombs(client: TestClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("facts.yaml")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    assert client.post("/api/v1/check", files={"file": ("l.zip", buffer.getvalue())}).status_code == 422
    bomb = _zip({"facts.yaml": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024  # small on the wire, 20 MiB unpacked
    response = client.post("/api/v1/check", files={"file": ("bomb.zip", bomb)})
    assert response.status_code == 413 and response.json()["error"]["type"] == "UploadTooLarge"
    many = _zip({f"f{i}.yaml": b"" for i in range(MAX_ENTRIES + 1)})
    assert client.post("/api/v1/check", files={"file": ("many.zip", many)}).status_code == 413


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/api/v1/decide", '{"item": "family_mutual_aid", "facts": ' + "[" * 2000 + "]" * 2000 + "}", "nested deeper"),
        ("/api/v1/batch", '{"item": "family_mutual_aid", "rows": [{"a.b": ' + "9" * 100_000 + "}]}", "a number of"),
        ("/api/v1/decide", '{"item": "x",', "not valid JSON"),
    ],
)
def test_a_body_that_is_not_usable_json_says_why_as_the_cli_does(
    client: TestClient, path: str, body: str, words: str
) -> None:
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "JSONError" and words in error["message"] and error["location"] == "body"
