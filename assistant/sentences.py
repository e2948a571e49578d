"""Cutting a language model's streamed text into sentences, so that each can be checked before it is sent."""

from __future__ import annotations

import re

# A sentence ends at . ! or ? (citations right after the full stop belong to it) when more text follows that is
# not itself a citation.
# (A "[" just streamed in may still become a citation: the decision waits for the character after it.)
SENTENCE_END = re.compile(r"[.!?](?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?=\s+(?:[^\s\[]|\[\D))")


class SentenceBuffer:
    """Collects streamed pieces and hands out each sentence once it is complete."""

    def __init__(self) -> None:
        self.buffer = ""

    def feed(self, piece: str) -> list[str]:
        """The sentences this piece completes (stripped), in order."""
        self.buffer += piece
        out = []
        while (match := SENTENCE_END.search(self.buffer)) is not None:
            sentence = self.buffer[: match.end()].strip()
            self.buffer = self.buffer[match.end() :].lstrip()
            if sentence:
                out.append(sentence)
        return out

    def rest(self) -> str:
        """What is left after the last complete sentence (the text's end), emptying the buffer."""
        rest, self.buffer = self.buffer.strip(), ""
        return rest
