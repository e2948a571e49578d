"""One user message read as a whole: the statements it makes, the questions it asks, the what-if it poses.

A message may do several things at once ("We can share de-identified data now. Does that bring in GPT-4?
And what if we rented GPUs?"). Each part goes its own way: statements are read for answers (the
extraction), questions are answered, a what-if clause is read like a statement and applied to a copy of the
answers. Questions are cut out before the extraction reads a turn, so a question never changes an answer;
a sentence that states something and asks something ("given that the data may be shared, is GPT-4 in?")
stays a question.

Splitting is by sentence: a sentence is a question when it ends with "?" (or opens with "¿"), when it
opens with a question word not followed by a subject ("how much...", "which model..." ask; "what we need
is..." states), or when it opens with a request to explain ("tell me", "explain", "dime", "erkläre"); a
what-if opens with "what if", "and if", "suppose", "y si", "was wäre, wenn"... Everything is matched on
accent-free lower-case text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.clauses import own_words
from assistant.lexicon import DONT_KNOW, NO_REPLY, YES_REPLY, normalize

# Decimals and abbreviations ("Savage et al. wrote", "e.g. a CT", "vs. GPT-4") stay inside their sentence;
# Chinese and Japanese end a sentence without a space after it
_ABBREVIATION_BEFORE = "".join(
    rf"(?<!\b{re.escape(a)})" for a in ("al.", "e.g.", "i.e.", "vs.", "cf.", "Dr.", "Fig.", "approx.", "No.", "ca.")
)
_SENTENCE_END = re.compile(rf"(?<=[.!?]){_ABBREVIATION_BEFORE}\s+|(?<=[\u3002\uff01\uff1f])\s*|\n+")
# the question marks of Chinese and Japanese (full width) and of Arabic
_QUESTION_MARKS = ("?", "\uff1f", "\u061f")
# scripts written without spaces between words (Japanese kana, Chinese characters): their characters count
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_WHAT_IF = re.compile(
    r"^\W*(?:(?:and|but|ok|okay|so|y|pero|vale|und|aber|also|gut)\b\W*)?"
    r"(?:what if|and if|what would (?:happen|change) if|suppose|supposing|hypothetically|"
    r"y si|que pasa(?:ria)? si|que cambia(?:ria)? si|supongamos(?: que)?|"
    r"was (?:ware|waere|passiert|andert sich),? wenn|und wenn|angenommen|nehmen wir an|"
    # French, Italian, Portuguese, Dutch: "et si ...", "e se ...", "wat als ..."
    r"et si|e se|e si|(?:que se passe-t-il|qu.est-ce qui change) si|cosa (?:succede|cambia) se|"
    r"(?:o que|que) (?:acontece|muda) se|(?:en )?wat als)\b"
)
# A question word opening a sentence asks something unless a subject follows it: "what we need is..." states.
_WH_WORD = re.compile(
    # up to two lead-in words: "ok and what ...", "roughly what would ...", "btw, how many ..."
    r"^\W*(?:(?:and|but|so|also|ok|okay|hey|btw|then|now|anyway|roughly|approximately|ballpark|quick question|y|"
    r"pero|oye|vale|und|aber|sag mal)\b\W*){0,2}"
    # a preposition may come first: "on what kind of machine ...", "in which study ...", "¿en qué hospital ..."
    r"(?:(?:on|in|at|for|with|from|by|to|of|about|en|con|para|de|desde|auf|mit|fur|von|bei|an|aus)\s+)?"
    r"(what|which|who|whose|why|how|when|where|que|cual|cuales|quien|quienes|por que|como|cuando|donde|"
    r"cuanto|cuanta|cuantos|cuantas|was|welche|welcher|welches|welchem|welchen|wer|warum|wieso|weshalb|wie|wann|wo|wieviel)"
    r"(?:'s|'re|s)?\s+(\w+)"  # "what's the power draw", "whats the difference"
)
_CONTRACTED = re.compile(r"^\W*(?:what|who|where|how|when)(?:'s|s)\s")
_SUBJECTS = frozenset(
    str.split("we i you they our my the this that it lo nosotros yo wir ich sie unser unsere die der das es ")
)
# "give numbers", "dame las cifras", "gib mir die Zahlen": a request for the figures
_GIVE_FIGURES = (
    r"(?:give|gimme|dame|deme|gib)(?: (?:me|us|mir|uns))?(?: (?:the|some|exact|actual|concrete|los|las|die))?"
    r" (?:numbers|figures|details|sources|references|citations|examples|percentages|counts|numeros|cifras|"
    r"fuentes|zahlen|quellen)"
)
# A request for information opening a sentence ("tell me", "explain", "dime", "erkläre").
_REQUEST = re.compile(
    r"^\W*(?:(?:and|but|so|also|please|y|pero|und|aber|bitte)\b\W*)?(?:please\s+)?"
    r"(?:tell me|show me|give me|explain|list the|compare|remind me|dime|explica\w*|muestra\w*|compara\w*|"
    r"erklar\w*|zeig\w*|nenn\w*|vergleich\w*|"
    # "... which did better? give numbers": a request for the figures, not a statement of the need
    rf"{_GIVE_FIGURES})\b"
)

# A request that says only how to answer the question before it ("explain briefly", "give numbers", "be brief").
_HOW_TO_ANSWER = re.compile(
    r"^\W*(?:(?:and|please|pls|y|und|bitte)\b\W*)*(?:(?:explain|elaborate|explica\w*|erklar\w*)"
    r"(?: (?:briefly|shortly|in short|in detail|why|please|brevemente|kurz|bitte))?|"
    rf"{_GIVE_FIGURES}|be (?:brief|short|specific|precise|concise)|(?:in )?(?:short|brief) please|"
    r"with (?:numbers|figures|sources)(?: please)?)\W*(?:please|pls|por favor|bitte)?\W*$"
)

# A sentence that reports what someone else said or found ("A colleague claimed ...", "I read that ...",
# "un colega dice ...", "ein Kollege meint ..."): in a message that asks about it, it is the subject of the
# question, not a statement of the user's need.
_REPORTED = re.compile(
    r"^\W*(?:(?:a|an|my|our|one|some|the)\s+)?(?:colleague|friend|vendor|salesperson|sales rep|rep|someone|somebody|"
    r"people|study|paper|review|article|researchers?|authors?|boss|manager|consultant)\s+(?:\w+\s+){0,2}?"
    r"(?:claim\w*|said|says|told|tells|report\w*|found|finds|show\w*|suggest\w*|wrote|mention\w*|insist\w*)\b|"
    r"^\W*(?:i|we)\s+(?:have\s+)?(?:read|heard|saw)\b|"
    r"^\W*(?:un[ao]?|mi|el|la)\s+(?:colega|companer[oa]|proveedor|estudio|articulo)\s+(?:\w+\s+){0,2}?"
    r"(?:dijo|dice|afirma\w*|asegura\w*|comento)\b|^\W*(?:lei|he leido|escuche|he oido|dicen)\b|"
    r"^\W*(?:ein\w*|mein\w*|der|die|das)\s+(?:kolleg\w*|anbieter|studie|artikel|paper)\s+(?:\w+\s+){0,2}?"
    r"(?:sagt\w*|meint\w*|behauptet\w*|schreibt|zeigt\w*)\b|^\W*(?:ich habe (?:gelesen|gehort)|man sagt)\b"
)
# "its just one study isnt it", "RaDialog is open, right": a statement that asks to be confirmed
_TAG_QUESTION = re.compile(
    r"(?:\b(?:is|are|was|were|do|does|did|can|will|would|has|have)n'?t (?:it|they|there|that|this|he|she|we|you)|"
    r",\s*(?:right|correct|no|true)|\b(?:verdad|oder nicht|nicht wahr|stimmt'?s)|,\s*(?:oder|no))\W*$"
)
_FIRST_PERSON = re.compile(
    r"\b(?:i|i'm|i've|i'd|me|my|mine|we|we're|we've|we'd|us|our|ours|yo|mi|mis|me|nos|nosotr[oa]s|nuestr[oa]s?|"
    r"ich|mir|mich|mein\w*|wir|uns|unser\w*|je|j'|moi|nous|notre|nos|mon|ma|mes|io|noi|nostr[oaie]|mio|mia|miei|"
    r"eu|nosso|nossa|nossos|nossas|meu|minha|ik|wij|ons|onze|mijn)\b"
)
# A model's name as it is written: a capital inside a word ("ClinicalBERT", "RaDialog", "BioGPT") or a name with its
# version number ("Llama3", "Qwen2-7B"), not a GPU's ("A100", "L40S"). Read on the text as written (case matters).
_MODEL_NAME_SHAPE = re.compile(
    r"\b[A-Za-z]*[a-z][A-Z][A-Za-z0-9-]*|\b(?![A-Z]\d{1,4}[A-Z]?\b)[A-Z][A-Za-z]*-?\d+[A-Za-z0-9-]*"
)
# "as far as I know", "I think": the speaker hedging a claim about a model, not saying what they need
_HEDGE = re.compile(
    r"\b(?:as far as (?:i|we) (?:know|can tell|understand)|(?:i|we) (?:think|believe|guess|heard|read|suppose|assume)"
    r"(?: that)?|if i(?:'?m| am) not mistaken|if i remember (?:right|rightly|correctly))\b"
)
_MODAL = re.compile(
    r"\b(?:should|must|need\w*|has to|have to|will|would|shall|want\w*|debe\w*|deberia\w*|tiene que|quier\w*|"
    r"necesit\w*|soll\w*|muss\w*|brauch\w*|wollen)\b"
)
_SITUATION_WORD = re.compile(
    r"\b(?:users?|concurrent\w*|simultaneous\w*|tokens?|context|gpus?|vram|gb|usuarios?|nutzer\w*|kontext\w*)\b"
)
_LITERATURE_WORD = re.compile(
    r"\b(?:reviews?|stud(?:y|ies)|papers?|articles?|literature|evidence|benchmarks?|models?|llms?|gpt[\w.-]*|llama[\w.-]*|"
    r"recommendation|list|ranking|star|revision|estudios?|articulos?|modelos?|lista|studie\w*|artikel|modell\w*|"
    r"liste|empfehlung|stern)\b"
)
# "The usage guidelines doc I uploaded says something about ... in the cloud": what a document says
_DOCUMENT_SAYS = re.compile(
    r"^\W*(?:[\w'-]+\s+){0,5}?(?:docs?|documents?|papers?|guides?|guidelines?|reviews?|articles?|studies|study|primer|"
    r"tutorial|preprint|publication|pdf|file|documentos?|guias?|articulos?|revision|estudios?|dokument\w*|leitfaden|"
    r"artikel|studie|ubersicht),?\s+(?:[\w'-]+,?\s+){0,4}?(?:says|said|claims?|states?|stated|mentions?|mentioned|reports|"
    r"describes?|suggests?|recommends?|shows?|lists?|talks|discusses|dice|menciona|habla|recomienda|describe|"
    r"sagt|erwahnt|nennt|empfiehlt|beschreibt)\b"
)


@dataclass(frozen=True)
class MessageParts:
    """What one user message says, asks and supposes."""

    statements: str  # the message without its questions and what-if clause (what the extraction reads)
    questions: tuple[str, ...]
    what_if: str | None  # the supposed change, read like a statement ("the data may be shared")
    reported: tuple[str, ...] = ()  # what someone else claimed, when the message asks about it

    @property
    def context(self) -> str:
        """What the message says around its questions: its statements, the claims it reports and what it
        supposes ("what if we took Llama 3 8B at 4 bit: 12 users. Total memory?" asks about that model)."""
        return " ".join(part for part in (*self.reported, self.statements, self.what_if or "") if part)

    @property
    def asks(self) -> bool:
        """True when the message asks something or poses a what-if."""
        return bool(self.questions) or self.what_if is not None


def sentences(text: str) -> list[str]:
    """The message's sentences, as written (each with its closing punctuation)."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


# An English yes/no question opening with its verb ("was the 13B model better ...", "does it run on ...").
_VERB_FIRST = re.compile(
    r"^\W*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\s+"
    r"(?:the|a|an|it|this|that|these|those|there|they|we|you|i|any|its|their|our|my|his|her)\b"
)
# "does" or "did" before any subject asks ("did radiologists actually prefer its reports", "does radialog run on
# a cpu"); other verbs are left to the list above, since notes drop their subject ("should run on site").
_DO_FIRST = re.compile(r"^\W*(?:does|did)\s+(?!not\b)[\w-]+\s+\w")
# A topic set before the question: "the RSNA paper - what VRAM do they give", "radonc letters: was the 13B ..."
TOPIC_MARK = re.compile(r"\s[-\u2013\u2014]\s|:\s")
# After a topic, a verb first asks whatever its subject: "before the board meets: is RaDialog CE marked",
# "unser DSB fragt: ist Baichuan-7B zugelassen" (German puts the verb first only in a question or a command).
_VERB_FIRST_AFTER_TOPIC = re.compile(
    r"^\W*(?:is|are|was|were|does|did|can|could|has|will|would|should|ist|sind|war|hat|haben|kann|konnen|gibt|"
    r"wird|werden|darf|durfen|braucht)\s+"
    r"(?!(?:not|to|fine|ok|okay|allowed|possible|required|needed|mandatory|nicht|noch|uns|mir|bei|fur|in|im)\b)\w"
)
# "How many" anywhere asks ("the paper says 1 million tokens is about how many words", "in our trial how many
# notes had to be corrected", "clinicalbert cuantos parametros tiene") unless a word of knowing or of a task
# governs it: "we do not know how many users", "count how many falls are charted", "no sabemos cuantos".
_HOW_MANY = re.compile(r"\b(?:how (?:many|much)|how (?:long|often|big|large)\W*$|cuant[oa]s?|wie ?viele?)\b")
_KNOWING = re.compile(
    # "we'd like to know how many", "quisiera saber cuantos", "ich mochte wissen, wie viele": those ask
    r"(?<!to )(?<!quiero )(?<!quisiera )(?<!gustaria )(?<!mochte )(?<!mochten )(?<!gern )"
    r"\b(?:know|knows|sure|idea|decided|unclear|clear|estimate\w*|depends on|matter|tell|guess|count\w*|track\w*|"
    r"record\w*|report\w*|show\w*|calculat\w*|predict\w*|measur\w*|monitor\w*|see|check\w*|flag\w*|list\w*|"
    r"sab\w*|segur[oa]s?|depende|contar|cuenta\w*|calcul\w*|predec\w*|estim\w*|indic\w*|weiss|wissen|sicher|"
    r"hangt|zahl\w*|berechn\w*|vorhersag\w*|schatz\w*|anzeig\w*)\b"
    r"(?:\W+\w+){0,3}?\W+(?:how|cuant[oa]s?|wie ?viele?)\b"
)
# After a comma, only words that cannot open a relative clause start a question ("claude is on the list, what
# would it cost"); "..., which is fine" states.
# Spanish only with a preposition first ("..., de que fechas son", "hasta cuando buscaron"): a bare "cuando" or
# "donde" after a comma opens a clause of time or place, as German "welche" and "wann" open relative ones.
_AFTER_COMMA = re.compile(
    r"^\W*(?:what|how|why|whats|hows|(?:de|en|a|hasta|desde|por|para|con)\s+(?:que|cuando|donde))\b"
)
# The verb before its subject inside a sentence: "in that study how many cases did the physicians evaluate",
# "if we train an adapter on our reports can we reuse it". The word before the verb is no subject ("if that
# is the case" states), and the word after a question word is none either ("what we need is the summary").
_INVERTED = re.compile(
    r"(?:\b(?:what|how|which|why)\s+(?!(?:we|i|you|they|it|the|this|that|our|my)\b)|^\W*if\s+)"
    r"(?:[\w'/.-]{1,40}\s+){0,12}?(?<!\bwe )(?<!\bi )(?<!\byou )(?<!\bthey )(?<!\bit )(?<!\bthat )(?<!\bthis )"
    r"(?<!\bthere )(?<!\bwhich )(?<!\bwho )"
    r"(?:do|does|did|is|are|was|were|can|could|would|will|should|has|have|had)\s+"
    r"(?:the|they|it|we|you|i|this|that|these|those|its|their|our|my|he|she)\b"
)


def is_question(sentence: str) -> bool:
    """True when the sentence asks something: a question mark, a question word, a verb first, a tag ("..., isn't
    it"), or a request to explain; also when a topic is set before it ("the RSNA paper - what VRAM ...")."""
    stripped = sentence.strip()
    if stripped.endswith(_QUESTION_MARKS) or stripped.startswith("¿"):
        return True
    parts = TOPIC_MARK.split(stripped)
    if any(_asks(part) for part in (stripped, parts[-1] if len(parts) > 1 else "")):
        return True
    # a form's label ("Scope: is to ...", "Datenschutz: ist uns wichtig") is no topic: a topic has a few words
    if len(parts) > 1 and len(parts[-2].split()) >= 3 and _VERB_FIRST_AFTER_TOPIC.match(normalize(parts[-1])):
        return True
    norm = normalize(stripped)
    if _HOW_MANY.search(norm) and not _KNOWING.search(norm):  # "wir wissen nicht, wie viele" states
        return True
    after_comma = stripped.rsplit(",", 1)[-1] if "," in stripped else ""
    if after_comma and (_AFTER_COMMA.match(normalize(after_comma)) or _VERB_FIRST.match(normalize(after_comma))):
        return _asks(after_comma)
    return _INVERTED.search(norm) is not None


def _asks(stripped: str) -> bool:
    """The question tests of ``is_question`` on one stretch of text without a question mark."""
    if not stripped:
        return False
    norm = normalize(stripped)
    if _VERB_FIRST.match(norm) or _DO_FIRST.match(norm):
        return True
    if _TAG_QUESTION.search(norm):
        return True
    if _CONTRACTED.match(norm):
        return True  # "what's the power draw", "whats the difference": a question whatever follows
    wh = _WH_WORD.match(norm)
    if wh and wh.group(2) not in _SUBJECTS:
        return True
    return bool(_REQUEST.match(norm))


def what_if_clause(sentence: str) -> str | None:
    """The supposed statement of a what-if sentence ("what if we rent GPUs?" -> "we rent GPUs"), or None."""
    norm = normalize(sentence)
    match = _WHAT_IF.match(norm)
    if not match:
        return None
    # normalize() keeps the length unless it expands a letter (ß -> ss): then the normalised rest is used
    rest = sentence[match.end() :] if len(norm) == len(sentence) else norm[match.end() :]
    return rest.replace("?", "").replace("¿", "").strip(" ,.")


def parse_message(text: str) -> MessageParts:
    """Split a user message into its statements, its questions and its what-if clause."""
    kept: list[str] = []
    questions: list[str] = []
    supposed: list[str] = []
    reported: list[str] = []
    for sentence in sentences(own_words(text)):  # a question an e-mail quotes was someone else's
        clause = what_if_clause(sentence)
        if clause is not None:
            supposed.append(clause)  # may be empty ("what if?"): the answer then says what to try
        elif questions and _HOW_TO_ANSWER.match(normalize(sentence)):
            questions[-1] = f"{questions[-1]} {sentence}"  # "Why not GPT-4? Explain briefly.": one question
        elif is_question(sentence):
            questions.append(sentence)
        elif (
            _REPORTED.match(normalize(sentence))
            or tells_what_a_document_says(sentence)
            or remarks_on_the_literature(sentence)
        ):
            reported.append(sentence)
        else:
            kept.append(sentence)
    if not questions:
        kept, reported = [s for s in sentences(text) if what_if_clause(s) is None], []  # a claim asked nothing
    statements = text if not questions and not supposed else " ".join(kept)
    what_if = ". ".join(c for c in supposed if c) if supposed else None
    return MessageParts(statements, tuple(questions), what_if, tuple(reported))


# A turn that only thanks, acknowledges or asks to go on ("ok great, thanks!", "please go on"), or a short one
# with a thanks in it ("great, thanks a lot"): nothing to answer.
_THANKS = re.compile(r"\b(?:thanks|thank you|thx|cheers|gracias|danke|merci|obrigad[oa]|bedankt)\b")
_ACKNOWLEDGEMENT = re.compile(
    r"^\W*(?:(?:ok|okay|k|thanks|thank you|thx|ta|great|perfect|cool|nice|fine|good|got it|understood|noted|bye|cheers|"
    r"that'?s all|that helps|please|pls|go on|go ahead|carry on|continue|next|proceed|and then|"
    r"gracias|vale|perfecto|entendido|sigue|adelante|contin[uú]a|por favor|"
    r"danke|super|prima|alles klar|verstanden|genau|weiter|bitte|mach weiter)\b\W*)+$"
)


def only_thanks(text: str) -> bool:
    """True for a short turn that thanks and says nothing else a reply could mean ("thanks.", "great, thanks a
    lot"): no answer to the question just asked, whatever a model makes of it."""
    norm = normalize(text)
    return bool(_THANKS.search(norm)) and len(norm.split()) <= 6 and not YES_REPLY.match(norm)


def could_be_a_question(text: str) -> bool:
    """True for a turn of at least three words that is more than a thanks: once a recommendation stands and
    such a turn changes no answer, what it wants is an answer, even when it asks in no form we recognise."""
    norm = normalize(own_words(text))
    if any(reply.match(norm) for reply in (DONT_KNOW, YES_REPLY, NO_REPLY)):
        return False  # a reply to a question the assistant asked ("I don't know.", "no, keep it local")
    if only_thanks(norm):
        return False  # "great, thanks a lot", "many thanks for this"
    words = len(norm.split()) + len(_UNSPACED.findall(norm)) // 2  # about two characters a word
    return words >= 3 and not _ACKNOWLEDGEMENT.match(norm)


def remarks_on_the_literature(sentence: str) -> bool:
    """True for a remark about the studies or the models rather than one's own need ("GPT-4 was the most used
    model in that review"): it names them, says nothing of "we" or "our", and asks for nothing ("should")."""
    norm = _HEDGE.sub(" ", normalize(sentence))  # "as far as I know it's open source" says nothing of a need
    if _FIRST_PERSON.search(norm) or _MODAL.search(norm) or _SITUATION_WORD.search(norm):
        return False  # "Llama 3.1 70B, 20 concurrent users, 8k tokens each": the user's own situation
    # "O ClinicalBERT aparece na previsao de DRG na fase de alta.": a model named in any language
    return bool(_LITERATURE_WORD.search(norm) or _MODEL_NAME_SHAPE.search(sentence))


# ... or names the document first and then what "they" or "it" say in it: "about that tutorial i put in my folder -
# they mention a study where vicuna classified radiology reports" describes the paper, not the user's need
_DOCUMENT_THEN_SAYS = re.compile(
    r"\b(?:docs?|documents?|papers?|guides?|reviews?|articles?|study|primer|tutorial|preprint|pdf|folder|uploads?)\b"
    r"(?:\W{1,3}[\w'-]{1,40}){0,12}?\W{1,3}(?:they|it|the authors?|which)\s+(?:also\s+)?"
    r"(?:mention|describe|discuss|report|say|state|show|list|talk about|compare)\w{0,2}\b"
)


def tells_what_a_document_says(sentence: str) -> bool:
    """True when the sentence reports what a document says ("The guide I uploaded mentions the cloud")."""
    norm = normalize(sentence)
    return bool(_DOCUMENT_SAYS.match(norm) or _DOCUMENT_THEN_SAYS.search(norm))


def statements_only(text: str) -> str:
    """The text the extraction reads from a user turn: its statements (questions and what-ifs cut out)."""
    return parse_message(text).statements
