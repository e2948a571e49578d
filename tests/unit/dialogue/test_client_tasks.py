"""Front ends' background tasks (Open WebUI's title, tags, follow-ups; LibreChat's title) are recognised and
answered from the rules, in the history's language, never read as a need."""

from __future__ import annotations

import json

from assistant.catalog import Catalog
from assistant.client_tasks import answer_task, recognise

HISTORY = (
    "USER: I'm a radiologist and want to draft CT reports; the data must stay in the hospital.\n"
    "ASSISTANT: Here is what I understood:\n- Stage II\nWhich of these should the model do?"
)


def owui(spec: str, history: str = HISTORY) -> list[dict[str, str]]:
    """An Open WebUI task request: instructions, the output spec, the chat history."""
    body = (
        f"### Task:\nDo the task.\n### Output:\nJSON format: {spec}\n"
        f"### Chat History:\n<chat_history>\n{history}\n</chat_history>"
    )
    return [{"role": "user", "content": "I'm a radiologist..."}, {"role": "user", "content": body}]


def test_open_webui_title_tags_and_follow_ups_get_json_of_their_shape(catalog: Catalog) -> None:
    title = json.loads(answer_task(catalog, recognise(owui('{ "title": "your concise title here" }'))))  # type: ignore[arg-type]
    assert title == {"title": "Examination text generation, stage II"}
    tags = json.loads(answer_task(catalog, recognise(owui('{ "tags": ["tag1", "tag2"] }'))))  # type: ignore[arg-type]
    assert "Pre-diagnosis and examination" in tags["tags"] and all(isinstance(x, str) for x in tags["tags"])
    follow = json.loads(answer_task(catalog, recognise(owui('{ "follow_ups": ["Question 1?"] }'))))  # type: ignore[arg-type]
    assert 2 <= len(follow["follow_ups"]) <= 4 and any(q.startswith("Which studies used") for q in follow["follow_ups"])


def test_another_key_gets_an_empty_value_of_its_type(catalog: Catalog) -> None:
    queries = recognise(owui('{ "queries": ["query1", "query2"] }'))
    assert queries is not None and json.loads(answer_task(catalog, queries)) == {"queries": []}
    emoji = recognise(owui('{ "emoji": "🙂" }'))
    assert emoji is not None and json.loads(answer_task(catalog, emoji)) == {"emoji": ""}


def test_the_answer_follows_the_historys_language(catalog: Catalog) -> None:
    history = "USER: Ich bin Pflegekraft und möchte Pflegeberichte nach Operationen schreiben lassen.\nASSISTANT: ..."
    task = recognise(owui('{ "title": "..." }', history))
    assert task is not None and json.loads(answer_task(catalog, task)) == {"title": "OP- und Pflegedokumente, Phase IV"}


def test_librechat_titles_plain_and_structured(catalog: Catalog) -> None:
    plain = (
        "Provide a concise, 5-word-or-less title for the conversation, using title case conventions. Only return "
        "the title itself.\n\nConversation:\nUser: We want to draft discharge letters from the record.\nAI: ..."
    )
    task = recognise([{"role": "user", "content": plain}])
    assert task is not None and answer_task(catalog, task) == "Discharge documents, stage V"
    structured = "Analyze this conversation and provide:\n1. The detected language\n2. A concise title\n\n" + plain
    task = recognise([{"role": "user", "content": structured}])
    assert task is not None and json.loads(answer_task(catalog, task))["language"] == "English"


def test_ordinary_turns_are_not_tasks() -> None:
    assert recognise([{"role": "user", "content": "### Task: summarise our radiology reports"}]) is None
    assert recognise([{"role": "user", "content": "Give our chat a title: draft CT reports"}]) is None
    assert recognise([{"role": "assistant", "content": "### Task:\n<chat_history></chat_history>"}]) is None
