"""What a question asks about, so that it goes to the most trustworthy source that can answer it.

Order of trust: the rules core (why a model is in or out, its rank) and the catalog (which studies used a
model, its evidence, access, the hardware, power and prices the studies reported, API prices, the tool's
own terms) answer deterministically; the sizing calculator answers memory and hardware questions; every
other question goes to the literature (retrieval, then an answer written from the passages and checked
against them). A question is routed to a deterministic source only when it clearly names what it asks
about; anything else reaches the literature, which can say that it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.asked import asked_measures
from assistant.catalog import Catalog, Model
from assistant.followups import (
    EXPLAIN,
    WHY_NOT,
    FollowUp,
    ModelMention,
    asks_what_a_term_is,
    classify,
    find_model_mentions,
    find_terms,
    unknown_variants,
)
from assistant.grounded import question_parts
from assistant.lexicon import CAPABILITY_QUESTION, normalize
from assistant.message import TOPIC_MARK, sentences, tells_what_a_document_says
from assistant.recommendation import Recommendation
from assistant.rules import architecture_type
from assistant.situation import gpu_keys_named, read_situation
from assistant.sizing_facts import GpuType, squash

RULES = "rules"
CATALOG = "catalog"
SIZING = "sizing"
LITERATURE = "literature"

# What a question about one model asks (concept words, EN/ES/DE, matched on normalised text).
ASPECTS: dict[str, re.Pattern[str]] = {
    "price": re.compile(
        r"\b(?:cost\w*|price\w*|pricing|charge[sd]?|fees?|buy\w*|purchas\w*|rent\w*|dollars?|usd|euros?|expensive|cheap\w*|"
        r"bills?|billed|invoices?|spend|spending|"
        r"cuest\w*|cost\w*|precio\w*|compra\w*|alquil\w*|factura\w*|kost\w*|preis\w*|kauf\w*|miet\w*|teuer|"
        r"rechnung\w*|"
        # French, Italian, Portuguese, Dutch, Polish ("ça coûterait combien si on louait ...")
        r"prix|cout\w*|achet\w*|lou(?:er|e|es|ons|ait|ais|aient|ions|ant|erait|erions)|prezz\w*|noleggi\w*|affitt\w*|"
        r"acquist\w*|precos?|custos?|custa(?:ria|m|r)?|alug\w*|prijs\w*|prijzen|huur\w*|huren|kopen|koszt\w*|cen[aeyi])\b|\$"
    ),
    "power": re.compile(
        r"\b(?:power|watts?|energy|electricity|tdp|consum(?!er)\w*|energia|potencia|strom\w*|leistung)\b"
    ),
    "access": re.compile(
        # "open" alone only as what a model is ("is it open?"), not "a session open", "open questions"
        r"\b(?:open[- ]?(?:source|weights?)|open (?:model|licen[cs]e)|(?:is|are) (?:it|they|this|that|[\w.-]{1,40}) "
        r"(?:fully |really )?open\b|api|licen[cs]\w*|weights|download\w*|restricted|proprietary|"
        r"(?:hosted|online) services?|(?:api|cloud)[- ]only|online[- ]?dienst\w*|servicios? (?:en linea|online)|"
        r"abiert\w*|codigo abierto|licencia|offen\w*|lizenz\w*|herunterlad\w*)\b"
    ),
    "evidence": re.compile(
        r"\b(?:how many (?:studies|papers)|studies|evidence|papers|publications|cuantos estudios|estudios|"
        r"evidencia|studien|evidenz|etudes|studi|estudos|onderzoeken|badan|"
        # the review's sub-tasks a model was used or reported best in ("in which sub-tasks was it never best?")
        r"sub-?tasks?|subtareas?|sottocompit[io]|teilaufgaben?|sous-taches?|subtarefas?|deeltaken)\b"
    ),
    "star": re.compile(
        r"\b(?:star|starred|best[- ]performer|estrella|stern\w*|asterisk|asterisco|etoile|stella|estrela|ster)\b|\*"
    ),
    "hardware": re.compile(r"\b(?:gpus?|hardware|graphics cards?|accelerators?|tarjetas?|grafikkarten?)\b"),
}
# Memory and throughput questions: the sizing calculator's domain.
SIZING_WORDS = re.compile(
    r"\b(?:memory|vram|ram|gigabytes?|gb|\d+[- ]?bits?|quanti[sz]\w*|int4|int8|fp16|bf16|awq|gguf|q4\w*|"
    r"\d+ (?:concurrent|simultaneous)|(?:concurrent|simultaneous) (?:\w+ )?(?:users?|sessions?|requests?|chats?|"
    r"people|clinicians|conversations?|streams?|queries)|users|tokens? (?:per|a) second|tokens?/s|throughput|"
    r"latency|how many (?:gpus|cards|graphics cards|accelerators)|"
    # "how many radiologists could each have a session open at the same time?": the calculator's sessions
    # ("how many 4,096-token sessions could it hold at the same time?")
    r"how many (?:[\w,.-]+ ){0,2}(?:users|people|clinicians|radiologists|doctors|nurses|sessions|chats|staff)\b"
    r"(?: \S+){0,10} (?:at (?:the same time|once)|simultaneously|concurrently|in parallel)|"
    # "and with 12 radiologists using it simultaneously?": a number of people at once
    r"\d+ (?:\w+ ){1,3}(?:at (?:the same time|once)|simultaneously|concurrently|in parallel)|"
    r"fit|fits|run it on|serve|serving|memoria|usuarios|speicher|nutzer\w*|gleichzeitig|kv[- ]?cache|cach[eé] kv|"
    # memory in French, Dutch and Polish ("mémoire", "geheugen", "ile pamięci")
    r"memoire|geheugen|pamie\w*)\b"
    # Chinese and Japanese, which write no spaces between words (normalised: "ビット" loses its voicing mark)
    + normalize(r"|显存|内存|メモリ|量化|量子化|ビット")
)
# Fine-tuning a named model and what it needs: the calculator's fine-tuning memory.
FINETUNE_NEEDS = re.compile(
    r"\b(?:q?lora|fine[- ]?tun\w*|feinabstimm\w*|ajuste fino)\b.*\b(?:need\w*|requir\w*|take\w*|gpus?|memory|"
    r"necesit\w*|requier\w*|brauch\w*|benotig\w*)\b|\b(?:need\w*|requir\w*|take\w*)\b.*\b(?:q?lora|fine[- ]?tun\w*)\b"
)
_A_NUMBER = re.compile(r"\d")
_ASKS_TOTAL = re.compile(r"\b(?:total|overall|in all|altogether|combined|how much|how many)\b")
# "the top model", "the first one", "it" after a recommendation: the recommendation's first model.
_TOP_MODEL = re.compile(
    r"\b(?:top|first|recommended|best|best-ranked|highest[- ]ranked|number one|leading|suggested|"
    r"primer|recomendado|mejor|erste\w*|empfohlen\w*|beste\w*|premier|primo|primeiro|eerste|pierwsz\w*)\b(?:\s+\w+)?\s*"
    r"(?:model|one|option|entry|setup|choice|pick|modelo|opcion|modell|wahl|modele|modello|modelu?)\b"
    # "第一个模型", "最初のモデル", "첫 번째 모델"
    + normalize(r"|第一个?模型|第一個?模型|最初のモデル|1 番目のモデル|첫 ?번째 모델")
)
# "the second model on that list", "el tercer modelo", "das zweite Modell", "the ninth on my list", "o setimo da
# lista": the recommendation's n-th model (a table lists up to ten, and more on request).
_ORDINALS = {
    "second": 2, "2nd": 2, "segundo": 2, "segunda": 2, "zweite": 2, "deuxieme": 2, "seconda": 2,
    "third": 3, "3rd": 3, "tercer": 3, "tercero": 3, "tercera": 3, "dritte": 3, "troisieme": 3, "terzo": 3,
    "terza": 3, "terceiro": 3, "terceira": 3,
    "fourth": 4, "4th": 4, "cuarto": 4, "cuarta": 4, "vierte": 4, "quatrieme": 4, "quarto": 4, "quarta": 4,
    "fifth": 5, "5th": 5, "quinto": 5, "quinta": 5, "funfte": 5, "cinquieme": 5,
    "sixth": 6, "6th": 6, "sexto": 6, "sexta": 6, "sechste": 6, "sixieme": 6, "sesto": 6, "sesta": 6,
    "seventh": 7, "7th": 7, "septimo": 7, "septima": 7, "siebte": 7, "septieme": 7, "settimo": 7, "setimo": 7,
    "eighth": 8, "8th": 8, "octavo": 8, "octava": 8, "achte": 8, "huitieme": 8, "ottavo": 8, "oitavo": 8,
    "ninth": 9, "9th": 9, "noveno": 9, "novena": 9, "neunte": 9, "neuvieme": 9, "nono": 9, "nona": 9,
    "tenth": 10, "10th": 10, "decimo": 10, "decima": 10, "zehnte": 10, "dixieme": 10,
}  # fmt: skip
# numbers written as ordinals ("12th", "12º" read as "12o", "la 12a", "12e", "das 12te"): any row a long list has
_NUMERIC_ORDINAL = r"\d{1,2}(?:st|nd|rd|th|o|a|eme|e|te)"
_NTH_MODEL = re.compile(
    rf"\b(?P<nth>{'|'.join(_ORDINALS)}|{_NUMERIC_ORDINAL})\w?\s+(?:(?:\w+\s+)?(?:model|one|option|entry|row|choice|"
    r"pick|modelo|opcion|modell|eintrag|modele|modello)\b|"
    r"(?:(?:on|in|from|of|da|de|del|della|der|auf|na|en|sur|sulla)\s+)?"
    r"(?:(?:the|my|our|your|that|this|la|mi|nuestra|minha|nossa|meiner|unserer|der|ma|notre|mia)\s+)?"
    r"(?:list|lista|liste|table|tabla|tabelle|tabella|tabela)\b)"
)
# "which GPU is the cheapest?", "la tarjeta más cara": the catalog's GPUs ranked by purchase price
_PRICE_EXTREME = re.compile(
    r"\b(?:(?P<low>cheapest|least expensive|lowest[- ]priced|most affordable|mas barat\w*|gunstigst\w*|billigst\w*|"
    r"moins chere?s?|piu economic\w*|costa (?:di )?meno|cuesta menos|kostet am wenigsten|coute le moins)|"
    r"most expensive|priciest|highest[- ]priced|costs? the most|most costly|mas car[oa]s?|teuerst\w*|plus chere?s?|"
    r"piu costos\w*|piu car[aeio]|costa (?:di )?(?:piu|de mas)|cuesta mas|kostet am meisten|coute le plus)\b"
)
_GPU_WORD = re.compile(
    r"\b(?:gpus?|graphics cards?|cards?|accelerators?|grafikkart\w*|karten?|tarjetas?|cartes?|sched[ae]|placas?)\b"
)
# "#12", "model 12", "row no. 12", "number 12 on the list": a row by its number (not "a 7B model" or "12 GB")
_NUMBERED_ROW = re.compile(
    r"(?:\b(?:model|row|entry|option|modelo|modell|eintrag|fila|zeile|modele|modello)\s+(?:#|no\.?\s*|nr\.?\s*|"
    r"number\s+|numero\s+|nummer\s+)?|#\s*|\b(?:number|no\.|nr\.|numero|nummer)\s*)(?P<nth>\d{1,2})\b"
    r"(?!\s*(?:gb|gib|mb|%|bits?|users?|tokens?|k\b|b\b|x\b|[.,]\d))"
)


def points_at_the_list(text: str) -> bool:
    """True when a question points at a model of the recommendation by its place ("the first model", "row 2")."""
    norm = normalize(text)
    return bool(_row_pointed_at(norm) or _TOP_MODEL.search(norm))


def _row_pointed_at(norm: str) -> re.Match[str] | None:
    """The ordinal or the number of the recommendation's row that a question points at."""
    return _NTH_MODEL.search(norm) or _NUMBERED_ROW.search(norm)


def _row_number(word: str) -> int:
    """The row an ordinal or a number points at: "third" and "3rd" and "3" are all 3."""
    if word in _ORDINALS:
        return _ORDINALS[word]
    digits = re.match(r"\d+", word)
    return int(digits.group()) if digits else 1


# Asks for an amount or a fit: what the calculator computes ("how much memory", "would it fit", "do we need").
_ASKS_AMOUNT = re.compile(
    r"\b(?:how (?:much|many|big|large)|what (?:size|amount)|enough|fits?|need\w*|requir\w*|take|cuant\w*|"
    r"necesit\w*|cabe|wie ?viel\w*|brauch\w*|benotig\w*|passt|reicht)\b|\d"
)
# "Can BERT actually draft a letter?": whether a model can write text at all (encoders cannot).
_CAN_WRITE = re.compile(
    r"\b(?:can|could|able to|capable of|puede\w*|podria\w*|kann|konn\w*)\b(?: \w+){0,3} "
    r"(?:write|draft|generat\w*|produc\w*|compos\w*|creat\w*|redact\w*|escrib\w*|schreib\w*|verfass\w*|erstell\w*)|"
    r"\b(?:only|just|solo|nur) (?:classif\w*|clasific\w*|klassifizier\w*)|\bencoder\b"  # "or does it only classify?"
)
# "how often was GPT-4 reported best?", "which one came out best more often?": the review's best-report counts
_BEST_COUNT = re.compile(
    r"\b(?:reported|rated|named|judged|found|came out|ranked|scored) (?:as )?(?:the )?best\b|"
    r"\bbest (?:more|most) often\b|\bhow (?:often|many times)\b(?: \S+){0,6} best\b|"
    r"\bcuantas veces\b(?: \S+){0,6} mejor\b|\bmejor (?:mas|con mas) (?:veces|frecuencia)\b|"
    r"\bwie (?:oft|haufig)\b(?: \S+){0,10} (?:am )?beste\w*\b|\bam (?:haufigsten|ofteste?n) (?:\w+ )?beste\w*\b|"
    # Italian, French, Portuguese, Dutch: "quante volte ... il migliore", "combien de fois ... le meilleur"
    r"\b(?:quante volte|combien de fois|quantas vezes|hoe vaak)\b(?: \S+){0,10} (?:miglior|meilleur|melhor|beste)\w*\b"
)
# a best-count question that also asks a price, power, hardware or a measure: the model's facts answer all of it
_ASKS_MORE = re.compile("|".join(f"(?:{ASPECTS[a].pattern})" for a in ("price", "power", "hardware")))
_WHY_RANK = re.compile(r"\b(?:why|por que|warum|wieso|weshalb)\b")
# Questions that name the user's own documents ("the paper I added", "my documents", "den ich hinzugefügt habe").
_USER_DOCS = re.compile(
    r"\b(?:(?:my|our) (?:[\w-]+ ){0,3}?(?:papers?|documents?|files?|pdfs?|uploads?|articles?|reviews?|stud(?:y|ies)|"
    r"tutorials?|guides?|primers?|preprints?)|(?:the|that|this) (?:uploaded|added) |"
    r"(?:i|we) (?:have |had |just )?(?:added|uploaded|gave you|shared|provided|saved|stored|put in|dropped in|"
    r"attached|indexed|imported)|my library|"
    r"(?:mis|nuestros?) (?:documentos?|articulos?|archivos?)|que (?:subi|anadi|agregue|hemos subido)|"
    r"(?:meine\w*|unsere\w*) (?:dokument\w*|dateien|artikel\w*|paper)|ich (?:\w+ ){0,2}(?:hinzugefugt|hochgeladen)|"
    # French, Italian, Portuguese (read, answered in English): "l'article que j'ai ajouté", "che ho caricato"
    r"(?:j'ai|nous avons) (?:ajoute|televerse|importe|charge|depose|envoye)e?s?|"
    r"(?:mes|nos) (?:documents|articles|fichiers)|"
    r"che (?:ho|abbiamo) (?:aggiunt|caricat|importat)[oaie]|(?:i miei|i nostri) (?:documenti|articoli|file)|"
    r"que (?:eu )?(?:adicionei|carreguei|enviei|importei)|(?:meus|nossos) (?:documentos|artigos|arquivos)|"
    # Dutch: "die ik heb toegevoegd", "mijn documenten"
    r"die (?:ik|we|wij) (?:\w+ ){0,2}(?:toegevoegd|geupload|geimporteerd)|"
    r"(?:mijn|onze) (?:documenten|artikelen|bestanden)|"
    # Polish, Czech, Turkish, Russian, Vietnamese, Greek: "który dodałem", "které jsem nahrál", "yüklediğim",
    # "который я загрузил", "tôi đã tải lên", "που ανέβασα"
    r"(?:ktory|ktora|ktore) (?:\w+ )?(?:doda[lł]\w{0,2}|wgra[lł]\w{0,2}|przes[lł]a[lł]\w{0,2})|"
    r"(?:moich|naszych) dokument\w{0,3}|"
    r"(?:ktery|ktera|ktere) (?:jsem|jsme) (?:nahral\w{0,2}|pridal\w{0,2})|(?:mych|nasich) dokument\w{0,3}|"
    r"yukledig\w{0,4}|ekledig\w{0,4}|belgelerim\w{0,4}|"
    r"(?:котор\w{1,3}) (?:я|мы) (?:загрузил\w{0,2}|добавил\w{0,2})|(?:моих|наших|мои|наши) документ\w{0,3}|"
    r"toi (?:da )?(?:tai len|them)|tai lieu cua toi|που (?:ανεβασα|προσθεσα)|στα εγγραφα μου)\b"
    # Korean, Japanese, Chinese (no spaces between words): "제가 올린", "アップロードした", "我上传的"
    + normalize(r"|제가 올린|내가 올린|업로드한|추가한|アップロードした|追加した|我上传的|我添加的|我的文档|我上傳的")
)
# A question that asks what a source says ("according to the review", "what does the paper say") wants the
# literature, whatever else it mentions (memory, prices, a model).
_SOURCE_CITED = re.compile(
    r"\b(?:according to|as (?:stated|reported|listed) (?:in|by)|(?:the|this|that) (?:\w+(?:'s)?[- ]){0,4}"
    r"(?:review|paper|study|article|tutorial|guide|guidelines|primer|preprint|publication|doc|document|"
    r"documentation|manual|handbook)\b(?:'s)?|"
    r"segun|de acuerdo con|(?:el|la|este|esta) (?:\w+ ){0,2}"
    r"(?:revision|articulo|estudio|guia|tutorial|documento|manual)|"
    r"laut|gemass|(?:der|die|das|dem|den) (?:\w+[- ]){0,2}(?:review|artikel|studie|leitfaden|tutorial|ubersicht|"
    r"dokument|handbuch|anleitung)\b)"
)
# "according to your data", "laut euren Daten", "segun sus datos": the tool's own data is the catalog, not a
# document of the literature
_YOUR_DATA = re.compile(
    r"\b(?:according to|as per|per|laut|gemass|segun|de acuerdo con|selon|d'apres|secondo|segundo) "
    r"(?:your|yours|eure[mnrs]?|ihre[mnrs]?|deine[mnrs]?|tus|sus|vos|vostri|seus|the tool's|this tool's|the) "
    r"(?:own )?(?:data|daten|datos|donnees|dati|dados|catalog\w*|katalog\w*|tables?|tabellen|tablas|numbers|zahlen)\b|"
    # "the review's 330 model rows": the review's data table, which the catalog holds
    r"\b(?:the|this) review'?s? (?:\d+ )?(?:model )?(?:rows|entries|data ?table)\b"
)


def _cites_a_source(norm: str) -> bool:
    """True when a question names a document as its source ("according to the review"), not the tool's data."""
    return bool(_SOURCE_CITED.search(_YOUR_DATA.sub(" ", norm)))


# A definition ("what is GGUF?", "was ist QLoRA?"): the glossary or the literature, not a calculation.
_DEFINITION = re.compile(
    r"^\W*(?:what(?:'s| is| are|s)|what does \S+(?: \S+){0,3} (?:mean|stand for)|explain|define|"
    r"que (?:es|son|significa)|was (?:ist|sind|bedeutet|heisst))\b"
)
# The recommendation as a whole: how many models, which of them run on one's own hardware.
_HOW_MANY_MODELS = re.compile(
    r"\b(?:how many (?:\w+ )?(?:models|options|llms|matches)|cuantos (?:\w+ )?(?:modelos|opciones)|"
    r"wie ?viele (?:\w+ )?(?:modelle|optionen)|combien de (?:\w+ )?modeles|quant[ie] (?:\w+ )?modell[io]|"
    r"quantos (?:\w+ )?modelos|hoeveel (?:\w+ )?modellen)\b"
    # Japanese, Chinese and Korean write no spaces: the model word, then a count word within a few characters
    # (written as normalised: "モデル" loses its voicing marks, Korean syllables come apart)
    + normalize(
        # ("多少" alone is "how much": "第一个模型 ... 需要多少显存" asks for memory, not a count)
        r"|(?:モデル|模型|모델).{0,12}?(?:何件|何個|何種類|いくつ|多少个|多少款|几个|几款|幾個|몇 ?개)"
        r"|(?:多少|几)(?:个|款|種|种)?模型"
    )
)
# "which models were left out for being API-only?": the models the user's answers keep off the list
_LEFT_OUT = re.compile(
    r"\b(?:left out|left off|excluded|ruled out|filtered out|dropped|"
    r"(?:did ?n.?t|did not|do ?n.?t) make (?:the|it onto the) (?:cut|list)|kept (?:them|it) (?:out|off)|"
    r"(?:se )?quedar\w* fuera|fuera de (?:la|mi) lista|"
    r"excluid\w*|descartad\w*|ausgeschlossen|rausgefallen|herausgefallen|weggefallen|exclus\w*|esclus\w*|"
    r"uitgesloten)\b"
)
# a question about some of the list's models ("does any of them have a star?", "¿alguno lleva estrella?")
_ANY_OF_THEM = re.compile(
    r"\b(?:which|any|anyone|none|how many|alguno?s?|alguna?s?|ningun[oa]?|cual\w{0,3}|cuant[oa]s|welche\w{0,2}|"
    r"irgendein\w{0,2}|eine[rs]? der|keine\w{0,2}|wie ?viele|lequel|lesquels|aucun|quali?|nessun\w{0,2}|quais?|"
    r"algum\w{0,2}|welke|enige|un(?:e)? (?:de ces|des)|quel\w{0,3}|uno dei|qualcun[oa]|een van)\b"
)
_WHICH_MODELS = re.compile(
    r"\b(?:which|what|cuales?|que|welche\w*|quel\w*|qual[ie]?|quais|welke|models?|modelos?|modell[ei]?|modeles)\b"
)
_WHICH_OF_THESE = re.compile(
    # "on my list, which entries are hosted services only?"
    r"\b(?:which (?:of (?:these|them|those|my list|the list)|ones?|models?|entries|rows|items)|"
    r"cuales (?:de (?:estos|ellos))?|"
    r"welche (?:davon|dieser|modelle))\b"
)
# What the studies reported, not what the calculator estimates ("how many GPUs did its pre-training take?").
_REPORTED = re.compile(
    r"\b(?:did|was|were|reported|listed|used|took|used for|pre-?train\w*|vortrain\w*|preentren\w*|"
    r"wurde|wurden|fue|fueron|usaron|utilizaron|emplearon|nutzten|verwendeten|liefen|lief)\b"
)
# An amount of memory asked for: "how much GPU memory", "wie viel Speicher", "cuanta memoria".
_MEMORY_ASKED = re.compile(
    r"\b(?:how much|what amount of|wie ?viel|cuanta)\b(?: \S+){0,3} (?:memory|vram|ram|speicher\w*|memoria)\b"
)
_IN_THE_STUDIES = re.compile(
    r"\b(?:did|was|were|reported|listed|fine-?tuned|pre-?trained|trained|vortrain\w*|wurde|wurden|fue|fueron)\b"
)
# "Which stage did you put my request under?": the stage of the user's own recommendation.
_MY_STAGE = re.compile(
    r"\b(?:which|what|en (?:que|cual)|welche\w*|in welche\w*)\b(?: \w+){0,3} "
    r"(?:stage|etapa|fase|stufe|phase)\b(?: \w+){0,6}? "
    r"(?:my|mi|mein\w*|me|you|(?:has|ha|haben sie|hast du) \w+|am i|are we|estoy|estamos|bin ich|sind wir|put|placed)\b"
)
# A stage named outright ("what does stage II cover?").
_STAGE_NAMED = re.compile(r"\b(?:stage|stufe|phase|etapa|fase)\s+(i{1,3}|iv|v|[1-5])\b")
# ... asked what it is or covers: "stage III NSCLC" in a question about a patient grades a disease
_ABOUT_A_STAGE = re.compile(
    r"^\W*(?:what|which|explain|define|que|cual\w{0,2}|was|welche\w{0,2}|erklar\w{0,4})\b"
    r"|\b(?:cover\w{0,2}|include\w{0,1}|mean\w{0,1}|contain\w{0,1}|tasks?|workflow|abarca|incluye|significa|umfasst"
    r"|bedeutet|gehort|stand for)\b"
)
_SUBTASKS = re.compile(r"\b(?:sub-?tasks?|subtareas?|teilaufgaben?)\b")
_PER_STAGE = re.compile(r"\b(?:per|each|every|by|por|cada|je|pro) (?:workflow |clinical )?(?:stage|etapa|phase)\b")
# The tool itself: what it rests on, how current its prices are, how many of its rows carry hardware figures.
_ABOUT_TOOL = re.compile(
    r"\b(?:this tool|the tool|your (?:data|prices|catalog|recommendations?|numbers)|you (?:show|use|base)|"
    r"how many (?:of )?(?:the |your )?(?:review'?s? |catalog'?s? )(?:\d+ )?(?:model )?(?:rows|models|entries)|"
    r"based on|how (?:current|recent|old|up[- ]to[- ]date)|(?:prices|figures) (?:date|from when)|"
    r"esta herramienta|tus (?:datos|precios)|dieses (?:tool|werkzeug)|ihre (?:daten|preise))\b"
)


@dataclass(frozen=True)
class Question:
    """A question, what it asks about, and where its answer should come from."""

    text: str
    source: str  # RULES | CATALOG | SIZING | LITERATURE
    kind: str  # why_not | usage | explain | model_fact | sizing | literature | stage | count | tool | gpu ...
    model: Model | None = None
    aspect: str | None = None
    terms: tuple[str, ...] = ()
    about_user_docs: bool = False
    sizes: tuple[Model, ...] = ()  # every catalog entry the name may mean ("GatorTron": 345M, 3.9B, 8.9B)
    gpu: GpuType | None = None  # a GPU type the question asks about ("what does an RTX 3090 draw?")
    gpus: tuple[GpuType, ...] = ()  # every GPU type it asks about ("an RTX A6000 and an A40: price of each?")
    # the sizing facts' model the question names when it names it more fully than any catalog entry
    # ("Llama 3.3 70B Instruct", not the catalog's "LLaMA"; "MedGemma 27B", which the review predates)
    sizing_model: str | None = None
    context: str = ""  # the rest of the user's message (statements around the question), for sizing
    follows: str = ""  # the question before this one in the message, when this one goes on from it
    about: str = ""  # the statements of the message a literature question points back to ("Is that true?")
    named: tuple[Model, ...] = ()  # every model the question names ("can BERT and RoBERTa draft letters?")

    @property
    def own_words(self) -> str | None:
        """The question's own words when it is read with the statements it refers to ("there's a paper in my
        uploads about physician letters. what hardware did they use?"): the statements find the document, the
        question says which of its sentences answers (unless its words match nothing: "Is that true?")."""
        return self.text if self.about else None


def _resolve(mentions: tuple[ModelMention, ...], rec: Recommendation | None) -> Model | None:
    """The catalog model a mention means (the recommended entry first when a name has several)."""
    if not mentions:
        return None
    shown = {m.id for m in (rec.matches + rec.partial_matches)} if rec else set()
    for model in mentions[0].models:
        if model.id in shown:
            return model
    return mentions[0].models[0]


def _top_model(catalog: Catalog, rec: Recommendation | None, position: int = 1) -> Model | None:
    shown = (rec.matches or rec.partial_matches) if rec else ()
    return catalog.model(shown[position - 1].id) if len(shown) >= position else None


def _gpu_asked(catalog: Catalog, text: str) -> GpuType | None:
    """The first GPU type a question names, if any (the sizing facts' names as people write them)."""
    return next(iter(_gpus_asked(catalog, text)), None)


def _gpus_asked(catalog: Catalog, text: str) -> tuple[GpuType, ...]:
    """Every GPU type a question names, in order ("torn between an RTX A6000 and an A40")."""
    facts = catalog.sizing_facts
    if facts is None:
        return ()
    by_key = {g.key: g for g in facts.gpus}
    return tuple(by_key[key] for key in gpu_keys_named(text, facts.gpus))


def _fit_of_the_sizing_before(catalog: Catalog, text: str, previous: str) -> bool:
    """True when a question that names no model (the caller checks) names a GPU right after a sizing question
    ("... how much memory in total? Cabe numa RTX 4090 de 24 GB?"): it asks whether that sizing fits there, in
    languages that need no "it" or "and" to say so."""
    return _gpu_asked(catalog, text) is not None and bool(SIZING_WORDS.search(normalize(previous)))


def _each_resolved(mentions: tuple[ModelMention, ...], rec: Recommendation | None) -> tuple[Model, ...]:
    """The model each mention means, in order (a mention that means none is left out)."""
    return tuple(m for m in (_resolve((mention,), rec) for mention in mentions) if m is not None)


def _sizing_model(catalog: Catalog, text: str, mentions: tuple[ModelMention, ...]) -> str | None:
    """The sizing facts' key of a model named more fully than the catalog mention (if any) names it."""
    named = catalog.sizing_facts.named_in(text) if catalog.sizing_facts is not None else None
    if named is None:
        return None
    architecture, phrase = named
    catalog_names = [squash(m.text) for m in mentions]
    if any(len(n) >= len(squash(phrase)) for n in catalog_names):
        return None
    return architecture.key


# "what about X: which GPUs ...?", "how about X - what does it cost?": a question asked of X
_WHAT_ABOUT_THEN_ASKS = re.compile(
    r"\b(?:what|how) about (?P<name>[^?:;]{1,60}?)\s*[:;,\u2013\u2014-]\s+"
    r"(?:which|what|how|where|when|who|does|do|did|is|are|can|could)\b"
)
# Measures (assistant/measures.toml) that no table of the review holds: the energy a run used (the tables hold
# the GPUs' rated watts), its emissions and its compute in GPU-hours (the tables hold the GPUs' type and
# count), a service's uptime or service level; and, for a model offered only as an API, what training cost its
# vendor (the tables hold its token prices). The literature may state them; when it does not, it says so.
_NOT_IN_ANY_TABLE = frozenset({"energy", "emissions", "compute", "availability"})
_NOT_IN_AN_API_ROW = frozenset({"training_cost"})


def _beyond_the_tables(text: str, model: Model) -> bool:
    """True when the question asks about the model for a measure no table of the review holds."""
    beyond = _NOT_IN_ANY_TABLE | (_NOT_IN_AN_API_ROW if model.access == "API" else frozenset())
    return any(m.name in beyond for m in asked_measures(text))


def _states_workload(catalog: Catalog, text: str) -> bool:
    """True when the text says how many requests or documents a day (week, month) there are."""
    facts = catalog.sizing_facts
    return facts is not None and read_situation(text, facts.gpus).workload is not None


def _is_encoder(catalog: Catalog, model: Model) -> bool:
    return architecture_type(catalog, model) == "encoder"


# What a model was built from: "how many papers was it trained on?" counts its training text, not the studies
# that used it
_TRAINING_MATTER = re.compile(
    r"\b(?:(?:trained|tuned|built) (?:\w+ )?(?:on|with|from)|training (?:corpus|data|set|text)|pre-?train\w*|corpus|"
    r"corpora|datasets?|data ?set|entrenad\w*|corpus de|trainiert\w*|vortrainiert\w*|trainingsdaten|addestrat\w*|"
    r"treinad\w*)\b"
)


def _aspect(norm: str) -> str | None:
    for name, pattern in ASPECTS.items():
        if pattern.search(norm) and not (name == "evidence" and _TRAINING_MATTER.search(norm)):
            return name
    return None


_SPEED = re.compile(
    r"\b(?:latenc\w*|speed|fast\w*|throughput|tokens? (?:per|a) second|tokens?/s|milliseconds?|"
    r"velocidad|rapid\w*|geschwindigkeit|schnell\w*)\b"
)
_MONTHLY = re.compile(
    r"\b(?:per month|a month|monthly|por mes|al mes|mensual\w*|pro monat|im monat|monatlich\w*|"
    # French, Italian, Portuguese, Dutch ("combien par mois", "al mese", "por mês", "per maand")
    r"par mois|mensuel\w*|al mese|mensil\w*|per maand|maandelijks)\b"
)


def asks_per_month(text: str) -> bool:
    """True when a question asks what something costs a month ("a single A100 per month", "monatlich")."""
    return bool(_MONTHLY.search(normalize(text)))


# one patient's case: one person's age ("for a 68 yo", "62-jahriger Raucher" opening a sentence, "paciente de 70
# anos"; not a cohort's "aged 18-65 years old" nor "many 80-year-old patients"), or "my patient"; a question
# about it asks for medical advice
_PATIENT_CASE = re.compile(
    r"(?:(?:^|[.!?]\s{1,3})\W{0,3}|\b(?:a|an|one|ein\w{0,2}|una?|une|uma?|paciente de|patient\w{0,3} (?:of|von|de))\s)"
    r"\d{1,3}[- ]?(?:years?[- ]old|yo|y/?o|yrs?[- ]old|jahrig\w{0,3}|jahre alt\w{0,2}|anos|ans|anni|jarige)\b|"
    r"\b(?:my|our|this|a) (?:\w+ )?patient (?:with|who|has|had|presenting)\b|"
    r"\b(?:mein\w{0,2} patient\w{0,2}|mi paciente|mon patient|il mio paziente|meu paciente|mijn patient)\b|"
    # a question that opens on one patient and their condition ("Doente com insuficiência cardíaca ...: devo
    # suspender a furosemida?", "Patient with CKD 4 on metformin: stop it?")
    r"^\W{0,3}(?:patient|patientin|paciente|doente|patiente|paziente)\s(?:with|mit|con|com|avec|met)\b"
)
# the assistant's own opinion, trust or preference asked for ("just your honest opinion", "would you personally")
_OPINION = re.compile(
    r"\b(?:your (?:own |honest |personal |gut )?(?:opinion|view|take|feeling|preference|gut feeling)|"
    r"(?:would|do|did|will) you (?:personally|yourself)|in your (?:honest |personal )?(?:opinion|view)|"
    r"tu opinion|su opinion|ihre meinung|deine meinung|votre avis|ton avis|il tuo parere|la tua opinione)\b"
)
_TOKEN_PRICE = re.compile(
    r"\b(?:per|a|each|/)\s?(?:million|1m|1k|thousand|mio\.?|millon|millones)?\s?(?:input |output )?tokens?\b|"
    r"\b(?:price|cost)s? (?:\w+ ){0,2}tokens?\b|\btoken (?:price|cost|pricing)s?\b"
)
_THEY = re.compile(r"\b(?:they|their|them|ellos)\b")
_POINTS_BACK = re.compile(r"\b(?:that|this|it|they|them|their|those|these|eso|esto|ello|das|dies|dieses?)\b")
_HOW_MANY = re.compile(r"\b(?:how many|cuant[oa]s|wie viele)\b")
# "Gemini Ultra and Bing Chat have no token price. What do they cost?": the models the message names
_EACH = r"each|each one|cada uno|ciascuno|jeweils|chacun"
_THEY_ALL = re.compile(rf"\b(?:they|them|both|either|ellos|ambos|beide|sie|{_EACH})\b")
_PRONOUN = re.compile(r"\b(?:it|its|this one|that one|this model|that model|lo|la|este|esta|es|ihn|dieses)\b")
# A second question that goes on from the one before it in the same message ("... on ROUGE? and what
# hardware was it trained on?"): it inherits that question's subject.
_GOES_ON = re.compile(
    r"^(?:and|also|plus|then|y|e|ademas|tambien|und|sowie|auch)\b|"
    # "how many times was each reported best?" asks of each model the question before named
    rf"\b(?:{_EACH})\b|"
    # "y biobert? en su paper cuánto mejoró ...": a possessive of the thing just named
    r"\b(?:it|its|they|them|their|su|sus|seu|sua|suo|that (?:study|paper|model)|the same (?:study|paper|model)|"
    r"ese (?:estudio|articulo|modelo)|dieser? (?:studie|artikel|modell))\b|"
    # an object pronoun before the verb of a why-not: "¿por qué no me lo propones?", "warum hast du es nicht
    # empfohlen?", "pourquoi ne le proposes-tu pas ?"
    r"\b(?:lo|la|los|las|le|les) (?:\w+ )?(?:propon(?:es|e|en|drias?)|recomiend(?:as|a|an)|recomendaste|"
    r"inclu(?:yes|ye|iste)|sugier(?:es|e)|sugeriste|mencion(?:as|aste)|muestr(?:as|a)|propos(?:es|ez)|"
    r"recommand(?:es|ez)|suggere[sz]|suggerisci|consigli)\b|"
    r"\b(?:ihn|es|sie) (?:\w+ ){0,2}(?:nicht|kein\w*) (?:\w+ ){0,2}"
    r"(?:empfohlen|vorgeschlagen|aufgenommen|aufgelistet)\b"
)


_FRAGMENT_WORDS = 3


def continues(question: str) -> bool:
    """True when a question goes on from the one before ("And at 8-bit?", "Is it open?")."""
    return bool(_GOES_ON.search(normalize(question).lstrip("\u00bf\u00a1 -\u2013\u2014\u2022*")))


def read_question(
    catalog: Catalog, text: str, rec: Recommendation | None, context: str = "", previous: str = ""
) -> Question:
    """What the question asks and which source answers it; ``context`` (the rest of the message) tells what
    "it" means ("The guide suggests PaLM-E. Why isn't it on my list?"); ``previous`` is the question before
    this one in the same message, whose subject a question that goes on from it inherits."""
    norm = normalize(text)
    mentions = find_model_mentions(catalog, text)
    goes_on = bool(previous) and (
        continues(text)
        or (not mentions and _fit_of_the_sizing_before(catalog, text, previous))
        # "flan-t5 scaling paper: journal version? which journal": a fragment too short to name its own subject
        or (not mentions and len(norm.split()) <= _FRAGMENT_WORDS)
    )
    own_context = context
    if goes_on:
        context = f"{context} {previous}".strip()
    # "Why not GPT-4? And how many watts would the first model draw?": a question that points at a row of the
    # recommendation asks about that row, not about the model of the sentence before ("is it the best model for
    # us?" still asks about that model)
    points_at_a_row = bool(_row_pointed_at(norm)) or bool(_TOP_MODEL.search(norm) and not _PRONOUN.search(norm))
    # "switching from gpt-4 to gpt-4.1. how much does gpt-4.1 cost?": the question names a model the catalog
    # lacks, so the one the rest of the message names is not what it asks about
    if not mentions and context and not points_at_a_row and not unknown_variants(catalog, text):
        around = find_model_mentions(catalog, context)
        # "it", or no subject at all where the language drops it ("LLaMA 7B aparece en mi lista. ¿Cuántas GPUs
        # hacen falta para el ajuste fino?"): the one model the rest of the message names
        if goes_on or _PRONOUN.search(norm) or len(around) == 1 or (len(around) > 1 and _THEY_ALL.search(norm)):
            mentions = around
    model = _resolve(mentions, rec)
    sizes = mentions[0].models if mentions else ()
    inherits_top = goes_on and not mentions and bool(_TOP_MODEL.search(normalize(previous)))
    if model is None and (_TOP_MODEL.search(norm) or inherits_top):
        model = _top_model(catalog, rec)  # (the second: "the top model at 4-bit? And for 12 users?")
    if model is None and (nth := _row_pointed_at(norm)):
        position = _row_number(nth.group("nth"))
        model = _top_model(catalog, rec, position)
        if model is None and rec is not None and not mentions:
            # "the sixth one on my list" of a list of one: what the list holds, not another model's figures
            return Question(text, RULES, "count", terms=(str(position),))
    # "y biobert? en su paper cuánto mejoró ...": the statement after a bare name says what it asks; after a
    # question about another model ("What does Llama 3 70B cost? And GPT-4?") it asks that question again
    alone = not own_context and not (previous and find_model_mentions(catalog, previous))
    follow = classify(catalog, text, names_a_row=model is not None and points_at_a_row, alone=alone)
    question = _routed(catalog, text, norm, rec, context, mentions, model, sizes, follow)
    resized = goes_on and bool(_A_NUMBER.search(norm)) and bool(SIZING_WORDS.search(normalize(previous)))
    if resized and question.source == LITERATURE:
        # "And with 20 nurses?" after a memory question: the same question for another load, context or precision
        named = _sizing_model(catalog, f"{context} {text}", mentions)
        return Question(text, SIZING, "sizing", model, sizing_model=named, context=context)
    if question.source != LITERATURE and (
        (_ASKS_WHAT_IT_SAYS.search(norm) and _names_a_source(context))
        or any(tells_what_a_document_says(s) for s in sentences(context))
        # "there's a paper in my uploads on fine-tuning llama for letters. what gpu did they use?": "they" are
        # its authors, so the question asks what that paper says, not what the catalog holds about LLaMA
        or (_names_own(context) and _THEY.search(norm))
    ):
        # "The review I added has a table of memory needs. What does it list for Llama 2 at 4 bits?": "it"
        # is the document the message names, so the question asks what that document says
        terms = find_terms(text)
        return Question(
            text, LITERATURE, "literature", model, terms=terms, about=context, about_user_docs=_names_own(context)
        )
    if goes_on and question.source == LITERATURE:
        return replace(question, follows=previous, about_user_docs=question.about_user_docs or _names_own(previous))
    if question.source == LITERATURE and not context and (topic := _document_topic(text)) is not None:
        # "the rsna review i uploaded - when was it accepted": the topic names the document, the rest asks
        rest = text[len(topic):].lstrip(" -\u2013\u2014:,")
        return replace(question, text=rest, about=topic, about_user_docs=question.about_user_docs or _names_own(topic))
    if question.source == LITERATURE and context and (_POINTS_BACK.search(norm) or _names_a_source(context)):
        # "Someone told me GPT-3.5 with the ACR guidelines beat radiologists. Is that in the literature?": the
        # statement is what the question asks about
        return replace(question, about=context, about_user_docs=question.about_user_docs or _names_own(context))
    return question


def separate_asks(catalog: Catalog, text: str, rec: Recommendation | None, context: str = "") -> list[str]:
    """A question that asks two things about different models of different sources ("why not GPT-4, and how
    many watts would the first model draw?") as one question per thing; any other question whole (one model's
    facts answer "how often was it used, and what's its price?"; the literature searches two things together)."""
    parts = question_parts(text)
    if len(parts) < 2:
        return [text]
    read = [read_question(catalog, part, rec, f"{context} {text}".strip()) for part in parts]
    sources = {question.source for question in read}
    # a part that names no model asks about the one the other part names ("what about Med42 70B: which GPUs
    # does it need, and what's the total purchase price?"); one that names a version the catalog lacks does not
    models = {q.model.id if q.model else None for q, part in zip(read, parts, strict=True)
              if q.model or unknown_variants(catalog, part)}  # fmt: skip
    if len(sources) < 2 or len(models) < 2 or sources == {LITERATURE}:
        return [text]
    return [f"{part}?" for part in parts]


# "What does it list ...?", "¿qué dice ...?", "was nennt er ...?": a question about what a document says.
_ASKS_WHAT_IT_SAYS = re.compile(
    r"\b(?:does|did|do) (?:it|they|that|this|he|she) (?:\w+ )?(?:list|say|report|give|quote|state|find|show|"
    r"propose|recommend|suggest|mention|describe|cite)\b|"
    r"\b(?:que|cuant[oa]s?|cual\w*) (?:\w+ ){0,2}(?:dice|indica|recoge|propone|recomienda|menciona|describe|cita|da)\b|"
    r"\b(?:was|wie ?viel\w*|welche\w*) (?:\w+ ){0,3}(?:sagt|nennt|listet|empfiehlt|beschreibt|berichtet|zitiert|gibt)\b"
)


MIN_ASKED_WORDS = 3  # after the topic, a question of its own


# "there was a paper about letters in radiation oncology, how did the clinicians score it?": a comma before a
# question word ends a topic too
_COMMA_THEN_ASKED = re.compile(
    r",\s+(?=(?:how|what|which|who|when|where|why|did|does|do|was|were|is|are|can|could)\b)", re.IGNORECASE
)
_ADVERBIAL = re.compile(r"^\W*(?:in|across|according|for|from|on|within|throughout|under|per|at|by|based)\b")
# "a paper about ...", "one study on ...": a document named without "the"
_A_DOCUMENT = re.compile(r"\b(?:a|an|one) (?:\w+ ){0,2}(?:paper|study|article|review|preprint|tutorial|guide)\b")


def _document_topic(text: str) -> str | None:
    """The topic before a question's dash, colon or comma when it names a document and a question of a few
    words follows ("the best practices writeup in my library: what does it recommend for reproducibility")."""
    mark = TOPIC_MARK.search(text)
    if mark is None and (comma := _COMMA_THEN_ASKED.search(text)) and not _ADVERBIAL.match(normalize(text)):
        mark = comma  # "In the guide I uploaded, what ...": a phrase opened by a preposition is part of the question
    if mark is None or len(text[mark.end():].split()) < MIN_ASKED_WORDS:
        return None
    topic = text[: mark.start()]
    return topic if _names_a_source(topic) or _A_DOCUMENT.search(normalize(topic)) else None


def _names_own(text: str) -> bool:
    """True when the text names the user's own documents ("the paper I added", "my documents")."""
    return bool(_USER_DOCS.search(normalize(text)))


# what may stand between two names asked about together: "Gemini Ultra and Bing Chat", "GPT-4, Claude or PaLM"
_CONJUNCTION = re.compile(r"^[\s,;/&+]*(?:(?:and|or|vs\.?|versus|y|o|und|oder|et|ou|e)[\s,;/&+]*)?$", re.IGNORECASE)


def _joined_mentions(text: str, mentions: tuple[ModelMention, ...]) -> tuple[ModelMention, ...]:
    """The first mention and those joined to it by a comma or a conjunction only (not "mistral instead of
    llama", which asks about one of them)."""
    joined = list(mentions[:1])
    at = text.find(mentions[0].text) + len(mentions[0].text) if mentions else 0
    for mention in mentions[1:]:
        start = text.find(mention.text, at)
        if start < 0 or not _CONJUNCTION.match(text[at:start]):
            break
        joined.append(mention)
        at = start + len(mention.text)
    return tuple(joined)


def _names_a_source(context: str) -> bool:
    """True when the statements around a question name a document: the user's own or a review, paper, guide."""
    return _names_own(context) or bool(_SOURCE_CITED.search(normalize(context)))


def _routed(
    catalog: Catalog,
    text: str,
    norm: str,
    rec: Recommendation | None,
    context: str,
    mentions: tuple[ModelMention, ...],
    model: Model | None,
    sizes: tuple[Model, ...],
    follow: FollowUp | None,
) -> Question:
    """The source and kind of a question whose model mentions are resolved."""
    if _PATIENT_CASE.search(norm) or _PATIENT_CASE.search(normalize(context)):
        # a decision about one patient's care: medical advice, which this tool never gives
        return Question(text, LITERATURE, "patient_case", model)
    if _OPINION.search(norm):
        # the assistant has no opinion of its own to give: it says so and offers the closest passages
        return Question(text, LITERATURE, "opinion", model)
    if _USER_DOCS.search(norm):
        return Question(text, LITERATURE, "literature", model, terms=find_terms(text), about_user_docs=True)
    if model is not None and _BEST_COUNT.search(norm) and not _WHY_RANK.search(norm) and not _ASKS_MORE.search(norm):
        # "gpt4 vs gpt3.5, which got reported best more often in the review?": the review's own counts
        all_named = _each_resolved(mentions, rec)
        # one name with several rows ("medalpaca": unsized, 7B, 13B) counts each row, as studies differ by size
        counted = all_named if len(all_named) > 1 else (sizes or all_named or (model,))
        unique = tuple({m.id: m for m in counted}.values())
        return Question(text, CATALOG, "best_count", model, named=unique)
    if follow is not None and follow.kind == WHY_NOT and (asked := _WHAT_ABOUT_THEN_ASKS.search(norm)):
        # "Med42-v2 is on our list, but what about the older Med42 70B: which GPUs does it need?" asks the
        # question after the colon of the model after "what about", not why that model is in or out
        about = find_model_mentions(catalog, asked.group("name"))
        if about:
            model, sizes, follow = _resolve(about[:1], rec), about[0].models, None
    if follow is not None and follow.kind == WHY_NOT and (model is not None or not _cites_a_source(norm)):
        return Question(text, RULES, "why_not", model or _resolve(follow.models, rec))
    if model is None and _SUBTASKS.search(norm) and (stage := _STAGE_NAMED.search(norm) or _PER_STAGE.search(norm)):
        # the review's shape, "which sub-tasks does the review list under stage 2?", "how many sub-tasks per
        # stage?": the review is the catalog here, not a document to search
        if stage.re is _PER_STAGE:
            return Question(text, CATALOG, "tool")
        return Question(text, CATALOG, "stage", terms=(stage.group(1),))
    if _cites_a_source(norm):
        return Question(text, LITERATURE, "literature", model, terms=find_terms(text))
    if model is not None and _beyond_the_tables(text, model):
        return Question(text, LITERATURE, "literature", model, terms=find_terms(text))
    if model is not None and _CAN_WRITE.search(norm):
        all_named = _each_resolved(mentions, rec)
        if any(_is_encoder(catalog, m) for m in all_named or (model,)):
            return Question(text, RULES, "can_write", model, named=all_named or (model,))
    if model is not None and _WHY_RANK.search(norm) and rec is not None:
        return Question(text, RULES, "why_not", model)
    if model is None and rec is not None and _MY_STAGE.search(norm):
        return Question(text, RULES, "my_stage")
    if (stage := _STAGE_NAMED.search(norm)) and model is None and _ABOUT_A_STAGE.search(norm):
        return Question(text, CATALOG, "stage", terms=(stage.group(1),))
    if model is None and rec is not None and ASPECTS["star"].search(norm) and _ANY_OF_THEM.search(norm):
        return Question(text, RULES, "starred")  # "do any of them have a star?", "¿alguno lleva estrella?"
    if model is None and rec is not None and _HOW_MANY_MODELS.search(norm):
        return Question(text, RULES, "count")
    if model is None and rec is not None and _LEFT_OUT.search(norm) and _WHICH_MODELS.search(norm):
        return Question(text, RULES, "left_out")
    if (
        model is None
        and rec is not None
        and _WHICH_OF_THESE.search(norm)
        and (
            ASPECTS["hardware"].search(norm)
            or ASPECTS["access"].search(norm)
            or re.search(r"\b(?:own|local\w*)\b", norm)
        )
    ):
        return Question(text, RULES, "own_hardware")
    if model is None and (extreme := _PRICE_EXTREME.search(norm)) and _GPU_WORD.search(norm):
        return Question(text, CATALOG, "gpu_prices", terms=("cheapest" if extreme.group("low") else "dearest",))
    gpu = _gpu_asked(catalog, text) if model is None else None
    priced = gpu or (_gpu_asked(catalog, context) if model is None else None)  # "offered A800s. their price?"
    if priced is not None and (ASPECTS["power"].search(norm) or ASPECTS["price"].search(norm)):
        # "one RTX 4090 around the clock: the monthly cost with electricity, against renting a GPU?" asks that
        # card's prices, though it names terms the glossary explains ("GPU", "cloud"); and "what price does your
        # catalog have for that one?" asks them of the card the message named, not about the catalog
        gpu_types = _gpus_asked(catalog, text) or _gpus_asked(catalog, context)
        return Question(text, CATALOG, "gpu", gpu=priced, gpus=gpu_types)
    if model is None and _ABOUT_TOOL.search(norm):
        return Question(text, CATALOG, "tool")
    definition = bool(_DEFINITION.search(norm)) and model is None
    # "Suppose we ran Llama 2 13B at 4-bit for three radiologists. What's the total GPU memory?" asks an amount of
    # the model the message names, not what a GPU is
    sized_before = model is None and bool(SIZING_WORDS.search(norm) and _ASKS_TOTAL.search(norm) and context)
    if follow is not None and follow.kind == EXPLAIN and follow.terms and model is None and not (
        sized_before and find_model_mentions(catalog, context)
    ):
        return Question(text, CATALOG, "explain", model, terms=follow.terms)
    if (
        model is not None
        and ASPECTS["hardware"].search(norm)
        and _REPORTED.search(norm)
        and (not _MEMORY_ASKED.search(norm) or _IN_THE_STUDIES.search(norm))
    ):
        # (not "if a nurse used Llama 2 7B at 4-bit, how much GPU memory?": an amount for the calculator; "which
        # GPU was it fine-tuned on, and how much memory did it have?" still asks what the studies used)
        return Question(text, CATALOG, "model_fact", model, "hardware", sizes=sizes)
    if gpu is not None and _DEFINITION.search(norm):
        return Question(text, CATALOG, "gpu", gpu=gpu)
    sizing = (
        SIZING_WORDS.search(norm)
        or (model is not None and FINETUNE_NEEDS.search(norm))
        or (_HOW_MANY.search(norm) and (gpu if model is None else _gpu_asked(catalog, text)) is not None)
    )  # (the last: "how many H100s is that?")
    if sizing and model is not None and model.access == "API" and _SPEED.search(norm):
        sizing = None  # a vendor's service has no hardware to size: its speed is a question for the literature
    reported = any(m.phases for m in (model, *sizes) if m is not None)
    own_terms = _MONTHLY.search(norm) or _gpu_asked(catalog, text) is not None  # "a single A100 per month"
    if model is not None and model.access != "API" and _TOKEN_PRICE.search(norm):
        # a price per token of a model the catalog prices by hardware: a vendor's price list in the literature
        return Question(text, LITERATURE, "literature", model, terms=find_terms(text))
    if model is not None and model.access != "API" and (not reported or own_terms) and ASPECTS["price"].search(norm):
        # the catalog prices only the hardware studies reported; with none reported, or a monthly rent or a named
        # GPU asked for, the calculator's estimate answers
        return Question(text, SIZING, "sizing", model, context=context)
    api_bill = model is not None and model.access == "API" and ASPECTS["price"].search(norm)
    if api_bill and _states_workload(catalog, f"{context} {text}"):
        # "500 letters a day of 2,000 tokens through GPT-4: the monthly bill?": the calculator prices the tokens
        return Question(text, SIZING, "sizing", model, context=context)
    if sizing:
        if model is None and not mentions and context:  # "Llama 3.1 70B, 20 users. What's the KV cache?"
            mentions = find_model_mentions(catalog, context)
            # "Suppose we swapped the LLaMA2 for Llama 2 13B ...": of several, the one named last is the one meant
            model = _resolve(mentions[-1:], rec)
        named = _sizing_model(catalog, f"{context} {text}".strip(), mentions)
        # "GGUF vs AWQ: which can spill over into system RAM?" names no model and asks no amount: a question
        # about the methods, for the literature
        methods_only = model is None and named is None and not _ASKS_AMOUNT.search(norm)
        # with a model named, "what's the KV cache?" asks for a figure, not for a definition
        if (
            not methods_only
            and not (definition and model is None and named is None)
            and not (model is not None and ASPECTS["price"].search(norm))
        ):
            return Question(text, SIZING, "sizing", model, sizing_model=named, context=context)
    if model is not None:
        aspect = _aspect(norm)  # "what is RaDialog's sensitivity?" names no aspect: the literature answers it
        if aspect == "access" and _SPEED.search(norm):
            aspect = None  # "the latency of the GPT-4 API in ms?" asks a speed, which no table holds
        if aspect == "evidence":
            return Question(text, CATALOG, "usage", model, aspect)
        if aspect is not None:
            # "Gemini Ultra and Bing Chat: what do they cost?" asks the same of each model it names together
            joined = _joined_mentions(text if mentions and mentions[0].text in text else context, mentions)
            together = tuple({m.id: m for m in _each_resolved(joined, rec)}.values())
            return Question(text, CATALOG, "model_fact", model, aspect, sizes=sizes, named=together)
    # with a model named, only a question about the term itself is for the glossary: "what is that fine-tuning
    # set called?" asks about the model's data
    if follow is not None and follow.kind == EXPLAIN and follow.terms and asks_what_a_term_is(text, follow.terms):
        return Question(text, CATALOG, "explain", model, terms=follow.terms)
    terms = find_terms(text)
    return Question(text, LITERATURE, "literature", model, terms=terms)


_RECOMMEND = re.compile(
    r"\b(?:(?:which|what|best|right|suitable|good) (?:\w+ ){0,2}(?:models?|llms?|language models?|ai)|"
    r"recommend\w*|suggest\w*|(?:que|cual|mejor) (?:\w+ ){0,2}(?:modelos?|llm)|recomienda\w*|"
    r"(?:welche\w*|beste\w*|passende\w*) (?:\w+ ){0,2}(?:modell\w*|llm)|empfiehl\w*|empfehl\w*)\b"
)


def asks_for_recommendation(text: str) -> bool:
    """True when a question asks for the recommendation itself ("which model should we use for ...?", "is there a
    model that can summarise our CT reports?", "could an AI draft the letters?")."""
    norm = normalize(text)
    return bool(_RECOMMEND.search(norm) or CAPABILITY_QUESTION.search(norm))
