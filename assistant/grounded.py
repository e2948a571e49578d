"""Answers from the literature that rest on the passages: excerpts, a checked LLM answer, or quotes.

The steps, as PaperQA2 does with its context keys:

1. ``select_excerpts``: the sentences of the retrieved passages that best match the question (scored by the
   embedding model behind the index, or by word overlap without it), about 300 tokens in all, grouped by
   passage and numbered [1]..[n]. When even the best sentence matches poorly, nothing is relevant.
2. With a language model: it reads only those excerpts and writes at most about 70 words, each sentence
   ending with the number of the excerpt it rests on. Every sentence is checked as it completes
   (``check_sentence``): each [n] must be an excerpt that was given and at least one must be there; every
   number must occur in a cited passage or in the structured facts, and a figure a table row gives per model
   size must be the one for the size the sentence names; every model name and link must occur
   there too; an English sentence must hold mostly words of its cited passages, beyond the question's own.
   A sentence that fails is dropped (and counted); the sentences that pass are sent at once.
3. Without a language model, when it fails, or when every sentence was dropped: the extractive answer, the
   one to three best sentences quoted with their [n].
4. Nothing relevant (the best sentence scores too low, a name the question asks about occurs in no
   passage, or no sentence that matches the question states the measure or count it asks for,
   ``assistant.asked``): "the indexed literature does not say", with the closest passages. When the model
   says that the excerpts do not answer, that is believed if they match only weakly; if they match well,
   the quotes of step 3 are shown instead. The model never answers from its memory.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from assistant.abbreviations import long_form
from assistant.asked import (
    Measure,
    asked_measures,
    asks_for_a_figure,
    counted_things,
    states_a_figure,
    states_count,
    unstated,
)
from assistant.catalog import Catalog
from assistant.evidence import Passage, SentenceScorer, renumber
from assistant.guard import Facts, number_values, problems
from assistant.i18n import t
from assistant.language import written_language
from assistant.lexicon import fold_plural, normalize
from assistant.llm import BackendError, ChatBackend
from assistant.sentences import SentenceBuffer
from assistant.tables import as_sentences

EXCERPT_CHARS = 1200  # about 300 tokens of excerpts for the model to read
MAX_EXCERPT_PASSAGES = 4
MAX_QUOTES = 3
WHOLE_QUESTION_SHARE = 0.5  # of the whole question's score, added to a part's when picking its sentence
MAX_EVIDENCE_QUOTES = 2  # quoted under a written answer
NEW_SHARE_TO_QUOTE = 0.4  # of a sentence's words, the share the written answer must lack for it to be quoted
MIN_SENTENCE_WORDS = 3
MIN_SUPPORTED_SHARE = 0.5  # of an English sentence's own words, the share its cited passages must hold
# Words an answer uses about the excerpts themselves, not about the subject, and verbs that carry no fact of
# their own ("the paper recommends using parameter-efficient tricks" adds nothing to the question's words).
_META_WORDS = frozenset(
    str.split(
        "excerpt excerpts passage passages stated state says mentioned mention according text "
        "use using used help helps helping allow allows make makes include includes including"
    )
)
MAX_SENTENCES_PER_PASSAGE = 12  # a long chunk's first sentences; scoring every sentence of every passage is slow
MAX_SCORED_PASSAGES = 10
ANSWER_MAX_TOKENS = 130  # about 70 words, with citation marks
# The best sentence's score (cosine of all-MiniLM-L6-v2 plus a share of rare-word overlap) below which nothing
# is relevant. English questions are held to more than others, because the embedding model reads English only:
# a Spanish or German question scores lower against English passages that do answer it (bench/followups.py).
RELEVANT_SIMILARITY = {"en": 0.45, "es": 0.3, "de": 0.3}
OTHER_LANGUAGE_SIMILARITY = 0.3  # a question in a language the replies are not written in (French, Italian)
RELEVANT_OVERLAP = 0.34  # the word-overlap scorer's equivalent
OVERLAP_WEIGHT = 0.3
STRONG_MARGIN = 0.15  # above the threshold by this much, the excerpts answer even when the model says not
NOT_RELEVANT, WEAK, STRONG = "not relevant", "weak", "strong"
MIN_OWN_WORDS = 2  # content words a question needs of its own to rank sentences by them
OWN_WORDS_FLOOR = 0.6  # of the relevance threshold: a question's own words below it match nothing at all
FIGURE_BONUS = 0.08  # added to a sentence's score when it gives the figure a question asks for
NAMED_BONUS = 0.06  # added again when that figure is of what the question names ("122 tasks", "ROUGE-1 of 0.48")
# how far a sentence that states the very count asked ("how many verifiable problems" -> "40K verifiable problems")
# lifts a question over the relevance line; short sentences score low by cosine however exactly they answer
STATED_LIFT = 0.1
REFERENCE_PENALTY = 0.15  # taken from a reference's score, unless the question asks about publication
# A bibliographic line: a journal's year;volume(issue), "Published in", a citation, a DOI, PMID or article link.
_REFERENCE = re.compile(
    r"\b(?:19|20)\d\d\s?;\s?\d+\s?\(\d+\)|^\W{0,3}(?:published in|citation|cite as|article|doi|pmid)\b|"
    r"\bdoi:\s?10\.|\bpmid:?\s?\d|https?://|\bvol(?:ume)?\.?:?\s?\d+\b[^.]{0,20}\b(?:number|issue|no\.?)\s?\d|"
    r"\b[\w-]{2,40}\.(?:org|com|net|gov|edu)\b",
    re.IGNORECASE,
)
_ABOUT_PUBLICATION = re.compile(
    r"\b(?:publish\w*|journal|citation|cite|doi|pmid|arxiv|volume|issue|reference|link|url|when|year|date|"
    r"publica\w*|revista|cita|veroffentlich\w*|zeitschrift|zitat|wann|cuando)\b"
)
# What a question asks about a publication, with what a sentence that answers it says: where it appeared
# ("which conference was it accepted at?" -> "Accepted at CVPR 2025", "Published in: Nature Medicine") and who
# wrote it ("who wrote the RaDialog paper?" -> "Authors: ..."). The embedding model scores such short sentences
# low against the question that they answer exactly.
_PUBLICATION_FACTS = (
    (
        re.compile(
            r"\b(?:conference|journal|venue|proceedings|accepted|presented|where\W+(?:\w+\W+){0,4}published|"
            r"congres\w*|revista|konferenz|kongress|zeitschrift|tagung|conferencia|erschien\w*)\b"
        ),
        re.compile(r"\b(?:accepted (?:at|to|by|in)|published (?:in|at|by)|appeared in|presented at|proceedings of)\b"),
    ),
    (
        # (the authors as the subject of something else, "how often the authors found it best", ask nothing)
        re.compile(
            r"\b(?:who (?:wrote|authored|published|did|made|built|developed)|"
            r"who (?:are|were|is|was) (?:the |its |their )?(?:\w+ )?authors?|authors? (?:of|list)|first author|"
            r"autor(?:es|en|in)? (?:de|del|von|der)|verfasser|quien(?:es)? (?:lo |la )?escribi\w{0,3}|"
            r"wer hat (?:\w+\W+){0,6}geschrieben|qui a ecrit)\b|作者|谁写|誰が書|著者"
        ),
        re.compile(r"^\W{0,3}authors?\b"),  # (not any "Smith et al." of a reference list)
    ),
)
PUBLICATION_BONUS = 0.15  # added to a sentence's score when it says where a work appeared, or who wrote it, as asked
CATALOG_PENALTY = 0.1  # taken from the score of a sentence of the catalog's generated fact sheets
NOT_FOUND = "NOT IN THE EXCERPTS"
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "de": "German"}
SYSTEM_PROMPT = (
    "You answer a question from a clinician or a hospital IT person using only the numbered excerpts in the "
    "user message. Write at most three short sentences, at most 70 words in all, in the language the user "
    "message names. End every sentence with the number of the excerpt it rests on in square brackets, like "
    "[2]. Copy every number, unit and name exactly as the excerpt writes it. Never add a fact, number, name "
    f"or link that the excerpts do not state. If the excerpts do not answer the question, reply exactly: {NOT_FOUND}"
)

# no sentence ends at an abbreviation that a figure or a name follows ("pp. 5134", "Fig. 2", "e.g. GPT-4"); "et al."
# may end a reference list's author line, which is no sentence
_SPLIT = re.compile(
    r"(?<=[.!?])(?<!\bpp\.)(?<![Ff]ig\.)(?<![Vv]ol\.)(?<!\be\.g\.)(?<!\bi\.e\.)"
    r"\s+(?=[A-Z0-9\"'(\[¿¡ÄÖÜÁÉÍÓÚÑ])|\n+"
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LEAD = re.compile(r"^(?:[#>*\-\u2022]+\s*)+")  # Markdown headings, quotes and list marks
_BRACKETED = re.compile(r"\s?\[[^\[\]\n]{1,60}\](?!\()")
# a card's source tag with its address ("[paper page: https://...]"), however long the address
_SOURCE_TAG = re.compile(r"\s?\[[^\[\]\n]{0,40}https?://[^\[\]\s]{1,300}\]")
_SPACES = re.compile(r"\s+")
_URL = re.compile(r"https?://\S+")
_CITE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)\d+(?:[.,]\d+)*")  # "GPT-4" is a name, not a number
# a reference list's author line ("Liu Z, Zhong A, Li Y, et al."): names with initials, never an answer
_AUTHOR_LIST = re.compile(r"^(?:[A-Z][\w'-]{1,30}(?: [A-Z][\w'-]{1,30})? [A-Z]{1,3}, ){2,}")
_STOP = frozenset(
    str.split(
        "a an the of and or in on to for with is are was were be been it its this that these those what which "
        "many much who how does do did can could should would will may might about from by as at than then there their "
        "our your my we i you they me us el la los las de del y o en un una que es son se por para con lo al "
        "der die das und oder ist sind ein eine mit fur von zu im den dem wie was welche "
    )
)


@dataclass(frozen=True)
class Excerpt:
    """One passage's best sentences, as the model reads them under number ``n``."""

    n: int
    passage: Passage
    sentences: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class GroundedAnswer:
    """An answer from the literature: its text, where it came from, what it cites and what the checks dropped."""

    text: str  # as shown, in the reply's numbering once ``answer_stream`` gave it
    source: str  # "retrieval" | "extractive" | "refusal"
    passages: tuple[Passage, ...]  # the passages the text's numbers point at, numbered from 1
    cited: tuple[int, ...]  # the numbers the text cites (its own numbering until ``answer_stream`` renumbers)
    dropped_sentences: int = 0
    dropped_numbers: int = 0


def split_sentences(text: str) -> list[str]:
    """A passage's sentences as a reader sees them: Markdown list marks and headings stripped, and bracketed
    marks removed (a card's source tags such as "[catalog]" and a paper's own reference numbers would be
    confused with our citation numbers)."""
    out = []
    for part in _SPLIT.split(as_sentences(text)):  # a table's rows, each naming its columns
        part = _LEAD.sub("", part.strip())
        part = _SPACES.sub(" ", _BRACKETED.sub("", _SOURCE_TAG.sub("", part))).strip()
        words = _WORD.findall(part)
        header = part.count("|") >= 3 and not any(c.isdigit() for c in part)  # a table's column names
        authors = bool(_AUTHOR_LIST.match(part))
        if len(words) >= 4 and len(_URL.sub("", part)) > 0.6 * len(part) and not header and not authors:
            out.append(part)
    return out[:MAX_SENTENCES_PER_PASSAGE]


def _content_words(text: str) -> set[str]:
    """The text's words minus frequent ones, plurals folded ("reports" -> "report")."""
    words = (long_form(w) for w in _WORD.findall(normalize(text)) if w not in _STOP and len(w) > 1)
    return {fold_plural(w) for w in words}


def overlap_scores(query: str, texts: Sequence[str]) -> list[float]:
    """How much of the query's content each text holds, each word weighted by how rare it is among the texts
    (a name such as "QLoRA" counts more than "GPU", which half the passages mention)."""
    wanted = _content_words(query)
    words = [_content_words(text) for text in texts]
    if not wanted or not texts:
        return [0.0 for _ in texts]
    # a word no text holds weighs as much as the rarest word some text holds
    weight = {w: math.log((len(texts) + 1) / (max(1, sum(w in ws for ws in words)) + 0.5)) for w in wanted}
    total = sum(weight.values()) or 1.0
    return [sum(weight[w] for w in wanted & ws) / total for ws in words]


def _scores(
    scorer: SentenceScorer | None,
    query: str,
    texts: Sequence[str],
    lang: str = "en",
    contexts: Sequence[str] | None = None,
) -> tuple[list[float], float]:
    """How well each text matches the query, and the score below which nothing is relevant.

    With an embedding scorer: its cosine similarity, plus a share of the rare-word overlap, because small
    embedding models blur names and numbers; without one, the overlap alone. The overlap also counts each
    text's ``contexts`` (its document's title and section), so that a sentence of the RaDialog card that does
    not repeat the name is not outscored by one that merely mentions it."""
    overlap = overlap_scores(query, [f"{c} {t}" for c, t in zip(contexts, texts, strict=True)] if contexts else texts)
    if scorer is not None:
        try:
            cosine = list(scorer.similarities(query, texts))
            combined = [c + OVERLAP_WEIGHT * o for c, o in zip(cosine, overlap, strict=True)]
            # the English embedding model scores other languages lower: an Italian question answered in English
            # is still held to the line of a question not in English
            asked_in = lang if lang != "en" else (written_language(query) or "en")
            return combined, RELEVANT_SIMILARITY.get(asked_in, OTHER_LANGUAGE_SIMILARITY)
        except Exception:  # a scorer failure falls back to word overlap, never to no answer
            pass
    return overlap, RELEVANT_OVERLAP


_NAME_TOKEN = re.compile(r"[^\W_][\w.+-]*[^\W_]|[^\W_]")
# Capitalised words that name nothing in particular (or name what every passage is about).
_GENERIC_NAMES = frozenset(
    str.split(
        "i llm llms ai ki ia gpu gpus cpu api apis ml nlp it ok stage stages phase etapa stufe ii iii iv "
        "what which who why how when where does do is are can could should would will please thanks "
        "que cual como por para es der die das was wie warum welche ist"
    )
)


def named_terms(question: str, lang: str) -> list[str]:
    """The names a question asks about: acronyms ("EU", "RAG"), names with digits ("GPT-5"), and, outside
    German (which capitalises every noun), capitalised words not at a sentence's start ("Epic")."""
    out = []
    for sentence in re.split(r"(?<=[.!?¿¡])\s+|\n", question):
        tokens = [m.group(0) for m in _NAME_TOKEN.finditer(sentence.strip(" ¿¡\"'("))]
        for i, token in enumerate(tokens):
            if i > 0 and _SIZE.fullmatch(token) and _names_before_a_size(tokens[i - 1]) and tokens[i - 1] not in out:
                out.append(tokens[i - 1])  # "palmyra-med 70b", typed in lower case: the word before a size names
            version_of = tokens[i - 1] if i > 0 and _VERSION.fullmatch(token) else ""
            if _names_before_a_size(version_of) and normalize(version_of) not in _NUMBERED_PARTS:
                # "Claude 3.7 Sonnet", "gemini 2.5 pro": the version is part of the name, so passages about
                # Claude 3.5 do not name it
                out.append(f"{tokens[i - 1]} {token}")
            letters = [c for c in token if c.isalpha()]
            if not letters or normalize(token) in _GENERIC_NAMES:
                continue
            token = re.sub(r"['\u2019]s$", "", token)  # "RaDialog's" names RaDialog
            parts = token.split("-")
            if len(parts) > 1 and all(normalize(p) in _GENERIC_NAMES or p.islower() for p in parts):
                continue  # "API-only", "LLM-based": a generic word with an ordinary one names nothing
            token = _KIND_OF.sub("", token)  # "Reflexion-style prompts" names Reflexion
            acronym = len(letters) >= 2 and all(c.isupper() for c in letters)
            with_digits = any(c.isdigit() for c in token)
            capitalised = i > 0 and token[0].isupper() and lang != "de"
            if with_digits:
                # the part that carries the digits: "70B-Modell" asks about "70B", "GPT-5" stays whole
                parts = [p for p in re.split(r"-", token) if any(c.isdigit() for c in p)]
                token = token if re.fullmatch(r"[A-Za-z]+-\d[\w.]*", token) else parts[0]
            if acronym or with_digits or capitalised:
                out.append(token)
    return out


# a suffix that makes a name into a kind ("Reflexion-style", "GPT-like", "BERT-based")
# "Reflexion-style" names Reflexion; "LLaVA-Med-checkpoint" (a thing of the model's) names LLaVA-Med
_KIND_OF = re.compile(
    r"(?<=\w)-(?:style|like|type|based|esque|inspired|driven|ish|checkpoints?|models?|weights|papers?|versions?"
    r"|variants?|cards?|repos?|repository)$",
    re.IGNORECASE,
)
_SIZE = re.compile(r"\d+(?:[.,]\d+)?(?:x\d+)?[bm]", re.IGNORECASE)  # a parameter count: "70b", "8x22B", "1.5b"
_NUMBERED_PARTS = frozenset(
    ("version", "release", "update", "table", "figure", "section", "chapter", "step", "stage", "page", "appendix")
)
_VERSION = re.compile(r"\d{1,2}\.\d{1,2}")  # a model's version written apart from its name: "3.7", "2.5"


def _names_before_a_size(word: str) -> bool:
    """True when a word before a parameter count is a model's name: letters (a hyphen aside), not a function word."""
    folded = normalize(word)
    letters = folded.replace("-", "")
    return len(letters) >= 4 and letters.isalpha() and folded not in _STOP and folded not in _GENERIC_NAMES


_CONNECTORS = r"(?:(?:of|and|for|the|on|in|de|del|la|el|der|die|das|und|fur|für|&)\s+)?"


def _spelled_out(acronym: str) -> re.Pattern[str] | None:
    """The words an acronym abbreviates, as a pattern ("ACR": "American College of Radiology"), or None."""
    if not (3 <= len(acronym) <= 6 and acronym.isalpha() and acronym.isupper()):  # two letters match by chance
        return None
    return re.compile(r"\b" + (r"\w*[\s-]+" + _CONNECTORS).join(acronym) + r"\w*")


def _covered(term: str, passages: Sequence[Passage]) -> bool:
    """True when some passage names the term as a word (case, accents, spaces and hyphens inside it aside), or,
    for an acronym, spells it out (a paper writes "American College of Radiology" where a user asks "ACR"). An
    acronym's plural ("LoRAs", "LLMs") is named by its singular."""
    if len(term) > 2 and term.endswith("s") and term[-2].isupper() and _covered(term[:-1], passages):
        return True
    # split at hyphens and spaces, and where letters meet digits: "rouge1" names "ROUGE-1", "4bit" "4-bit";
    # a times sign between digits is an x ("8x22b" names "8 \u00d7 22B")
    named = re.sub(r"(?<=\d)x(?=\d)", " x ", normalize(term))
    pieces = [re.escape(p) for p in re.split(r"[\W_]+|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", named) if p]
    if not pieces:
        return True
    plural = r"s?" if any(c.isdigit() for c in term) else ""  # "H100s" names the H100
    if plural and len(pieces) > 1 and pieces[-1] == "s" and pieces[-2].isdigit():
        pieces.pop()
    pattern = re.compile(r"(?<![^\W_])" + r"[\W_]{0,2}".join(pieces) + plural + r"(?![^\W_])")
    # (the venue is the document's own metadata: "MIDL 2025" names the extended version a card's venue gives)
    texts = (
        normalize(f"{p.title} {' '.join(p.authors)} {p.venue or ''} {p.text}").replace("\u00d7", "x") for p in passages
    )
    if any(pattern.search(text) for text in texts):
        return True
    spelled = _spelled_out(term)
    if spelled is not None and any(spelled.search(f"{p.title} {p.text}") for p in passages):
        return True
    return _written_out(term, passages)


_SCALED_NUMBER = re.compile(r"^(\d+(?:[.,]\d+)?)\s?([km])$", re.IGNORECASE)


def _written_out(term: str, passages: Sequence[Passage]) -> bool:
    """True when a count a user shortens ("100k", "1.5M") stands in a passage written out ("100,000")."""
    scaled = _SCALED_NUMBER.match(term)
    if scaled is None:
        return False
    value = float(scaled.group(1).replace(",", ".")) * (1_000 if scaled.group(2).lower() == "k" else 1_000_000)
    if value != int(value):
        return False
    grouped = f"{int(value):,}"
    forms = {grouped, grouped.replace(",", ""), grouped.replace(",", " "), grouped.replace(",", ".")}
    number = re.compile(r"(?<![\d.,])(?:" + "|".join(map(re.escape, forms)) + r")(?![\d]|[.,]\d)")
    return any(number.search(p.text) for p in passages)


_DOCUMENT_NOUN = (
    r"(?:paper|review|article|study|tutorial|primer|document|journal|publication"
    r"|artículo|articulo|revisión|revision|estudio|guía|guia|documento|studie|artikel|leitfaden|dokument"
    r"|revue|étude|etude|articolo|studio|revisione|artigo|estudo|revisão|revisao)s?"
)


def _describes_a_document(term: str, question: str) -> bool:
    """True when the question uses an acronym to point at a document ("the RSNA paper", "el artículo de la
    RSNA"): retrieval picks the document by it, and its text need not repeat a publisher's name. Only letter
    acronyms count: "the GPT-5 study" still asks about GPT-5. An author cited as "(Savage et al.)" points at a
    document too."""
    if re.search(rf"\b{re.escape(term)}\s+(?:et\.?\s+al|and colleagues|y col|und kollegen)\b", question, re.IGNORECASE):
        return True
    if not (term.isalpha() and term.isupper()):
        return False
    name = re.escape(term)
    before = rf"\b{name}(?:'s)?\s+(?:[\w-]+\s+){{0,1}}{_DOCUMENT_NOUN}\b"
    # "el artículo de la RSNA", and the acronym right after the noun, as French and Italian put it ("la revue RSNA")
    after = rf"\b{_DOCUMENT_NOUN}\s+(?:(?:de|del|della|von|der|des|du|from|by)\s+(?:la\s+|el\s+|the\s+)?)?{name}\b"
    return bool(re.search(before, question, re.IGNORECASE) or re.search(after, question, re.IGNORECASE))


# a title in quotes (a mark inside a word, as in "RaDialog's", opens and closes nothing)
_QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"
_QUOTED = re.compile(f'(?<!\\w)[{_QUOTE_MARKS}]([^"\u201c\u201d\u00ab\u00bb\u201e]{{12,200}})[{_QUOTE_MARKS}](?!\\w)')
MIN_TITLE_WORDS = 4  # a shorter title ("Llama 2") is a name the question asks about, not a document's title


def without_titles(question: str, passages: Sequence[Passage]) -> str:
    """The question without the titles it names documents by: the title picks the document (retrieval used it),
    the rest says what is asked about it, and sentences that merely repeat the title's words would win."""
    rest = normalize(_QUOTED.sub(" ", question))
    for title in dict.fromkeys(normalize(p.title) for p in passages):
        if len(title.split()) >= MIN_TITLE_WORDS and title in rest:
            rest = rest.replace(title, " ")
    rest = _SPACES.sub(" ", rest).strip()
    return rest if rest != normalize(question) and len(_content_words(rest)) >= 2 else question


@dataclass(frozen=True)
class _AskedFigure:
    """What a question counts ("how many tasks") and the measures it names ("ROUGE-1")."""

    things: list[str]
    measures: tuple[Measure, ...]

    def stated_by(self, text: str, question: str) -> bool:
        """True when the text gives that figure: "how many tasks" is answered by "over 122 tasks", not "used by
        8 studies"; "which ROUGE-1" by the sentence that gives ROUGE-1 with a figure, not one naming the model."""
        if self.things and states_count(text, self.things):
            return True
        named = any(m.pattern.search(normalize(text)) for m in self.measures)
        return named and states_a_figure(text, question)


def _publication_asked(question: str) -> tuple[re.Pattern[str], ...]:
    """What a sentence must say to answer the publication facts the question asks (none: it asks none); read
    once per question, then matched against each sentence with ``_says``."""
    asked = normalize(question)
    return tuple(states for asks, states in _PUBLICATION_FACTS if asks.search(asked))


def _says(facts: tuple[re.Pattern[str], ...], text: str) -> bool:
    """True when the sentence says one of the publication facts asked."""
    return bool(facts) and any(states.search(normalize(text)) for states in facts)


def _publication_lines(question: str, passages: Sequence[Passage]) -> list[tuple[int, str]]:
    """Where a document appeared and who wrote it, from its metadata, as sentences of its first passage, when the
    question asks that: a paper's body seldom says either ("which journal was the RaDialog paper in?"). Only the
    document most about what the question names ("RadFM": its own card, not a guide that names it once), or the
    best match when it names nothing."""
    facts = _publication_asked(question)
    if not facts:
        return []
    terms = named_terms(question, "en")
    by_doc: dict[str, list[Passage]] = {}
    for passage in passages:
        if passage.kind != "catalog":
            by_doc.setdefault(passage.doc_id, []).append(passage)
    mentions = {
        d: (sum(any(_covered(term, [p]) for term in terms) for p in ps), any(t in ps[0].title for t in terms))
        for d, ps in by_doc.items()
    }  # the passages that name it, then whether the title does
    wanted = {max(mentions, key=lambda d: mentions[d])} if mentions else set()
    lines: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, passage in enumerate(passages):
        if passage.doc_id in seen or passage.doc_id not in wanted:
            continue
        seen.add(passage.doc_id)
        if passage.venue:
            lines.append((i, f"Published in: {passage.venue}"))
        if passage.authors:
            lines.append((i, f"Authors: {', '.join(passage.authors)}"))
    return [(i, line) for i, line in lines if _says(facts, line)]


def _ranking_scores(question: str, texts: Sequence[str], scores: Sequence[float]) -> list[float]:
    """The scores for ranking: raised for the sentences that give a figure when the question wants one ("in what
    % of cases ...?"), since the embedding model ranks a sentence that talks about the subject above the one
    that states it; lowered for a reference ("Radiology 2023;308(1):e230970.", "Published in Radiology, the
    journal of the RSNA ..."), which shares the question's names and answers nothing unless it asks where or
    when something was published."""
    wants_figure = asks_for_a_figure(question)
    publication = _publication_asked(question)
    about_publication = bool(publication) or bool(_ABOUT_PUBLICATION.search(normalize(question)))
    asked = _AskedFigure(counted_things(question), tuple(asked_measures(question)))
    # a count of named things ("how many verifiable problems") is given only by a sentence that counts those things:
    # "used by 1 study" gives a figure, not that one
    counts_things = bool(asked.things)
    return [
        sc
        + FIGURE_BONUS * (wants_figure and states_a_figure(text, question) and not counts_things)
        + (FIGURE_BONUS * counts_things + NAMED_BONUS) * asked.stated_by(text, question)
        - REFERENCE_PENALTY * (not about_publication and bool(_REFERENCE.search(text)))
        + PUBLICATION_BONUS * _says(publication, text)
        for sc, text in zip(scores, texts, strict=True)
    ]


def _own_words_first(
    scorer: SentenceScorer | None,
    own: str | None,
    texts: Sequence[str],
    contexts: Sequence[str],
    whole: list[float],
    lang: str,
) -> list[float]:
    """Scores for ranking that follow the question's own words (``own``) when the question also carries the
    statements around it ("there's a paper in my uploads about physician letters. what hardware did they
    fine-tune on?"): the statements find the document, but the sentence wanted answers the question, not the
    statement. The whole's score keeps a share, so that "what did they find?" still prefers that document.
    Own words that say almost nothing or match nothing ("is that in the literature?") leave the whole's
    ranking as it is."""
    if not own or len(_content_words(own)) < MIN_OWN_WORDS or not texts:
        return whole
    mine, threshold = _scores(scorer, own, texts, lang, contexts)
    if max(mine) < OWN_WORDS_FLOOR * threshold:
        return whole
    return [(m + WHOLE_QUESTION_SHARE * w) / (1 + WHOLE_QUESTION_SHARE) for m, w in zip(mine, whole, strict=True)]


def select_excerpts(
    question: str,
    passages: Sequence[Passage],
    scorer: SentenceScorer | None,
    lang: str = "en",
    query: str | None = None,
    own: str | None = None,
) -> tuple[list[Excerpt], str]:
    """The best sentences of the passages for the question, grouped by passage and numbered; and how relevant
    they are (NOT_RELEVANT, WEAK or STRONG): the best must score above the threshold, and every name the
    question asks about must occur in some passage (a question about "GPT-5" is not answered by passages
    about GPT-4); STRONG when it scores well above the threshold. ``own``: the question's own words, when
    ``question`` also holds the statements it refers to (the sentences are ranked mostly by these; in the
    question's language, so None when the sentences are scored against an English ``query``)."""
    candidates = [(i, s) for i, p in enumerate(passages[:MAX_SCORED_PASSAGES]) for s in split_sentences(p.text)]
    candidates += _publication_lines(f"{question} {query or ''}", passages[:MAX_SCORED_PASSAGES])
    if not candidates:
        return [], NOT_RELEVANT
    contexts = [f"{passages[i].title} {passages[i].section or ''}" for i, _ in candidates]
    # sentences are scored against the question's English translation when there is one (``query``)
    scoring = (query, "en") if query else (question, lang)
    scores, threshold = _scores(scorer, scoring[0], [s for _, s in candidates], scoring[1], contexts)
    # the catalog's generated fact sheets lose to a paper or card that says the same thing in prose
    scores = [
        sc - CATALOG_PENALTY * (passages[i].kind == "catalog") for sc, (i, _) in zip(scores, candidates, strict=True)
    ]
    texts = [s for _, s in candidates]
    # a sentence that gives the very figure asked ("how many studies" -> "270 studies") makes a long, chatty
    # question relevant that its wording alone leaves just below the line
    asked = _AskedFigure(counted_things(f"{question} {query or ''}"), ())
    publication = _publication_asked(question)
    lift = [STATED_LIFT * (asked.stated_by(t, question) or _says(publication, t)) for t in texts]
    best = max(sc + up for sc, up in zip(scores, lift, strict=True))
    # the relevance is the whole question's; the sentences are ranked by what it asks, titles aside
    focus = without_titles(scoring[0], passages[:MAX_SCORED_PASSAGES])
    if focus != scoring[0] or own:
        focused, _ = _scores(scorer, focus, texts, scoring[1], contexts)
        focused = _own_words_first(scorer, own, texts, contexts, focused, scoring[1])
        scores = [
            sc - CATALOG_PENALTY * (passages[i].kind == "catalog")
            for sc, (i, _) in zip(focused, candidates, strict=True)
        ]
    # figures asked for rank higher and references lower; whether anything is relevant is decided without that
    ranking = _ranking_scores(f"{question} {query or ''}", texts, scores)
    ranked = sorted(range(len(candidates)), key=lambda j: -ranking[j])
    # each thing a several-part question asks gets its best sentence in, however the whole question scores it
    picks = _best_for_each_part(scorer, focus, texts, contexts, ranking, scoring[1])
    forced = list(picks.chosen)
    # the sentence that says where the work appeared or who wrote it, when asked, however low it scores
    forced += [j for j in ranked if _says(publication, texts[j]) and j not in forced][:1]
    # a several-part question is relevant when one of its parts is ("what method did they use, and on what
    # kind of machine?" scores lower as a whole than its first part does)
    best = max(best, picks.best_score)
    chosen: dict[int, list[int]] = {}
    used = 0
    for j in [*forced, *(j for j in ranked if j not in forced)]:
        index, sentence = candidates[j]
        if scores[j] + lift[j] < threshold * 0.75 and chosen and j not in forced:
            break
        if index not in chosen and len(chosen) >= MAX_EXCERPT_PASSAGES:
            continue
        if used + len(sentence) > EXCERPT_CHARS and chosen:
            continue
        chosen.setdefault(index, []).append(j)
        used += len(sentence)
    order = sorted(chosen, key=lambda i: -max(scores[j] for j in chosen[i]))
    excerpts = [
        Excerpt(n, passages[i], tuple(candidates[j][1] for j in sorted(chosen[i])), max(scores[j] for j in chosen[i]))
        for n, i in enumerate(order, start=1)
    ]
    covered = _names_covered(question, lang, passages)
    # a measure or a count the question asks for must be stated by a sentence that matches the question:
    # passages about the right study that never give the figure asked do not answer it
    relevant = [texts[j] for j in ranked if scores[j] + lift[j] >= threshold or j in forced]  # each part's best too
    missing = unstated(f"{question} {query or ''}", relevant, english=lang == "en" or bool(query))
    if not covered or missing or best < threshold:
        return excerpts, NOT_RELEVANT
    return excerpts, STRONG if best >= threshold + STRONG_MARGIN else WEAK


def _names_covered(question: str, lang: str, passages: Sequence[Passage]) -> bool:
    """True when the passages name what the question names: every name of the sentences that ask, and one at
    least of those the statements around them name ("The review talks about Reflexion-style prompting with
    GPT-4. What does it say about cost?" is answered by a passage on Reflexion's cost that names no GPT-4)."""
    sentences = [s for s in re.split(r"(?<=[.!?\uff1f])\s+|\n", question.strip()) if s.strip()]
    asking = [s for s in sentences if "?" in s or "\uff1f" in s] or sentences[-1:]
    around = [s for s in sentences if s not in asking]

    def wanted(text: str) -> list[str]:
        return [term for term in named_terms(text, lang) if not _describes_a_document(term, question)]

    context_terms = wanted(" ".join(around))
    return all(_covered(term, passages) for term in wanted(" ".join(asking))) and (
        not context_terms or any(_covered(term, passages) for term in context_terms)
    )


def build_messages(question: str, excerpts: Sequence[Excerpt], lang: str) -> list[dict[str, str]]:
    """The prompt: the fixed instructions, then the numbered excerpts and the question."""
    lines = []
    for e in excerpts:
        where = f"{e.passage.title}{f', {e.passage.year}' if e.passage.year else ''}"
        lines.append(f"[{e.n}] ({where}) " + " ".join(e.sentences))
    user = (
        "Excerpts:\n" + "\n".join(lines) + f"\n\nQuestion: {question}\n"
        f"Answer in {LANGUAGE_NAMES.get(lang, 'English')}, citing the excerpts as [n]."
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def cited_numbers(sentence: str) -> list[int]:
    """The excerpt numbers a sentence cites, in order."""
    return [int(n) for group in _CITE.findall(sentence) for n in re.findall(r"\d+", group)]


def _missing_numbers(text: str, source: str) -> int:
    """How many numbers of the text the source does not hold (thousands separators and decimal commas tried)."""
    allowed = {v for m in _NUMBER.finditer(source) for v in number_values(m.group(0))}
    return sum(1 for m in _NUMBER.finditer(text) if not number_values(m.group(0)) & allowed)


# A table cell that gives one figure per model size: "3.9 (7B), 7.3 (13B), 36.0 (70B)" ("13 [§] (7B)" too).
_PER_SIZE = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)?)\s?(?:[A-Za-z]{1,3}\s?)?(?:\[[^\]]{0,12}\]\s?|[§†‡*]{1,3}\s?)?"
    r"\((\d+(?:[.,]\d+)?)\s?[Bb]\)"
)
# a model size named in an answer: "13B", "70 B", "8x22B" (the number of a size is no figure of the answer)
_SIZE_NAMED = re.compile(r"(?<![\w.])(?:\d+\s?[x\u00d7]\s?)?(\d+(?:[.,]\d+)?)\s?[Bb]\b")


def _per_size(text: str) -> dict[str, set[str]]:
    """The figures a text gives per model size: each value's canonical form -> the sizes it is given for."""
    pairs: dict[str, set[str]] = {}
    for m in _PER_SIZE.finditer(text):
        size = next(iter(number_values(m.group(2))), m.group(2))
        for value in number_values(m.group(1)):
            pairs.setdefault(value, set()).add(size)
    return pairs


def mispaired_figures(sentence: str, source: str) -> int:
    """How many figures of the sentence its source gives only for another model size than the one it names
    ("Llama 2 13B needs 3.9 GB" against "3.9 (7B), 7.3 (13B)"): a small model reading a table row often takes
    the neighbouring cell, whose number the plain number check finds in the passage."""
    pairs = _per_size(source)
    if not pairs:
        return 0
    size_matches = list(_SIZE_NAMED.finditer(sentence))
    named = {v for m in size_matches for v in number_values(m.group(1))}
    if not named:
        return 0
    wrong = 0
    for m in _NUMBER.finditer(sentence):
        if any(s.start() <= m.start() < s.end() for s in size_matches):
            continue  # the number of a size ("13" of "13B", "8" and "22" of "8x22B")
        given_for = set().union(*(pairs.get(v, set()) for v in number_values(m.group(0))))
        if given_for and not given_for & named:
            wrong += 1
    return wrong


def _mostly_uncited(added: set[str], source: str) -> bool:
    """True when fewer than half of the words a sentence adds to the question occur in its cited passages
    ("Insurance covers AI in radiology in the Excerpt [1]")."""
    held = _content_words(source)
    return sum(w in held for w in added) / len(added) < MIN_SUPPORTED_SHARE


def check_sentence(
    sentence: str, excerpts: Sequence[Excerpt], catalog: Catalog, facts: str = "", question: str = "", lang: str = ""
) -> tuple[bool, int]:
    """Whether a sentence of the model's answer rests on the excerpts it cites; and, when it does not, how many
    of its numbers no excerpt given and no structured fact holds (invented numbers). For an English answer to a
    question (``question`` and ``lang`` given), most of what it adds must also be in the cited passages."""
    by_n = {e.n: e for e in excerpts}
    cited = cited_numbers(sentence)
    given = [n for n in dict.fromkeys(cited) if n in by_n]
    bare = _CITE.sub(" ", sentence)
    # an excerpt's sentences are its passage's, and the lines its document's metadata gives ("Published in: ...")
    source = "\n".join([*(f"{by_n[n].passage.text}\n{' '.join(by_n[n].sentences)}" for n in given), facts])
    if not cited or len(given) < len(set(cited)) or _missing_numbers(bare, source):
        # no citation, a passage that was not given, or a number its passages do not hold
        return False, _missing_numbers(bare, "\n".join([*(e.passage.text for e in excerpts), facts]))
    if wrong_cell := mispaired_figures(bare, source):
        return False, wrong_cell  # a figure of the table's neighbouring cell: as wrong as an invented one
    if len(_WORD.findall(bare)) < MIN_SENTENCE_WORDS:
        return False, 0  # a citation mark with next to nothing around it says nothing
    if question:
        added = _content_words(bare) - _content_words(question) - _META_WORDS
        if not added:
            return False, 0  # in any language: it only says the question back ("En el hospital de [1], se hizo")
        if lang == "en" and _mostly_uncited(added, source):
            return False, 0  # an English sentence's news must be in its passages (others are in another language)
    found = problems(sentence, Facts(text=source, citations=len(excerpts), keys=frozenset()), catalog)
    return not found, 0


def recited(
    sentence: str, excerpts: Sequence[Excerpt], catalog: Catalog, facts: str = "", question: str = "", lang: str = ""
) -> str | None:
    """An English sentence that cites no excerpt or the wrong one, cited instead to the excerpt that holds most
    of what it adds to the question, when it passes ``check_sentence`` so; otherwise None.

    A small model often writes its answer well and puts one citation mark after the last sentence only, or
    cites the neighbouring excerpt: the sentence still rests on a passage, and the number is ours to give.
    A sentence that cites an excerpt that was not given, or shares no word with the question, gets no second
    chance.
    Only English: elsewhere the check cannot compare the sentence's words with the (English) passages.
    """
    given = {e.n for e in excerpts}
    if lang != "en" or not question or not excerpts or not set(cited_numbers(sentence)) <= given:
        return None  # citing an excerpt it was not given, the model is echoing or confused: no second chance
    bare = _SPACES.sub(" ", _CITE.sub(" ", sentence)).strip()
    added = _content_words(bare) - _content_words(question) - _META_WORDS
    if not added or not _content_words(bare) & _content_words(question):
        return None  # a sentence sharing no word with the question is an excerpt echoed, not an answer
    best = max(excerpts, key=lambda e: sum(w in _content_words(e.passage.text) for w in added))
    head = bare.rstrip(".!?")
    candidate = f"{head.rstrip()} [{best.n}]{bare[len(head) :]}"
    ok, _bad = check_sentence(candidate, excerpts, catalog, facts, question, lang)
    return candidate if ok else None


# Where a question asking two things splits: ", and what ...", "; which ...", "? how ..." (en/es/de).
_SECOND_ASK = re.compile(
    r"(?:[,;?]\s*|\s+)(?:and|also|plus|y|e|und|sowie)\s+(?:(?:on|in|at|for|with|from|by|to|en|con|de|auf|mit|in)\s+)?"
    r"(?=(?:what|which|how|who|when|where|why|whats|is|are|was|"
    r"were|does|did|do|can|could|que|qué|cual|cuál|cuales|cuáles|como|cómo|cuant\w*|cuánt\w*|donde|dónde|"
    r"wie|welche\w*|wer|wo|wann|warum|ob|gibt)\b)|;\s+|\?\s+",
    re.IGNORECASE,
)


def question_parts(question: str) -> list[str]:
    """The things a question asks, when it asks several ("which method did they use, and what hardware?")."""
    parts = [p.strip(" ,;?¿") for p in _SECOND_ASK.split(question)]
    return [p for p in parts if len(_WORD.findall(p)) >= 2]


@dataclass(frozen=True)
class _PartPicks:
    """What the parts of a several-part question pick: the best text for each, and the best part's own score."""

    chosen: tuple[int, ...] = ()
    best_score: float = float("-inf")


def _best_for_each_part(
    scorer: SentenceScorer | None,
    question: str,
    texts: Sequence[str],
    contexts: Sequence[str],
    whole: Sequence[float],
    lang: str = "en",
) -> _PartPicks:
    """For a question that asks several things, the index of the best text for each (none for a single ask),
    and the highest score any part reaches on its own (a part may match better than the whole question).

    A two-part question's second part is otherwise outscored by sentences on the topic both parts share; half
    the whole question's score (``whole``) keeps that topic in a short part ("and at 4 bits?")."""
    parts = question_parts(question)
    if len(parts) < 2:
        return _PartPicks()
    chosen: list[int] = []
    best_score = float("-inf")
    for part in parts:
        part_scores, _ = _scores(scorer, part, texts, lang, contexts)
        best_score = max(best_score, *part_scores)
        combined = [p + WHOLE_QUESTION_SHARE * w for p, w in zip(part_scores, whole, strict=True)]
        best = max((j for j in range(len(texts)) if j not in chosen), key=lambda j: combined[j], default=None)
        if best is not None:
            chosen.append(best)
    return _PartPicks(tuple(chosen), best_score)


def answering_sentence(question: str, passage: Passage, scorer: SentenceScorer | None) -> str:
    """The passage's sentence that best matches the question (the figure it asks for first), to quote beside an
    answer from the catalog: a card's opening line says what the paper is, not how long training took."""
    texts = split_sentences(passage.text)[:MAX_SENTENCES_PER_PASSAGE]
    if not texts:
        return passage.text
    contexts = [f"{passage.title} {passage.section or ''}"] * len(texts)
    scores, _ = _scores(scorer, question, texts, contexts=contexts)
    ranking = _ranking_scores(question, texts, scores)
    return texts[max(range(len(texts)), key=lambda j: ranking[j])]


def _ranked_sentences(
    question: str, excerpts: Sequence[Excerpt], scorer: SentenceScorer | None, own: str | None = None
) -> list[tuple[Excerpt, str]]:
    """Every excerpt sentence with the excerpt it comes from, best first: the best match for each thing the
    question asks, then the rest by how well they match the whole question (mostly its ``own`` words)."""
    pairs = [(e, s) for e in excerpts for s in e.sentences]
    contexts = [f"{e.passage.title} {e.passage.section or ''}" for e, _ in pairs]
    texts = [s for _, s in pairs]
    question = without_titles(question, [e.passage for e in excerpts])
    scores, _ = _scores(scorer, question, texts, contexts=contexts)
    scores = _own_words_first(scorer, own, texts, contexts, scores, "en")
    scores = _ranking_scores(question, texts, scores)
    first = list(_best_for_each_part(scorer, question, texts, contexts, scores).chosen)
    order = sorted(range(len(pairs)), key=lambda j: -scores[j])
    # where the work appeared, or who wrote it, when that is asked: the short sentence that says it comes first
    publication = _publication_asked(question)
    first = [j for j in order if _says(publication, texts[j])][:1] + first
    ranked, seen = [], set()
    for j in [*first, *(j for j in order if j not in first)]:
        said = normalize(pairs[j][1])
        if said not in seen:  # a sentence a document repeats (a worked example in two places) is quoted once
            seen.add(said)
            ranked.append(pairs[j])
    return ranked


# A sentence that says the sources do not give something ("Exact exam scores are not in the abstract and are not
# reported in our sources"): the cards write these where a paper is silent.
_NOT_GIVEN = re.compile(
    r"\bnot (?:reported|stated|given|disclosed)(?: \w{1,20}){0,2} in (?:our|the) (?:sources|abstract|paper)|"
    r"\bnot in the abstract\b|\bno \w{1,20}(?:,? \w{1,20}){0,4} figures for this entry\b"
)


def extractive(
    question: str, excerpts: Sequence[Excerpt], lang: str, scorer: SentenceScorer | None, own: str | None = None
) -> GroundedAnswer:
    """The one to three best sentences, quoted with their numbers (only the passages quoted are cited). When one
    of them says the sources do not give what is asked, the answer is that the literature does not say, with
    that sentence quoted."""
    best = _ranked_sentences(question, excerpts, scorer, own)[:MAX_QUOTES]
    silent = next(((e, s) for e, s in best if _NOT_GIVEN.search(normalize(s))), None)
    if silent is not None:
        text = f"{t(lang, 'answer_not_found')}\n> {silent[1]} [1]"
        return GroundedAnswer(text, "refusal", (silent[0].passage,), (1,))
    used = list(dict.fromkeys(e.passage for e, _ in best))
    # quotes grouped by passage, in the order of each passage's best quote, in the passage's own order
    quotes = sorted(best, key=lambda pair: (used.index(pair[0].passage), pair[0].sentences.index(pair[1])))
    lines = [f"> {sentence} [{used.index(e.passage) + 1}]" for e, sentence in quotes]
    text = t(lang, "answer_quoted") + "\n" + "\n".join(lines)
    return GroundedAnswer(text, "extractive", tuple(used), tuple(range(1, len(used) + 1)))


def evidence_quotes(
    question: str, answer: str, excerpts: Sequence[Excerpt], scorer: SentenceScorer | None
) -> list[tuple[Excerpt, str]]:
    """The best sentences for the question that the written answer does not already say, to quote under it.

    A small model's answer often leaves out half of a two-part question or the figure asked for; the sentences
    it rests on, quoted as written, show the reader the rest and let them check the answer."""
    said = _content_words(answer)
    out = []
    for excerpt, sentence in _ranked_sentences(question, excerpts, scorer)[:MAX_QUOTES]:
        words = _content_words(sentence)
        if words and len(words - said) / len(words) >= NEW_SHARE_TO_QUOTE:
            out.append((excerpt, sentence))
    return out[:MAX_EVIDENCE_QUOTES]


def refusal(lang: str, passages: Sequence[Passage]) -> GroundedAnswer:
    """The literature does not say; the closest passages are offered."""
    closest = tuple(passages[:MAX_QUOTES])
    text = t(lang, "answer_not_found")
    if closest:
        lines = [f"- {p.title}{f' ({p.year})' if p.year else ''} [{n}]" for n, p in enumerate(closest, start=1)]
        text += " " + t(lang, "answer_closest") + "\n" + "\n".join(lines)
    return GroundedAnswer(text, "refusal", closest, tuple(range(1, len(closest) + 1)))


class _Checker:
    """Takes the model's text as it streams and lets through the sentences that pass ``check_sentence``."""

    def __init__(self, excerpts: Sequence[Excerpt], catalog: Catalog, facts: str, question: str, lang: str) -> None:
        self.excerpts, self.catalog, self.facts = excerpts, catalog, facts
        self.question, self.lang = question, lang
        self.raw = ""
        self.sentences = SentenceBuffer()
        self.started = False
        self.kept: list[str] = []
        self.cited: list[int] = []
        self.dropped = self.dropped_numbers = 0

    @property
    def refused(self) -> bool:
        """True when the model said that the excerpts do not answer."""
        return NOT_FOUND in self.raw

    def feed(self, piece: str) -> list[str]:
        """The sentences that this piece completes and that pass the checks."""
        self.raw += piece
        head = self.raw.strip()
        if NOT_FOUND.startswith(head) or head.startswith(NOT_FOUND):
            return []  # the refusal, or a text that may still become it: nothing to send
        # the first text includes whatever was held while it could still have been the refusal
        done = self.sentences.feed(piece if self.started else self.raw.lstrip())
        self.started = True
        return [s for sentence in done for s in self._check(sentence)]

    def finish(self) -> list[str]:
        """The last sentence, if the model stopped without a full stop after it."""
        rest = self.sentences.rest()
        return self._check(rest) if rest and not self.refused else []

    def _check(self, sentence: str) -> list[str]:
        ok, bad = check_sentence(sentence, self.excerpts, self.catalog, self.facts, self.question, self.lang)
        if not ok:
            mended = recited(sentence, self.excerpts, self.catalog, self.facts, self.question, self.lang)
            if mended is not None:
                ok, sentence = True, mended
        if not ok:
            self.dropped += 1
            self.dropped_numbers += bad
            return []
        self.kept.append(sentence)
        self.cited += cited_numbers(sentence)
        return [sentence]


Register = Callable[[Sequence[Passage]], Sequence[int]]  # the reply's numbers for a list of passages


def _numbered(answer: GroundedAnswer, register: Register) -> tuple[str, GroundedAnswer]:
    """The answer's text and the answer itself with text and citations in the reply's numbering."""
    numbers = list(register(answer.passages))
    cited = tuple(numbers[n - 1] for n in answer.cited if 1 <= n <= len(numbers))
    text = renumber(answer.text, numbers)
    return text, replace(answer, text=text, cited=cited)


def answer_stream(
    question: str,
    passages: Sequence[Passage],
    *,
    catalog: Catalog,
    lang: str,
    backend: ChatBackend | None,
    scorer: SentenceScorer | None,
    register: Register,
    facts: str = "",
    query: str | None = None,
    own: str | None = None,
) -> Iterator[str | GroundedAnswer]:
    """The answer's checked sentences as they pass (cited in the reply's numbering), then the GroundedAnswer
    (its ``cited`` in the reply's numbering too). ``register`` numbers the passages the answer uses; ``query``
    is the question in English, when it was asked in another language; ``own`` the question's own words when
    ``question`` also holds the statements it refers to."""
    own = None if query else own  # a translated question's own words are not in English: the whole is scored
    excerpts, relevance = select_excerpts(question, passages, scorer, lang, query, own)
    if not excerpts or relevance == NOT_RELEVANT:
        yield from _numbered(refusal(lang, passages), register)
        return
    if backend is None or backend.name == "none":
        yield from _numbered(extractive(query or question, excerpts, lang, scorer, own), register)
        return
    check = _Checker(excerpts, catalog, facts, question, lang)
    shown: list[str] = []

    def in_reply_numbers(text: str) -> str:
        # a passage gets the reply's number when a text that cites it is sent, so only cited ones are listed
        local = list(dict.fromkeys(cited_numbers(text)))
        numbers = dict(zip(local, register([excerpts[n - 1].passage for n in local]), strict=True))
        return renumber(text, [numbers.get(n, n) for n in range(1, len(excerpts) + 1)])

    def show(sentence: str) -> str:
        shown.append(("" if not shown else " ") + in_reply_numbers(sentence))
        return shown[-1]

    try:
        for piece in backend.stream(build_messages(question, excerpts, lang), max_tokens=ANSWER_MAX_TOKENS):
            for sentence in check.feed(piece):
                yield show(sentence)
        for sentence in check.finish():
            yield show(sentence)
    except BackendError:
        pass  # what passed so far stands; with nothing, the quotes below answer
    if not check.kept:
        # The model found no answer, or nothing it wrote passed: the best sentences, quoted, let the reader
        # judge. Its "not in the excerpts" is not believed even when the evidence is only WEAK: a 1.5B model
        # refuses excerpts that do answer (three of holdout 12's questions the quotes answered), and what the
        # passages cannot answer was already refused above (relevance, measures and counts not stated).
        fallback = extractive(query or question, excerpts, lang, scorer, own)
        text, numbered = _numbered(fallback, register)
        yield text
        yield replace(numbered, dropped_sentences=check.dropped, dropped_numbers=check.dropped_numbers)
        return
    quotes = evidence_quotes(query or question, " ".join(check.kept), excerpts, scorer)
    if quotes:
        lines = [in_reply_numbers(f"> {sentence} [{e.n}]") for e, sentence in quotes]
        shown.append("\n\n" + t(lang, "answer_evidence") + "\n" + "\n".join(lines))
        yield shown[-1]
    numbers = [*dict.fromkeys(check.cited), *(e.n for e, _ in quotes)]
    used = tuple(dict.fromkeys(excerpts[n - 1].passage for n in numbers))
    cited = tuple(register(used))
    yield GroundedAnswer("".join(shown), "retrieval", used, cited, check.dropped, check.dropped_numbers)
