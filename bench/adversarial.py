"""Benchmark: a normal chat's latency while another key sends long, hostile messages.

    python bench/adversarial.py [--turns 50] [--pause 0.2] [--attackers 4] [--chars 12000] [--rate-limit 120]

A server (``clinadvisor serve``, ``none`` backend, no index, two API keys, the product's default rate limit
of 120 requests a minute per key, bursts up to 120) runs as a subprocess. One client (key A) plays a normal
two-turn conversation again and again, one request at a time, ``--pause`` seconds apart: first with the
server idle, then while ``--attackers`` threads on key B send messages built to cost work: 100,000 digits
(over the message cap: refused with 400), and at the cap long digit runs, one long word, repeated separators
and a German "...bilder" word (the pattern whose regex was quadratic), each made unique so that the
extraction's cache cannot answer it. Key B's requests count against its own rate limit, not A's; the
measurement starts once B has spent its burst (its first 429; at most two minutes of waiting), after which
B sends what the limit lets through, as a patient attacker would.

Printed: p50/p95 of A's turns, idle and under attack, their ratio (target: p95 under attack within 2x of
idle), what B's requests got (status counts), the server time one hostile message costs, and whether the
quadratic regex is still in this tree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from tests.fixtures.processes import free_port, stop

ROOT = Path(__file__).resolve().parents[1]
CLINADVISOR = str(Path(sys.executable).parent / "clinadvisor")
NORMAL_KEY, HOSTILE_KEY = "bench-normal-key", "bench-hostile-key"
CONVERSATION = (
    "I'm a radiologist and want to draft CT reports automatically.",
    "Only text goes in and out; the data may not be shared with third parties; we run it locally.",
)
QUADRATIC = r"\w*(?:bilder|aufnahmen)\w*"
PATTERN_FILES = ("lexicon.py", "extraction_rules.py")


def hostile_messages(chars: int) -> list[str]:
    """Messages built to cost work: one over the cap, the others exactly at it."""
    word = "Röntgen" + "x" * (chars - 20) + "bilder"
    return [
        "9" * 100_000,
        "1" * chars,
        word[:chars],
        ("- ; , . / " * chars)[:chars],
        ("CT " + "9" * 500 + " ") * (chars // 504),
    ]


@contextmanager
def server(home: Path, rate_limit: int) -> Iterator[str]:
    """``clinadvisor serve`` with two keys and no LLM; its base URL until the block ends."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINADVISOR_")}
    env.update(
        CLINADVISOR_HOME=str(home),
        CLINADVISOR_BACKEND="none",
        CLINADVISOR_BUILD_INDEX_ON_START="false",
        CLINADVISOR_API_KEYS=f"{NORMAL_KEY},{HOSTILE_KEY}",
        CLINADVISOR_RATE_LIMIT=str(rate_limit),
        PYTHONPATH=str(ROOT),
    )
    log = (home / "server.log").open("wb")
    cmd = [CLINADVISOR, "serve", "--no-ui", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start; see " + str(home / "server.log"))
            time.sleep(0.2)
        yield url
    finally:
        stop(process)
        log.close()


def normal_turns(url: str, turns: int, pause: float = 0.0) -> list[float]:
    """Latencies (s) of ``turns`` requests of the normal conversation, alternating its two turns, ``pause``
    seconds apart (a person reads and types between turns)."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {NORMAL_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        history: list[dict[str, str]] = []
        for n in range(turns):
            if n % 2 == 0:
                history = []
            history.append({"role": "user", "content": CONVERSATION[n % 2]})
            time.sleep(pause)
            start = time.perf_counter()
            r = client.post("/v1/chat/completions", json={"model": "clinadvisor", "messages": history})
            latencies.append(time.perf_counter() - start)
            r.raise_for_status()
            history.append({"role": "assistant", "content": r.json()["choices"][0]["message"]["content"]})
    return latencies


CAP = 12_000  # the server's default CLINADVISOR_MAX_MESSAGE_CHARS


def attack(url: str, messages: list[str], stop_at: threading.Event, seen: Counter[int]) -> None:
    """Send hostile messages on key B until told to stop; count the statuses."""
    headers = {"Authorization": f"Bearer {HOSTILE_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
        n = 0
        while not stop_at.is_set():
            # a fresh text every time: a repeated one would come from the extraction's cache and cost nothing
            text = messages[n % len(messages)]
            unique = f"{time.perf_counter_ns()} {text}"[: len(text)] if len(text) <= CAP else text
            body = {"model": "clinadvisor", "messages": [{"role": "user", "content": unique}]}
            try:
                r = client.post("/v1/chat/completions", json=body)
            except httpx.HTTPError:
                seen[0] += 1
                continue
            seen[r.status_code] += 1
            n += 1
            if r.status_code == 429:  # a patient attacker: back again as soon as the limit allows
                stop_at.wait(float(r.headers.get("retry-after", "1")))


def one_message_cost(url: str, messages: list[str]) -> dict[str, float]:
    """Seconds the server takes for each capped hostile message alone (key B, the server otherwise idle)."""
    costs: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {HOSTILE_KEY}"}
    names = ["over the cap", "digits", "one long word", "separators", "digit runs"]
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
        for name, text in zip(names, messages, strict=True):
            start = time.perf_counter()
            client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": text}]})
            costs[name] = time.perf_counter() - start
    return costs


def p95(values: list[float]) -> float:
    """The 95th percentile."""
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=50, help="normal requests per phase (both within A's burst)")
    parser.add_argument("--attackers", type=int, default=4, help="threads sending hostile messages on key B")
    parser.add_argument("--chars", type=int, default=12_000, help="length of the capped hostile messages")
    parser.add_argument("--rate-limit", type=int, default=120, help="requests a minute per key")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between two normal turns")
    args = parser.parse_args()
    sources = {name: (ROOT / "assistant" / name).read_text(encoding="utf-8") for name in PATTERN_FILES}
    where = [name for name, text in sources.items() if QUADRATIC in text]
    print(f"quadratic regex {QUADRATIC} still in this tree: {'yes, in ' + ', '.join(where) if where else 'no'}")
    messages = hostile_messages(args.chars)
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp), args.rate_limit) as url:
        normal_turns(url, 4)  # warm-up: catalog, caches
        idle = normal_turns(url, args.turns, args.pause)
        costs = one_message_cost(url, messages)
        stop_at, seen = threading.Event(), Counter[int]()
        threads = [threading.Thread(target=attack, args=(url, messages, stop_at, seen)) for _ in range(args.attackers)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while not seen[429] and time.monotonic() < deadline:  # B spends its burst first
            time.sleep(0.2)
        seen.clear()
        try:
            busy = normal_turns(url, args.turns, args.pause)
        finally:
            stop_at.set()
            for thread in threads:
                thread.join()
    print("server time of one hostile message (s): " + ", ".join(f"{k} {v:.3f}" for k, v in costs.items()))
    print(f"normal turns, idle:         p50 {statistics.median(idle) * 1000:.0f} ms, p95 {p95(idle) * 1000:.0f} ms")
    print(f"normal turns, under attack: p50 {statistics.median(busy) * 1000:.0f} ms, p95 {p95(busy) * 1000:.0f} ms")
    ratio = p95(busy) / p95(idle)
    print(f"p95 under attack / idle: {ratio:.2f} (target <= 2.0: {'met' if ratio <= 2.0 else 'NOT met'})")
    print("key B's requests by status: " + ", ".join(f"{code or 'error'}: {n}" for code, n in sorted(seen.items())))


if __name__ == "__main__":
    main()
