"""A document's title read from its first lines, for users' files that come without one.

A paper saved as text usually opens with its title: a "Title:" line (arXiv pages), a top heading ("# ..."
or "## ..."), or a short line in title case before the first sentence. Without a title, references show
the file name ("001_6e1d847857005be5"), which tells a reader nothing and which no question can name.
"""

from __future__ import annotations

import re

FIRST_LINES = 8  # a title sits at the top; further down, a short line is a heading or a caption
_TITLE_LINE = re.compile(r"^\s*title\s*:\s*(\S.{2,250}?)\s*$", re.IGNORECASE)
_TOP_HEADING = re.compile(r"^\s*#{1,2}\s+(\S.*?)\s*#*\s*$")
_WORD = re.compile(r"[^\W\d_][\w'-]*")
MIN_WORDS, MAX_WORDS, MAX_CHARS = 3, 30, 250


def _looks_like_title(line: str, min_words: int = MIN_WORDS + 1) -> bool:
    """A short line in title case that is not a sentence, a list of names, a link or a breadcrumb."""
    words = _WORD.findall(line)
    if not (min_words <= len(words) <= MAX_WORDS) or len(line) > MAX_CHARS:
        return False
    if line.rstrip()[-1] in ".,;:)]" or any(mark in line for mark in ("•", ">", "http", "@", "|")):
        return False
    parts = line.split(",")
    if len(parts) >= 3 and all(len(part.split()) <= 3 for part in parts):
        return False  # "An Wang, Haonan Shi, Tu Ouyang": the authors
    long_words = [w for w in words if len(w) >= 4]
    capitalised = sum(w[0].isupper() for w in long_words)
    return bool(long_words) and capitalised >= 0.6 * len(long_words)


def title_in_text(text: str) -> str | None:
    """The title the text opens with, or None when its first lines hold none."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:FIRST_LINES]
    for line in lines:
        if match := _TITLE_LINE.match(line):
            return match.group(1)
    for line in lines:
        if (match := _TOP_HEADING.match(line)) and _looks_like_title(match.group(1), MIN_WORDS):
            return match.group(1)
    return next((line for line in lines if _looks_like_title(line)), None)
