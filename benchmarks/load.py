"""Load on the service, next to the framework's own ceiling. Run: python benchmarks/load.py

Starts ``yibao-rules serve --workers 2`` and, beside it, a trivial FastAPI endpoint under the
same uvicorn settings (2 workers), both on loopback only. Then 50 concurrent keep-alive clients
send ``POST /api/v1/decide`` for 家庭共济 (the README's 兄弟姐妹 case) to each for 20 s, and it
prints throughput, p50/p99 latency and the error count, and the ratio of the two throughputs.
The two loads alternate in ten slices each (2 s of one, then 2 s of the other…), so both see the
same other load on a shared machine, as in ``benchmarks/run.py``. Bounded in time (``--seconds``,
at most 60 per server) and count (``--max-requests``).

Targets (issue 16): >= 3,000 decisions/s, p99 < 50 ms, 0 errors. Exit status 1 if one is missed
(the numbers are printed either way). The clients run in this one process (a small asyncio
HTTP/1.1 client, cheaper than a general-purpose one), on the same cores as the servers: on a
2-core machine they compete with the servers for CPU, and so does anything else running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request, Response

HOST = "127.0.0.1"  # loopback only
SLICES = 10  # the two loads alternate in this many slices each
FACTS = {
    "applicant": {"insured_province": "甘肃省", "insurance_type": "职工医保"},
    "family_member": {"relationship": "兄弟姐妹", "insured_province": "甘肃省", "insurance_type": "城乡居民医保"},
}
BODY = json.dumps({"item": "职工医保个人账户家庭共济办理", "facts": FACTS, "on": "2024-01-01"}, ensure_ascii=False)


def trivial_app() -> FastAPI:
    """The framework's ceiling: a FastAPI endpoint that reads the body and answers a constant."""
    app = FastAPI()

    @app.post("/api/v1/decide")
    async def decide(request: Request) -> Response:
        await request.body()
        return Response(b'{"status":"eligible"}', media_type="application/json")

    return app


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def add(self, part: Result) -> None:
        """Another slice of the same load."""
        self.seconds += part.seconds
        self.latencies += part.latencies
        self.errors += part.errors
        for kind, count in part.error_kinds.items():
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + count

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * p), len(ordered) - 1)] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.throughput:>9,.0f} req/s   p50 {self.percentile(0.50):6.1f} ms   "
            f"p99 {self.percentile(0.99):6.1f} ms   errors {self.errors}   "
            f"({len(self.latencies):,} in {self.seconds:.1f} s)"
        )


async def _client(port: int, request: bytes, stop_at: float, budget: list[int], result: Result, check: bytes) -> None:
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError as exc:
        result.errors += 1
        result.error_kinds[type(exc).__name__] = result.error_kinds.get(type(exc).__name__, 0) + 1
        return
    try:
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            elapsed = time.perf_counter() - start
            if head.startswith(b"HTTP/1.1 200") and check in body:
                result.latencies.append(elapsed)
            else:
                result.errors += 1
                kind = head.split(b"\r\n", 1)[0].decode(errors="replace")
                result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        result.errors += 1
        result.error_kinds[type(exc).__name__] = result.error_kinds.get(type(exc).__name__, 0) + 1
    finally:
        writer.close()


async def load(name: str, port: int, clients: int, seconds: float, max_requests: int, check: bytes) -> Result:
    body = BODY.encode()
    request = (
        f"POST /api/v1/decide HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    result = Result(name)
    start = time.perf_counter()
    budget = [max_requests]
    await asyncio.gather(*(_client(port, request, start + seconds, budget, result, check) for _ in range(clients)))
    result.seconds = time.perf_counter() - start
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _start(command: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/openapi.json", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    _stop(process)
    raise SystemExit(f"server did not start: {' '.join(command)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stops the server this script started (its own process group, by id)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="Load per server, at most 60 s (default 20).")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients (default 50).")
    parser.add_argument("--workers", type=int, default=2, help="Worker processes per server (default 2).")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="Stop after this many per server.")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1.0), 60.0)
    exe = str(Path(sys.executable).with_name("yibao-rules"))
    ours_port, trivial_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k != "YIBAO_RULES"}
    ours = _start(
        [exe, "serve", "--host", HOST, "--port", str(ours_port), "--workers", str(args.workers)], ours_port, env
    )
    try:
        trivial = _start(
            [sys.executable, "-m", "uvicorn", "--factory", "load:trivial_app", "--app-dir", str(Path(__file__).parent),
             "--host", HOST, "--port", str(trivial_port), "--workers", str(args.workers), "--no-access-log",
             "--log-level", "warning"],
            trivial_port,
        )  # fmt: skip
        try:
            for port in (ours_port, trivial_port):  # warm up both (imports, first requests)
                asyncio.run(load("warm-up", port, args.clients, 2.0, 50_000, b"status"))
            print(
                f"{args.clients} clients, {seconds:.0f} s each, {args.workers} workers, loopback, "
                f"{os.cpu_count()} cores"
            )
            print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
            decide = Result("yibao-rules /api/v1/decide")
            ceiling = Result("trivial FastAPI endpoint")
            for _ in range(SLICES):  # alternately, so both see the same other load
                for total, port, check in (
                    (decide, ours_port, b'"status":"eligible"'),
                    (ceiling, trivial_port, b"eligible"),
                ):
                    part = asyncio.run(
                        load(total.name, port, args.clients, seconds / SLICES, args.max_requests // SLICES, check)
                    )
                    total.add(part)
            print(decide.line())
            print(ceiling.line())
        finally:
            _stop(trivial)
    finally:
        _stop(ours)
    ratio = decide.throughput / ceiling.throughput if ceiling.throughput else float("nan")
    print(f"ratio decide / trivial: {ratio:.2f} (the framework's ceiling on this machine is the trivial line)")
    for kinds in (decide.error_kinds, ceiling.error_kinds):
        for kind, count in kinds.items():
            print(f"  error {kind}: {count}")
    targets = [
        (">= 3,000 decisions/s", decide.throughput >= 3000),
        ("p99 < 50 ms", decide.percentile(0.99) < 50),
        ("0 errors", decide.errors == 0),
    ]
    for text, ok in targets:
        print(f"  {'✓' if ok else '✗'} {text}")
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
