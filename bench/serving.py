"""Benchmark of the HTTP server: our overhead around LLM calls, time to first token, and concurrent load.

    python bench/serving.py [--model smollm2-135m] [--requests 5] [--clients 50] [--turns 4] [--skip-llm]

1. Overhead (``openai`` backend against llama-cpp-python's OpenAI-compatible server with a packaged model,
   both on this machine): sequential chat requests; overhead = (end-to-end time - time inside LLM calls) /
   end-to-end time. Time inside LLM calls comes from the server's own histogram
   ``clinadvisor_llm_call_duration_seconds`` (read from /metrics before and after each request).
2. Time to first token of a streamed reply (first non-empty content chunk), same server.
3. Memory (``--memory-chats N``): the resident memory of a server with the embedded model (default Qwen), idle
   and after 1, 10 and N two-turn chats, each chat with words not seen before (target: < 3 GB after 100).
4. Load: ``--clients`` concurrent conversations with the ``none`` backend, each streaming ``--turns`` turns
   and sending the next turn as soon as the previous reply ended (httpx, asyncio: a light client, so that
   the load generator takes little of the CPU it shares with the server). Latency per turn (to [DONE]),
   time to first content, p50/p95, errors, and the p95 of the turns that carry a recommendation.
Targets: overhead < 5 %, zero errors under load, recommendation turns p95 < 1 s (``none`` backend), resident
memory < 3 GB after 100 chats (embedded).
The servers run as subprocesses (``clinadvisor serve``) with the rate limit off and the index not built.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from openai import OpenAI

from serving.backends.weights import resolve_weights
from serving.settings import load_settings

CLINADVISOR = str(Path(sys.executable).parent / "clinadvisor")
CONVERSATION = (
    "I'm a radiologist and want to draft CT reports automatically.",
    "Only text goes in and out; the data may not be shared with third parties; we prefer running it locally.",
    "Why is GPT-4 not on the list?",
    "What if we rent GPUs in the cloud instead?",
    "What is QLoRA?",
    "Thanks, that is all.",
)
LLM_SAMPLE = re.compile(r"^clinadvisor_llm_call_duration_seconds_sum\{[^}]*\} (\S+)$", re.M)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    """Until ``url`` answers 200 (or the process dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def process(cmd: list[str], env: dict[str, str], health: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server subprocess, started and waited for; stopped at the end."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(health, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def our_server(home: Path, env_extra: dict[str, str], pids: list[int] | None = None) -> Iterator[str]:
    """``clinadvisor serve`` on a free port; yields its base URL (without /v1); its pid goes into ``pids``."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINADVISOR_")}
    env.update(CLINADVISOR_HOME=str(home), CLINADVISOR_RATE_LIMIT="0", CLINADVISOR_BUILD_INDEX_ON_START="false",
               HF_HUB_OFFLINE="1", **env_extra)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    cmd = [CLINADVISOR, "serve", "--no-ui", "--port", str(port), "--log-level", "warning"]
    with process(cmd, env, url + "/healthz", home / "server.log") as proc:
        if pids is not None:
            pids.append(proc.pid)
        yield url


@contextmanager
def llama_server(model_key: str, home: Path) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with a packaged model; yields its /v1 URL."""
    settings = load_settings().model_copy(update={"embedded_model": model_key})
    weights = resolve_weights(settings)
    port = free_port()
    threads = str(os.cpu_count() or 2)
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(weights.path), "--model_alias", model_key,
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", threads]  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    with process(cmd, {**os.environ, "HF_HUB_OFFLINE": "1"}, url + "/models", home / "llama.log"):
        yield url


def llm_seconds(base: str) -> float:
    """Total seconds the server has spent inside LLM calls."""
    return sum(float(v) for v in LLM_SAMPLE.findall(httpx.get(base + "/metrics", timeout=10).text))


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def overhead(base: str, requests: int) -> dict[str, Any]:
    """Sequential non-streamed turns: end-to-end time vs time inside the LLM."""
    client = OpenAI(base_url=base + "/v1", api_key="none", max_retries=0, timeout=600)
    history: list[dict[str, str]] = []
    rows = []
    for n in range(requests):
        history.append({"role": "user", "content": CONVERSATION[n % len(CONVERSATION)]})
        before = llm_seconds(base)
        start = time.perf_counter()
        reply = client.chat.completions.create(model="clinadvisor", messages=history)  # type: ignore[arg-type]
        total = time.perf_counter() - start
        inside = llm_seconds(base) - before
        ext = (reply.model_extra or {})["clinadvisor"]
        history.append({"role": "assistant", "content": reply.choices[0].message.content or ""})
        rows.append(
            {
                "turn": n + 1,
                "e2e_s": round(total, 3),
                "llm_s": round(inside, 3),
                "overhead_pct": round(100 * (total - inside) / total, 2),
                "backend": ext["backend"],
            }
        )
    e2e = sum(r["e2e_s"] for r in rows)
    llm = sum(r["llm_s"] for r in rows)
    return {
        "turns": rows,
        "e2e_s": round(e2e, 3),
        "llm_s": round(llm, 3),
        "overhead_pct": round(100 * (e2e - llm) / e2e, 2),
        "overhead_ms_per_turn": round(1000 * (e2e - llm) / len(rows), 1),
    }


def first_token(base: str, repeat: int) -> dict[str, Any]:
    """Time to the first non-empty content chunk, and to [DONE], of streamed first turns."""
    client = OpenAI(base_url=base + "/v1", api_key="none", max_retries=0, timeout=600)
    ttft, total = [], []
    for n in range(repeat):
        # a message never seen before, so that nothing of it is cached: the LLM reads it first
        messages = [{"role": "user", "content": f"{CONVERSATION[0]} (request {n} at {time.time():.0f})"}]
        start = time.perf_counter()
        first = None
        for chunk in client.chat.completions.create(model="clinadvisor", messages=messages, stream=True):  # type: ignore[arg-type]
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - start
        total.append(time.perf_counter() - start)
        ttft.append(first if first is not None else total[-1])
    return {
        "ttft_ms_median": round(1000 * statistics.median(ttft), 1),
        "stream_total_s_median": round(statistics.median(total), 3),
    }


def resident_mb(pid: int) -> float:
    """The resident memory of a process, in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


def memory(base: str, pid: int, chats: int) -> dict[str, Any]:
    """Resident memory of the server, idle and after 1, 10 and ``chats`` two-turn chats with new words each."""
    client = OpenAI(base_url=base + "/v1", api_key="none", max_retries=0, timeout=600)
    marks = {"idle": resident_mb(pid)}
    checkpoints = {1, 10, chats}
    start = time.perf_counter()
    for n in range(1, chats + 1):
        history: list[dict[str, str]] = []
        for text in CONVERSATION[:2]:
            history.append({"role": "user", "content": f"{text} (chat {n})"})
            reply = client.chat.completions.create(model="clinadvisor", messages=history)  # type: ignore[arg-type]
            history.append({"role": "assistant", "content": reply.choices[0].message.content or ""})
        if n in checkpoints:
            marks[f"after_{n}"] = resident_mb(pid)
            print(json.dumps({"memory_mark": n, "rss_mb": marks[f"after_{n}"]}), flush=True)
    return {"chats": chats, "rss_mb": marks, "seconds": round(time.perf_counter() - start, 1)}


async def _conversation(client: httpx.AsyncClient, turns: int, out: list[dict[str, Any]]) -> None:
    history: list[dict[str, str]] = []
    for n in range(turns):
        history.append({"role": "user", "content": CONVERSATION[n % len(CONVERSATION)]})
        start = time.perf_counter()
        text, has_rec, error, first = [], False, None, None
        try:
            body = {"model": "clinadvisor", "messages": history, "stream": True}
            async with client.stream("POST", "/v1/chat/completions", json=body) as response:
                response.raise_for_status()
                async for line in response.aiter_lines():
                    if not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    chunk = json.loads(line[6:])
                    if "error" in chunk:
                        raise RuntimeError(chunk["error"]["type"])
                    delta = chunk["choices"][0]["delta"] if chunk["choices"] else {}
                    if delta.get("content"):
                        first = first or time.perf_counter() - start
                        text.append(delta["content"])
                    if "clinadvisor" in chunk:
                        has_rec = chunk["clinadvisor"]["recommendation"] is not None
        except Exception as exc:  # counted, not raised: the load test reports errors
            error = f"{type(exc).__name__}: {str(exc)[:120]}"
        out.append({"turn": n + 1, "s": time.perf_counter() - start, "ttft": first, "recommendation": has_rec,
                    "error": error})  # fmt: skip
        history.append({"role": "assistant", "content": "".join(text)})


async def _load(base: str, clients: int, turns: int) -> dict[str, Any]:
    """``clients`` conversations at once; each sends its next turn when the previous reply has ended."""
    results: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*[_conversation(client, turns, results) for _ in range(clients)])
        wall = time.perf_counter() - start
    ok = [r for r in results if r["error"] is None]
    latencies = [r["s"] for r in ok] or [float("nan")]
    rec = [r["s"] for r in ok if r["recommendation"]] or [float("nan")]
    ttft = [r["ttft"] for r in ok if r["ttft"] is not None] or [float("nan")]
    return {
        "clients": clients, "turns_each": turns, "turns": len(results),
        "errors": len(results) - len(ok),
        "error_kinds": sorted({r["error"] for r in results if r["error"]})[:5],
        "p50_ms": round(1000 * pct(latencies, 50), 1), "p95_ms": round(1000 * pct(latencies, 95), 1),
        "ttft_p50_ms": round(1000 * pct(ttft, 50), 1), "ttft_p95_ms": round(1000 * pct(ttft, 95), 1),
        "recommendation_turns": sum(r["recommendation"] for r in ok),
        "recommendation_p50_ms": round(1000 * pct(rec, 50), 1),
        "recommendation_p95_ms": round(1000 * pct(rec, 95), 1),
        "wall_s": round(wall, 2), "turns_per_s": round(len(results) / wall, 1),
    }  # fmt: skip


def main() -> int:
    """Run the three measurements and print them as JSON lines, then a summary."""
    parser = argparse.ArgumentParser(description="Benchmark the HTTP server.")
    parser.add_argument("--model", default="smollm2-135m", help="packaged model for the llama.cpp server")
    parser.add_argument("--requests", type=int, default=5, help="sequential turns for the overhead figure")
    parser.add_argument("--clients", type=int, default=50, help="concurrent conversations (none backend)")
    parser.add_argument("--turns", type=int, default=4, help="turns per conversation in the load test")
    parser.add_argument("--ttft-repeat", type=int, default=3, help="streamed first turns for time to first token")
    parser.add_argument("--skip-llm", action="store_true", help="only the load test (no llama.cpp server)")
    parser.add_argument("--memory-chats", type=int, default=0, help="chats for the embedded memory test (0: skip)")
    parser.add_argument("--memory-model", default="qwen2.5-coder-1.5b", help="packaged model of the memory test")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the servers started are stopped
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        if not args.skip_llm:
            with (
                llama_server(args.model, home) as llm_url,
                our_server(home / "openai", {"CLINADVISOR_BACKEND": "openai", "CLINADVISOR_LLM_URL": llm_url}) as base,
            ):
                health = httpx.get(base + "/healthz").json()
                assert health["backend"]["name"] == "openai", health
                summary["overhead"] = overhead(base, args.requests)
                print(json.dumps({"overhead": summary["overhead"]}), flush=True)
                summary["first_token"] = first_token(base, args.ttft_repeat)
                print(json.dumps({"first_token": summary["first_token"]}), flush=True)
        if args.memory_chats:
            pids: list[int] = []
            weights = resolve_weights(load_settings().model_copy(update={"embedded_model": args.memory_model}))
            env = {"CLINADVISOR_BACKEND": "embedded", "CLINADVISOR_EMBEDDED_MODEL_PATH": str(weights.path)}
            with our_server(home / "embedded", env, pids) as base:
                summary["memory"] = memory(base, pids[0], args.memory_chats)
                print(json.dumps({"memory": summary["memory"]}), flush=True)
        with our_server(home / "none", {"CLINADVISOR_BACKEND": "none"}) as base:
            asyncio.run(_load(base, 2, 1))  # warm-up
            summary["load"] = asyncio.run(_load(base, args.clients, args.turns))
            print(json.dumps({"load": summary["load"]}), flush=True)
    print()
    if "overhead" in summary:
        o, f = summary["overhead"], summary["first_token"]
        print(
            f"overhead ({args.model} via llama.cpp server, {args.requests} turns): {o['overhead_pct']} % of "
            f"end-to-end ({o['overhead_ms_per_turn']} ms/turn; e2e {o['e2e_s']} s, in LLM {o['llm_s']} s)"
        )
        print(f"time to first token: {f['ttft_ms_median']} ms (whole streamed reply {f['stream_total_s_median']} s)")
    if "memory" in summary:
        m = summary["memory"]
        print(f"memory (embedded {args.memory_model}, {m['chats']} two-turn chats): resident MB {m['rss_mb']}")
    ld = summary["load"]
    print(
        f"load ({ld['clients']} concurrent streaming conversations x {ld['turns_each']} turns, none backend): "
        f"p50 {ld['p50_ms']} ms, p95 {ld['p95_ms']} ms, errors {ld['errors']}, "
        f"recommendation turns p95 {ld['recommendation_p95_ms']} ms, {ld['turns_per_s']} turns/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
