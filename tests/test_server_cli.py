"""``yibao-rules serve``: a real uvicorn with two workers answers on loopback; broken rules exit 1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from yibao_rules import load_rulebook

from .conftest import run_cli

FMA = "职工医保个人账户家庭共济办理"
SIBLING = {
    "applicant": {"insured_province": "甘肃省", "insurance_type": "职工医保"},
    "family_member": {"relationship": "兄弟姐妹", "insured_province": "甘肃省", "insurance_type": "城乡居民医保"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_with_two_workers_answers_decide_like_the_library(rules_copy: Path) -> None:
    port = _free_port()
    exe = Path(sys.executable).with_name("yibao-rules")
    env = {k: v for k, v in os.environ.items() if k != "YIBAO_RULES"}
    args = [str(exe), "serve", "--port", str(port), "--workers", "2", "--rules", str(rules_copy)]
    server = subprocess.Popen(args, env=env, start_new_session=True, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as response:
                    health = json.load(response)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "serve did not answer within 60 s"
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.2)
        assert health["rulebook_version"] == load_rulebook(rules_copy).version
        body = json.dumps({"item": FMA, "facts": SIBLING, "on": "2024-01-01"}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/decide", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["X-Rulebook-Version"] == health["rulebook_version"]
            assert json.load(response)["status"] == "eligible"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def test_serve_refuses_a_missing_rules_directory_with_exit_1(tmp_path: Path) -> None:
    result = run_cli("serve", "--rules", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "规则目录不存在" in result.stderr


def test_a_port_in_use_is_bad_input_not_a_crash() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    assert result.returncode == 2 and "cannot listen" in result.stderr and "Traceback" not in result.stderr
