"""Evidence that cannot reach out: text and links from documents made safe to show and to quote.

A user's document may hold a Markdown image, raw HTML or a ``javascript:`` link. Shown in the chat page, an
image would make every reader's browser fetch an outside address (with a Referer); quoted in a prompt, the
same URL could be copied by a language model into its prose, which is the usual way to leak data through an
image request. So passages are cleaned where they enter the assistant and where the index hands them out:

- ``clean_text``: Markdown images become their alt text, HTML tags and comment markers are removed (what
  was between them stays as plain text, so nothing is hidden), and links whose target is not an http(s)
  URL keep only their text;
- ``safe_url``: a URL is kept only when it is an absolute http(s) URL without spaces, quotes or angle brackets.

Every pattern here is linear: bounded character classes, no nested repeats.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from urllib.parse import urlsplit

from assistant.evidence import Passage

_ALLOWED_SCHEMES = ("http", "https")
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")
# ![alt](target "title") and ![alt][ref]: the alt text is kept, the image goes
_IMAGE = re.compile(r"!\[([^\[\]\n]{0,500})\](?:\((?:[^()\n]|\([^()\n]{0,200}\)){0,2000}\)|\[[^\[\]\n]{0,200}\])")
_COMMENT = re.compile(r"<!--|-->")
# <https://example.org> is a Markdown autolink; other <scheme:...> forms and tags are HTML to remove
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]{1,2000})>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]{0,40}(?:\s[^<>]{0,2000})?/?>|<![A-Za-z][^<>]{0,2000}>|<\?[^<>]{0,2000}\?>")
# [text](target "title"): a link keeps its text; an http(s) target keeps the link
# (a target may hold one level of balanced parentheses, as in "javascript:alert(1)")
_LINK = re.compile(
    r"\[([^\[\]\n]{0,500})\]\(\s{0,10}((?:[^()\s]|\([^()\s]{0,200}\)){0,2000})(\s{1,10}\"[^\"\n]{0,300}\")?\s{0,10}\)"
)
# [ref]: target (a reference definition) with a target that is not http(s)
_DEFINITION = re.compile(r"^ {0,3}\[[^\[\]\n]{1,200}\]:[ \t]{0,10}(\S{1,2000})(?:[ \t][^\n]{0,300})?$", re.MULTILINE)


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL that is safe to put in a link; None otherwise."""
    if not url:
        return None
    candidate = html.unescape(url.strip())
    if not candidate or _UNSAFE_URL_CHARS.search(candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in _ALLOWED_SCHEMES or not parts.hostname:
        return None
    return candidate


def _link(match: re.Match[str]) -> str:
    text, target = match.group(1), match.group(2)
    if safe_url(target) is None:
        return text
    return match.group(0)


def _autolink(match: re.Match[str]) -> str:
    target = match.group(1)
    return target if safe_url(target) is not None else ""


def _definition(match: re.Match[str]) -> str:
    return match.group(0) if safe_url(match.group(1)) is not None else ""


def clean_text(text: str) -> str:
    """The text without images, raw HTML or non-http(s) links (their visible words are kept)."""
    if "<" not in text and "[" not in text:
        return text  # nothing to clean: most passages
    out = _IMAGE.sub(lambda m: m.group(1), text)
    out = _COMMENT.sub("", out)
    out = _AUTOLINK.sub(_autolink, out)
    out = _TAG.sub("", out)
    out = _LINK.sub(_link, out)
    out = _DEFINITION.sub(_definition, out)
    # a removal may have joined "!" and "[...](...)" into a new image: run the image rule once more
    return _IMAGE.sub(lambda m: m.group(1), out)


def clean_passage(passage: Passage) -> Passage:
    """The passage with its text, title and section cleaned and its URL kept only when it is safe."""
    cleaned = replace(
        passage,
        text=clean_text(passage.text),
        title=clean_text(passage.title),
        section=clean_text(passage.section) if passage.section else passage.section,
        url=safe_url(passage.url),
    )
    return passage if cleaned == passage else cleaned
