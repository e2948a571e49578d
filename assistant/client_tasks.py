"""Chat front ends' own background tasks (a title, tags, follow-up suggestions), told apart from user needs.

Open WebUI asks the model it chats with for a title, tags and follow-up suggestions (and, in voice calls, an
emoji for the speaker's expression): one user message that
opens with ``### Task:``, holds the chat so far inside ``<chat_history>`` (lines ``USER: ...`` and
``ASSISTANT: ...``) and names the JSON key its output must have (``{ "title": ... }``, ``{ "tags": [...] }``,
``{ "follow_ups": [...] }``; search queries and others name other keys). LibreChat asks for a title in plain
text ("Provide a concise, 5-word-or-less title for the conversation ... Conversation: User: ... AI: ...").
Such a request is not a need: reading it as one would invent answers and book a recommendation nobody got.

``recognise`` finds such a request; ``answer_task`` answers it from the conversation state as the rule-based
reader sees the history's user lines (never a language model, so it never waits behind a user's turn), in the
history's language: a title from the main task and the stage, tags from the stage and the domain, follow-up
suggestions from the open questions and the follow-ups the assistant can answer. A key we do not produce
gets an empty value of its type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.catalog import Catalog
from assistant.conversation import Conversation, Overrides, content_text
from assistant.i18n import detect_language, stage_title, t, task_name
from assistant.intake import IntakeState, derive_state, selected_tasks

_HISTORY = re.compile(r"<chat_history>(.*?)(?:</chat_history>|\Z)", re.DOTALL)
_OUTPUT_KEY = re.compile(r"\{\s*\"([A-Za-z_][A-Za-z0-9_]{0,40})\"\s*:\s*(\[|\"|\{|[-\d]|true|false|null)")
_ROLE_LINE = re.compile(r"^(USER|ASSISTANT|SYSTEM|User|AI|Assistant|Response)\s*:\s?(.*)$")
_LIBRECHAT_TITLE = re.compile(r"5-word-or-less title for the conversation", re.IGNORECASE)
_LIBRECHAT_STRUCTURED = re.compile(r"analyze this conversation and provide", re.IGNORECASE)
# Open WebUI's voice-call request for the speaker's facial expression as one emoji (no "### Task:" there)
_EMOJI = re.compile(r"^your task is to reflect the speaker's likely facial expression", re.IGNORECASE)
NEUTRAL_EMOJI = "\U0001f642"  # slightly smiling face: the assistant's tone, whatever the words
MAX_TITLE_WORDS = 8
MAX_SUGGESTIONS = 4
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "de": "German"}


@dataclass(frozen=True)
class ClientTask:
    """A front end's background request: what it wants back and the chat it holds."""

    key: str  # "title" | "tags" | "follow_ups" | any other key the output spec names
    json: bool  # False: the plain text LibreChat's completion title asks for
    empty: Any  # the empty value of an unknown key ("" or [])
    history: tuple[tuple[str, str], ...]  # (role, text), oldest first
    with_language: bool = False  # LibreChat's structured title also asks for the conversation's language


def _history(text: str) -> tuple[tuple[str, str], ...]:
    """The ``ROLE: text`` lines of a chat history; lines without a role continue the message before them."""
    out: list[list[str]] = []
    for line in text.strip().splitlines():
        match = _ROLE_LINE.match(line.strip())
        if match:
            role = "user" if match.group(1).lower() == "user" else "assistant"
            out.append([role, match.group(2)])
        elif out:
            out[-1][1] += "\n" + line
    return tuple((role, body.strip()) for role, body in out if role in ("user", "assistant"))


def recognise(messages: Sequence[Mapping[str, Any]]) -> ClientTask | None:
    """The front end's task the last user message asks for, or None for an ordinary turn."""
    last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    if last is None:
        return None
    text, _ = content_text(last.get("content"))
    stripped = text.lstrip()
    if stripped.startswith("### Task:") and "<chat_history>" in stripped:
        spec = stripped.split("<chat_history>", 1)[0]
        match = _OUTPUT_KEY.search(spec)
        key = match.group(1) if match else "title"
        empty: Any = [] if match and match.group(2) == "[" else ""
        found = _HISTORY.search(stripped)
        return ClientTask(key, True, empty, _history(found.group(1) if found else ""))
    if _EMOJI.search(stripped):
        return ClientTask("emoji", False, "", ())
    if _LIBRECHAT_TITLE.search(stripped) or _LIBRECHAT_STRUCTURED.search(stripped):
        # the chat follows "Conversation:" in the plain prompt, and comes as User:/AI: lines in the structured one
        conversation = stripped.split("Conversation:", 1)[-1] if "Conversation:" in stripped else stripped
        history = _history(conversation) or tuple(
            (str(m.get("role")), content_text(m.get("content"))[0])
            for m in messages[:-1]
            if m.get("role") in ("user", "assistant")
        )
        structured = bool(_LIBRECHAT_STRUCTURED.search(stripped))
        return ClientTask("title", structured, "", history, with_language=structured)
    return None


def _state(catalog: Catalog, task: ClientTask) -> IntakeState:
    messages = [{"role": role, "content": text} for role, text in task.history]
    return derive_state(catalog, Conversation(messages, origin=list(range(len(messages)))), None, Overrides())


def _title(state: IntakeState, lang: str, history: Sequence[tuple[str, str]]) -> str:
    rec = state.recommendation
    tasks = selected_tasks(rec) if rec else []
    if state.stage and tasks:
        return t(lang, "task_title", task=_capital(task_name(lang, tasks[0])), stage=state.stage)
    if state.stage:
        return t(lang, "stage_title_only", stage=state.stage, title=stage_title(lang, state.stage))
    first = next((text for role, text in history if role == "user" and text.strip()), "")
    words = re.findall(r"[^\W_][\w'-]*", first)[:MAX_TITLE_WORDS]
    return " ".join(words) or t(lang, "default_title")


def _tags(state: IntakeState, lang: str) -> list[str]:
    tags = [t(lang, "tag_health"), t(lang, "tag_llm_selection")]
    if state.stage:
        tags.append(stage_title(lang, state.stage))
    rec = state.recommendation
    tags += [_capital(task_name(lang, q)) for q in (selected_tasks(rec) if rec else [])[:2]]
    return list(dict.fromkeys(tags))


def _follow_ups(catalog: Catalog, state: IntakeState, lang: str) -> list[str]:
    rec = state.recommendation
    if rec is None:
        return [t(lang, "suggest_stages"), t(lang, "suggest_example")]
    out: list[str] = []
    if rec.missing:
        out.append(t(lang, "suggest_explain", question=task_name(lang, rec.missing[0])))
    shown = rec.matches or rec.partial_matches
    if shown:
        out.append(t(lang, "suggest_studies", model=shown[0].label))
        out.append(t(lang, "suggest_memory", model=shown[0].label))
    if rec.excluded:
        out.append(t(lang, "suggest_why_not", model=rec.excluded[0].name))
    local = rec.answers.get("deploy_local")
    out.append(t(lang, "suggest_cloud" if local is not False else "suggest_local"))
    return out[:MAX_SUGGESTIONS]


def answer_task(catalog: Catalog, task: ClientTask) -> str:
    """The reply to a front end's task: a JSON object with the key it asked for (or a plain title)."""
    if task.key == "emoji" and not task.json:  # the voice call's plain emoji, not a "### Task:" JSON key
        return NEUTRAL_EMOJI
    lang = detect_language([text for role, text in task.history if role == "user"])
    state = _state(catalog, task)
    value: Any
    if task.key == "title":
        title = _title(state, lang, task.history)
        if not task.json:
            return title
        value = title
    elif task.key == "tags":
        value = _tags(state, lang)
    elif task.key == "follow_ups":
        value = _follow_ups(catalog, state, lang)
    else:
        value = task.empty
    payload: dict[str, Any] = {task.key: value}
    if task.with_language:
        payload = {"language": LANGUAGE_NAMES.get(lang, "English"), **payload}
    return json.dumps(payload, ensure_ascii=False)


def _capital(text: str) -> str:
    """The text with its first letter upper-case (the rest as it is: "OP- und Pflegedokumente")."""
    return text[:1].upper() + text[1:]
