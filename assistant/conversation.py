"""Reading a chat request: message contents as text, the context budget, and the client's clicked overrides.

This is the one place that turns what a client sends (OpenAI messages whose content is a string or an
array of content parts, and the ``clinadvisor`` request extension) into plain text turns and checked
answers. The extraction, the dialogue and the HTTP layer all read messages through ``content_text`` and
overrides through ``parse_overrides``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import InvalidInput, UnknownQuestion, UnknownStage
from assistant.i18n import detect_language, t
from assistant.questionnaire import all_question_ids, parse_answer, parse_stage
from assistant.situation import Situation
from assistant.sizing_facts import GpuType

CONTEXT_CHARS = 24_000  # a longer history keeps only its latest turns


def content_text(content: Any) -> tuple[str, bool]:
    """The text of a message's content (a string or OpenAI content parts) and whether media was dropped."""
    if content is None:
        return "", False
    if isinstance(content, str):
        return content, False
    if isinstance(content, Sequence):
        texts, media = [], False
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "text":
                texts.append(str(part.get("text") or ""))
            elif isinstance(part, str):
                texts.append(part)
            else:
                media = True
        return "\n".join(texts), media
    return str(content), False


@dataclass(frozen=True)
class Overrides:
    """What the user set in a UI: a stage, answers and a situation that win over what was read from messages."""

    stage: str | None = None
    answers: Mapping[str, bool | None] = field(default_factory=dict)
    situation: Situation | None = None


def parse_overrides(
    overrides: Overrides | Mapping[str, Any] | None, *, prefix: str = "", gpus: Sequence[GpuType] = ()
) -> Overrides:
    """The request extension's ``{stage, answers, situation}`` checked (GPU names against ``gpus`` when given);
    a bad value raises InvalidInput naming its param."""
    if isinstance(overrides, Overrides):
        return overrides
    if not overrides:
        return Overrides()
    situation = None
    if overrides.get("situation") is not None:
        raw = overrides["situation"]
        if not isinstance(raw, Mapping):
            raise InvalidInput("situation must be an object", param=f"{prefix}situation", value=raw)
        try:
            situation = Situation.from_dict(raw, gpus)
        except ValueError as exc:
            name = str(exc).split(":", 1)[0]
            raise InvalidInput(f"situation.{exc}", param=f"{prefix}situation.{name}", value=raw) from None
    stage = overrides.get("stage")
    stage_id = None
    if stage not in (None, ""):
        try:
            stage_id = parse_stage(stage)
        except UnknownStage as exc:
            raise UnknownStage(
                f"unknown stage {stage!r}", param=f"{prefix}stage", value=stage, valid=exc.valid
            ) from None
    answers = overrides.get("answers") or {}
    known = set(all_question_ids())
    parsed: dict[str, bool | None] = {}
    for qid, value in answers.items():
        param = f"{prefix}answers.{qid}"
        if qid not in known:
            raise UnknownQuestion(f"question {qid!r} is not a question id", param=param, value=qid)
        parsed[qid] = parse_answer(value, param=param)
    return Overrides(stage_id, parsed, situation)


@dataclass
class Conversation:
    """The usable part of a request: user and assistant turns as plain text, and what was dropped."""

    messages: list[dict[str, str]]
    notices: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)  # each kept message's index in the request

    def turn(self, index: int) -> int:
        """The request's index of the kept message at ``index``."""
        return self.origin[index] if index < len(self.origin) else index

    @property
    def user_texts(self) -> list[str]:
        """The user turns' texts, oldest first."""
        return [m["content"] for m in self.messages if m["role"] == "user"]

    @property
    def last_user(self) -> str:
        """The latest user turn's text ("" when there is none)."""
        texts = self.user_texts
        return texts[-1] if texts else ""

    @property
    def last_user_index(self) -> int:
        """The index (in ``messages``) of the latest user turn, 0 when there is none."""
        for i in range(len(self.messages) - 1, -1, -1):
            if self.messages[i]["role"] == "user":
                return i
        return 0

    def before_last_user(self) -> Conversation:
        """The conversation as it stood before the latest user turn."""
        cut = self.last_user_index
        return Conversation(self.messages[:cut], origin=self.origin[:cut])


def read_messages(messages: Sequence[Mapping[str, Any]], lang_hint: str | None = None) -> Conversation:
    """User and assistant turns as text (system turns ignored), cut to the context budget, with notices."""
    plain: list[dict[str, str]] = []
    origin: list[int] = []
    media = False
    for index, message in enumerate(messages):
        role = str(message.get("role", ""))
        if role not in ("user", "assistant"):
            continue  # system prompts from portals and tool turns carry no answers
        text, dropped = content_text(message.get("content"))
        media = media or (dropped and role == "user")
        plain.append({"role": role, "content": text})
        origin.append(index)
    conv = Conversation(plain, origin=origin)
    lang = lang_hint or detect_language(conv.user_texts)
    total = sum(len(m["content"]) for m in plain)
    if total > CONTEXT_CHARS:
        kept: list[dict[str, str]] = []
        used = 0
        for m in reversed(plain):
            if used + len(m["content"]) > CONTEXT_CHARS:
                if not kept:  # the latest turn alone is too long: keep its end
                    kept.append({"role": m["role"], "content": m["content"][-CONTEXT_CHARS:]})
                break
            kept.append(m)
            used += len(m["content"])
        conv.messages = kept[::-1]
        conv.origin = origin[len(origin) - len(kept) :]
        conv.notices.append(t(lang, "notice_truncated", limit=CONTEXT_CHARS, kept=len(kept)))
    if media:
        conv.notices.append(t(lang, "notice_media"))
    return conv
