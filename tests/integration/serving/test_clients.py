"""The server as hospital tools see it: the official openai client (sync, async, streaming) and LangChain."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import openai
import pytest
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI, OpenAI

from tests.integration.serving.conftest import KEY, Server

pytestmark = pytest.mark.integration

NEED = "I'm a radiologist. I want to draft CT reports; the data must stay in the hospital."
CLICKED = {
    "stage": "II",
    "answers": {
        "input_text_only": True,
        "output_text_only": True,
        "data_sharing": False,
        "radiology_text_generation": True,
        "deploy_local": True,
    },
}


def client(server: Server, key: str = KEY) -> OpenAI:
    return OpenAI(base_url=server.v1, api_key=key, max_retries=0)


def test_models(api_server: Server) -> None:
    assert [m.id for m in client(api_server).models.list()] == ["clinadvisor"]


def test_sync_completion_with_extension(api_server: Server) -> None:
    reply = client(api_server).chat.completions.create(
        model="clinadvisor", messages=[{"role": "user", "content": NEED}], temperature=0.3, user="ward-7"
    )
    assert reply.object == "chat.completion" and reply.choices[0].finish_reason == "stop"
    assert reply.choices[0].message.content and "II" in reply.choices[0].message.content
    ext: dict[str, Any] = (reply.model_extra or {})["clinadvisor"]
    assert ext["schema"] == "reply/1" and ext["stage"] == "II"
    assert ext["answers"]["radiology_text_generation"]["value"] is True
    assert reply.usage is not None and reply.usage.completion_tokens > 0


def test_clicked_answers_through_extra_body(api_server: Server) -> None:
    reply = client(api_server).chat.completions.create(
        model="clinadvisor",
        messages=[{"role": "user", "content": "what do you recommend?"}],
        extra_body={"clinadvisor": CLICKED},
    )
    ext = (reply.model_extra or {})["clinadvisor"]
    assert ext["recommendation"]["status"] == "recommended"
    assert ext["answers"]["deploy_local"] == {"value": True, "source": "clicked", "turn": None}


def test_streaming_with_usage(api_server: Server) -> None:
    stream = client(api_server).chat.completions.create(
        model="clinadvisor",
        messages=[{"role": "user", "content": NEED}],
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"clinadvisor": CLICKED},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "stop"
    assert (finals[0].model_extra or {})["clinadvisor"]["recommendation"]["status"] == "recommended"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert "|" in text  # the recommendation table arrived in the text


def test_async_client_concurrently(api_server: Server) -> None:
    async def main() -> list[str]:
        aclient = AsyncOpenAI(base_url=api_server.v1, api_key=KEY, max_retries=0)
        async with aclient:
            replies = await asyncio.gather(
                *[
                    aclient.chat.completions.create(
                        model="clinadvisor", messages=[{"role": "user", "content": f"stage {s}"}]
                    )
                    for s in ("I", "II", "III", "IV", "V")
                ]
            )
            stream = await aclient.chat.completions.create(
                model="clinadvisor", messages=[{"role": "user", "content": NEED}], stream=True
            )
            pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        return [r.choices[0].message.content or "" for r in replies] + ["".join(pieces)]

    texts = asyncio.run(main())
    assert len(texts) == 6 and all(texts)


def test_openai_client_errors(api_server: Server) -> None:
    with pytest.raises(openai.NotFoundError) as not_found:
        client(api_server).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert not_found.value.code == "model_not_found"
    with pytest.raises(openai.AuthenticationError):
        client(api_server, key="wrong").models.list()
    with pytest.raises(openai.BadRequestError) as bad:
        client(api_server).chat.completions.create(
            model="clinadvisor",
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"clinadvisor": {"stage": "VII"}},
        )
    assert bad.value.param == "clinadvisor.stage"


def test_langchain_chat_openai(api_server: Server) -> None:
    llm = ChatOpenAI(base_url=api_server.v1, api_key=KEY, model="clinadvisor", max_retries=0)
    message = llm.invoke(NEED)
    assert isinstance(message.content, str) and "II" in message.content
    pieces = [chunk.content for chunk in llm.stream("stage III: extract findings from records")]
    assert len(pieces) > 1 and "".join(str(p) for p in pieces).strip()


def _terminal_chat(server: Server, key: str, lines: str) -> subprocess.CompletedProcess[str]:
    """`clinadvisor chat --url` against the server, with ``lines`` as the user's input."""
    from tests.integration.serving.conftest import base_env, clinadvisor_command

    env = {**base_env(server.home), "CLINADVISOR_API_KEY": key}
    return subprocess.run(
        [*clinadvisor_command(), "chat", "--url", server.v1],
        input=lines, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def test_terminal_chat_against_the_server(api_server: Server) -> None:
    done = _terminal_chat(api_server, KEY, "I'm a radiologist drafting CT reports\nthe data must stay here\n")
    assert done.returncode == 0, done.stderr
    assert "Stage II" in done.stdout and done.stdout.count("Technical guidance only") == 2


def test_terminal_chat_says_why_the_server_refused_a_turn_and_goes_on(api_server: Server) -> None:
    done = _terminal_chat(api_server, "not-the-key", "I'm a radiologist drafting CT reports\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert "error: the server answered 401" in done.stderr and "Traceback" not in done.stderr


def test_terminal_chat_with_no_server_behind_the_url_says_so() -> None:
    import socket
    import subprocess

    from tests.integration.serving.conftest import clinadvisor_command

    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    done = subprocess.run(
        [*clinadvisor_command(), "chat", "--url", f"http://127.0.0.1:{port}/v1"],
        input="hello\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "cannot reach the server" in done.stderr and "Traceback" not in done.stderr
