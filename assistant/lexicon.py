"""Keyword patterns (English, Spanish, German) that the rule-based reader maps to stages and answers.

Every pattern is matched against text that ``normalize`` has lower-cased and stripped of accents (so
"radióloga" is written ``radiologa`` and "Übergabe" ``ubergabe``; ß is ``ss``). Patterns are regular
expressions; keep them narrow: a pattern that fires on text that does not answer its question produces a
hallucinated answer, which is worse than an unanswered question (the dialogue simply asks it).

Three kinds of entries:

- ``GENERAL_CUES``: the four questions every stage asks (modality, sharing, deployment). A *polar* cue
  gives its value unless a negation precedes it in the same clause ("no cloud" flips "cloud"); a fixed cue
  already carries its own negation ("can't leave the hospital") and is never flipped.
- ``TASK_CUES``: task questions. Each maps stages to the question id that the phrase answers in that
  stage. A cue with exactly one stage names the stage ("discharge letter" -> V); a generic cue
  ("summarise", "answer questions") only answers once the stage is known.
- ``ROLE_CUES`` and ``STAGE_CUES``: who the user is, or a stage named outright; they only point at a stage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


def normalize(text: str) -> str:
    """Lower-case, accent-free, straight-apostrophe text that the patterns are written against."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("ß", "ss").casefold()
    text = re.sub(r"(?<=s)'(?=\s|$)", "", text)  # "patients' questions" -> "patients questions"
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


@dataclass(frozen=True)
class GeneralCue:
    """A phrase that answers one of the four general questions."""

    question_id: str
    pattern: re.Pattern[str]
    value: bool
    polar: bool = True  # a negation before the phrase flips the value
    # "just text" names no direction: input by default, output when output_text_only was just asked
    either_modality: bool = False


@dataclass(frozen=True)
class TaskCue:
    """A phrase that answers a task question: stage -> question id it answers there."""

    targets: Mapping[str, str]
    pattern: re.Pattern[str]

    @property
    def specific(self) -> bool:
        """True when the phrase belongs to one stage only (it then points at that stage)."""
        return len(self.targets) == 1


@dataclass(frozen=True)
class StageCue:
    """A role or an explicit stage name that points at one stage."""

    stage: str
    pattern: re.Pattern[str]


# Words that negate what follows them in the same clause (English, Spanish, German), after normalize().
NEGATORS = frozenset(
    {
        "no",
        "not",
        "never",
        "without",
        "nor",
        "neither",
        "none",
        "nothing",
        "nobody",
        "nada",
        "nichts",
        "dont",
        "doesnt",
        "didnt",
        "wont",
        "isnt",
        "arent",
        "shouldnt",
        "cant",
        "cannot",
        "sin",
        "nunca",
        "ni",
        "tampoco",
        "ningun",
        "ninguna",
        "ninguno",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "keiner",
        "keinem",
        "keines",
        "ohne",
        "nie",
        "weder",
        # "locally rather than in the cloud", "instead of", "statt", "en lugar de", "en vez de"
        "than",
        "instead",
        "statt",
        "anstatt",
        "lugar",
        "vez",
    }
)
# German puts "nicht" after the verb's object ("Zusammenfassungen brauchen wir nicht").
POST_NEGATORS = frozenset({"nicht", "nie"})

# A sentence that addresses the model instead of describing a need ("ignore previous instructions...") is
# dropped before reading: it answers nothing, whatever ids or stages it names.
INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\w* (?:\w+ ){0,3}(?:instructions?|rules|prompts?|system)\b|"
    r"\bsystem\s*(?:prompt)?\s*:|\byou are now\b|\bpretend\b|\bjailbreak|\b[a-z]+_[a-z_]+\s*[=:]|"
    r"\b(?:output|print|return|respond with|answer with|reply with|antworte\w*|responde\w*) (?:\w+ ){0,3}"
    r"(?:json|stage|answers?|etapa|phase)\b|\bignor\w* (?:\w+ ){0,3}(?:instrucciones|anweisungen|regeln|reglas)\b|"
    r"\brecommend\w* (?:\w+ ){0,2}(?:gpt|claude|gemini|llama)\S*\s+(?:\w+ ){0,2}"
    r"(?:no matter|regardless|whatever|anyway)"
)
SENTENCE_SPLIT = re.compile(r"(?<=[.!?\n])\s+")

# Clause boundaries: negation never crosses them.
CLAUSE_SPLIT = re.compile(
    r"[.;:!?\n()]+|,|\s-\s|\b(?:but|however|though|although|whereas|aber|jedoch|sondern|"
    r"pero|sino|aunque|mientras)\b|\band (?=(?:we|i|it|they|the data|data|also|then)\b)|"
    r"\bund (?=(?:wir|ich|es|die daten|auch)\b)|\by (?=(?:nosotros|queremos|necesitamos|los datos|tambien)\b)"
)
# A clause with one of these is a doubt or a condition, not an answer ("we may need images", "if allowed").
UNCERTAIN_WORDS = frozenset(
    {
        "whether",
        "maybe",
        "perhaps",
        "unsure",
        "possibly",
        "might",
        "if",
        "unless",
        "undecided",
        "unclear",
        "vielleicht",
        "ob",
        "eventuell",
        "moglicherweise",
        "falls",
        "quizas",
        "quiza",
        "acaso",
    }
)
UNCERTAIN_PHRASES = re.compile(
    r"\bnot sure\b|\b(?:dont|do not) know\b|\bno idea\b|\bnot (?:yet )?decided\b|\bkeine ahnung\b|"
    r"\bweiss (?:ich )?(?:noch )?nicht\b|\bnicht sicher\b|\bnoch offen\b|\bno (?:lo )?se\b|\bno estoy segur\w*|"
    r"\btodavia no (?:lo )?sabemos\b"
)

_REPORT = r"(?:reports?|befund\w*|informes?)"
_EXAM = (
    r"(?:radiolog\w*|ct|tc|mri|mrt|rm|mr|x-?rays?|rontgen\w*|radiograph\w*|ultrasound|sonograph\w*|ecograf\w*|"
    r"mammogra\w*|ecg|ekg|echo\w*|patholog\w*|histolog\w*|imaging|exam\w*|examination|pet|scan|lab\w*|"
    r"estudios?|untersuchungs?\w*)"
)
_SUMMARISE = (
    r"(?:summar\w*|condens\w*|shorten\w*|resum\w*|sintetiz\w*|zusammenfass\w*|zusammen\s*zu\s*fassen|"
    r"fass\w*\s+(?:\w+\s+){0,4}zusammen)"
)
_WRITE = (
    r"(?:draft\w*|writ(?:e|es|ing)\b|wrote|generat\w*|creat\w*|produc\w*|prepar\w*|dictat\w*|compos\w*|redact\w*|"
    r"redacc\w*|escrib\w*|generar\w*|elabor\w*|entwerf\w*|entwurf\w*|entwirf\w*|schreib\w*|erstell\w*|"
    r"verfass\w*|formulier\w*)"
)
_QUESTIONS = r"(?:questions?|queries|preguntas?|dudas|fragen?)"
_ANSWER_Q = (
    rf"(?:answer\w*\s+(?:[\w'-]+\s+){{0,4}}{_QUESTIONS}|{_QUESTIONS}\s+(?:[\w'-]+\s+){{0,8}}answer\w*|"
    rf"\bask\w*\s+(?:[\w'-]+\s+){{0,3}}{_QUESTIONS}|"
    rf"question[- ]answering|\bq\s*&\s*a\b|\bqa\b|chat\s?bot|"
    rf"respond\w*\s+(?:\w+\s+){{0,3}}{_QUESTIONS}|contest\w*\s+(?:\w+\s+){{0,3}}{_QUESTIONS}|"
    rf"{_QUESTIONS}\s+(?:\w+\s+){{0,5}}(?:beantwort\w*|contest\w*|respond\w*)|beantwort\w*)"
)
_EXTRACT = (
    r"(?:extract\w*|pull\w* (?:[\w-]+ ){0,4}out\b|information extraction|named entit\w*|\bner\b|"
    r"extra(?:er|iga\w*|cc\w*)|"
    r"extrahier\w*|herausziehen|herauszuziehen|strukturier\w*\s+(?:\w+\s+){0,2}daten)"
)

GENERAL_CUES: tuple[GeneralCue, ...] = (
    # --- input_text_only: images, sound, video or signals go in -> no; "text only" -> yes
    GeneralCue(
        "input_text_only",
        _rx(
            r"\bimages?\b",
            r"\bimagery\b",
            r"\bscans\b",
            r"\bpictures?\b",
            r"\bphotos?\b",
            r"\bphotographs?\b",
            r"\b(?:whole[- ]slide|histology|pathology) (?:images?|slides?)\b",
            r"\bslides\b",
            r"\bdicom\b",
            r"\bpixels?\b",
            r"\bx-?rays\b(?! reports?)",
            r"\bradiographs\b",
            r"\bmammograms\b",
            r"\b(?:ecg|ekg) (?:traces?|signals?|waveforms?|curves?)\b",
            r"\bwaveforms?\b",
            r"\btime[- ]series\b",
            r"\baudio\b",
            r"\b(?:respiratory|lung|breath|breathing|heart|cough) sounds\b",
            r"\bby voice\b",
            r"\bvoice (?:input|questions|conversations?|messages)\b",
            r"\bspoken questions\b",
            r"\b(?:voice|sound|speech) (?:recordings?|input|notes|memos)\b",
            r"\brecordings?\b",
            r"\bvideos?\b",
            r"\bimagen(?:es)?\b",
            r"\bfotos?\b",
            r"\bgrabaciones\b",
            r"\bbild(?:er|ern|daten)?\b",
            r"\b\w+-?bild(?:er|ern)\b",
            r"\baufnahmen\b",
            r"\bbildgebung(?:sdaten)?\b",
            r"\btonaufnahmen\b",
        ),
        False,
    ),
    GeneralCue(
        "input_text_only",
        _rx(
            r"\b(?:only|just|purely|pure|nothing but|solely) (?:free[- ])?text\b(?!\s*(?:back|output|out)\b)",
            r"\btext[- ]only\b",
            r"\bnur (?:aus )?texte?\b",
            r"\b(?:solo|solamente|unicamente) (?:texto|textos)\b",
        ),
        True,
        polar=False,
        either_modality=True,
    ),
    GeneralCue(
        "input_text_only",
        _rx(
            r"\btext in,? text out\b",
            r"\bonly (?:written|typed) (?:text|notes|reports)\b",
            r"\b(?:everything|all of it|all the input|the input) (?:is|will be) (?:just |only )?(?:text|written)\b",
            r"\btodo (?:es )?texto\b",
        ),
        True,
        polar=False,
    ),
    # --- output_text_only: an outlined region or speech back -> no; "text back is enough" -> yes
    GeneralCue(
        "output_text_only",
        _rx(
            r"\bsegment\w*",
            r"\boutlin\w*",
            r"\bdelineat\w*",
            r"\bcontour\w*",
            r"\bmasks?\b",
            r"\bbounding box\w*",
            r"\bread (?:it |them )?(?:out )?aloud\b",
            r"\bspoken (?:back|aloud)\b",
            r"\bhear (?:the |an |their )?answers?\b",
            r"\b(?:speech|spoken|voice|audio) (?:output|answers?|replies|reply|back)\b",
            r"\bsegmentier\w*",
            r"\bsegmentacion\w*",
            r"\bsegmentar\b",
        ),
        False,
    ),
    GeneralCue(
        "output_text_only",
        _rx(
            r"\b(?:only|just) (?:need |want )?(?:text|words|written answers) (?:back|out|as output)\b",
            r"\btext (?:back )?is (?:all|enough)\b",
            r"\btext(?: output)? is all (?:i|we) need\b",
            r"\b(?:output|answers?|results?) (?:is|are|will be) (?:just |only )?text\b",
            r"\btext[- ]only output\b",
            r"\btext in,? text out\b",
            r"\bnur text (?:zuruck|als ausgabe)\b",
            r"\b(?:solo|solamente) (?:texto|respuestas de texto) (?:de vuelta|como salida)\b",
        ),
        True,
        polar=False,
    ),
    # --- data_sharing
    GeneralCue(
        "data_sharing",
        _rx(
            r"\b(?:can ?not|cant|can't|must ?not|mustn'?t|may not|should ?n'?t|shouldnt|are not allowed to|is not "
            r"allowed to|aren'?t allowed to|isn'?t allowed to|never|won'?t|will not|do not|don'?t) "
            r"(?:\w+ ){0,2}(?:leave|be shared|be sent|be uploaded|be transferred|be published|share|send|upload|"
            r"transfer|publish)\b",
            r"\b(?:must|has to|have to|needs? to|should) (?:stay|remain|be kept|be stored) (?:\w+ ){0,2}"
            r"(?:in|inside|within|on)\b",
            r"\b(?:stays?|remains?|kept) (?:inside|within|in) (?:the |our )?"
            r"(?:hospital|house|network|building|premises|"
            r"clinic|firewall|country|eu)\b",
            r"\b(?:stays?|remains?|kept|keep\w*) (?:\w+ ){0,2}(?:in-house|in house)\b",
            r"\bno (?:data )?sharing\b",
            r"\b(?:cannot|can'?t|can not|must not|may not|not allowed to|don'?t|do not|won'?t) share\b",
            r"\bnot (?:be )?(?:shared|sent|uploaded|published)\b",
            r"\b(?:never|not) (?:to |with )?(?:third[- ]part(?:y|ies)|an external|external)\b",
            r"\bno (?:third[- ]part(?:y|ies)|external (?:apis?|services?|vendors?|servers?))\b",
            r"\b(?:no|not) (?:leave|leaving|salir|sale|salga|verlassen)\b",
            r"\bno (?:pueden|puede|deben|debe|podemos|se pueden|se puede|se deben|se debe) (?:\w+ ){0,2}"
            r"(?:salir|compartir|compartirse|enviar|enviarse|publicar|ceder|sacar)\b",
            r"\b(?:quedarse|permanecer|quedar|queden|quede|quedan|permanezcan|permanecen) (?:\w+ ){0,1}(?:en|dentro)\b",
            r"\bsin compartir\b",
            r"\bdurfen (?:\w+ ){0,4}nicht (?:\w+ ){0,2}(?:verlassen|geteilt|weitergegeben|ubermittelt|"
            r"veroffentlicht|hochgeladen|raus|hinaus)\w*",
            r"\bnicht (?:\w+ ){0,2}(?:verlassen|teilen|weitergeben|geteilt|weitergegeben|ubermittelt|"
            r"veroffentlicht)\b",
            r"\b(?:bleiben|verbleiben|bleibt) (?:\w+ ){0,3}(?:im|in der|in unserem|intern)\b",
            r"\bnicht an dritte\b",
            r"\bkeine weitergabe\b",
        ),
        False,
        polar=False,
    ),
    GeneralCue("data_sharing", _rx(r"\bconfidential\w*", r"\bconfidencial\w*", r"\bvertraulich\w*"), False),
    GeneralCue(
        "data_sharing",
        _rx(
            r"\b(?:data|it|they) (?:can|may|could) be (?:shared|sent|published|uploaded)\b",
            r"\b(?:sharing|to share)(?: the data)? is (?:fine|ok|okay|allowed|not a problem|no problem)\b",
            r"\b(?:we|i) (?:can|may) share\b",
            r"\b(?:public|publicly available|open) (?:data|dataset|data set)s?\b",
            r"\bdata (?:is|are) (?:public|publicly available|fully anonymi[sz]ed|anonymous)\b",
            r"\b(?:se pueden|pueden|podemos|se puede|puede) (?:\w+ ){0,1}compartir\w*",
            r"\bdatos (?:son )?publicos\b",
            r"\b(?:durfen|konnen) (?:\w+ ){0,3}(?:geteilt|weitergegeben|veroffentlicht) werden\b",
            r"\boffentliche daten\b",
        ),
        True,
    ),
    # --- deploy_local
    GeneralCue(
        "deploy_local",
        _rx(
            r"\bon[- ]?prem\w*",
            r"\b(?:our|its|their) own (?:\w+ ){0,1}"
            r"(?:servers?|hardware|gpus?|machines?|infrastructure|data ?cent(?:er|re))\b",
            r"\b(?:run|host|deploy|install|operate)\w* (?:\w+ ){0,3}(?:locally|in-house|in house)\b",
            r"\blocal(?:ly)? (?:deploy\w*|hosting|hosted|installation|servers?|gpus?|hardware)\b",
            r"\b(?:run|runs|running) locally\b",
            r"\blocally\b(?! advanced)",
            r"\b(?:eigenen|eigener|hauseigenen) (?:\w+ ){0,1}(?:servern?|hardware|gpus?|rechenzentrum|infrastruktur)\b",
            r"\blokal(?:e|en|er|es|em)?\b",
            r"\bvor ort\b",
            r"\bnuestros? propios? (?:servidores|equipos|gpus?|hardware|centro de datos)\b",
            r"\b(?:en local|localmente|instalacion local)\b",
        ),
        True,
        polar=False,
    ),
    GeneralCue(
        "deploy_local",
        _rx(r"\b(?:the )?cloud\b", r"\bla nube\b", r"\bnube\b", r"\bcloud\w*"),
        False,
    ),
    GeneralCue(
        "deploy_local",
        _rx(
            r"\brent\w* (?:\w+ ){0,2}gpus?\b",
            r"\b(?:aws|azure|google cloud|gcp)\b",
            r"\bgpus? (?:by the hour|per hour)\b",
            r"\b(?:mieten|gemietet\w*)\b",
            r"\b(?:haben|hat|besitzen) (?:\w+ ){0,1}(?:keine|kein|keinen) (?:eigenen? )?(?:gpus?|server|hardware)\b",
            r"\bno (?:tenemos|tiene\w*) (?:\w+ ){0,1}(?:gpus?|servidores|hardware)\b",
            r"\balquil\w* (?:\w+ ){0,2}gpus?\b",
            r"\b(?:don'?t|do not|doesn'?t|does not) (?:\w+ ){0,1}(?:have|own) (?:any |our own )?"
            r"(?:gpus?|servers?|hardware)\b",
        ),
        False,
        polar=False,
    ),
)


def _only(stage: str, question_id: str, *alternatives: str) -> TaskCue:
    return TaskCue(MappingProxyType({stage: question_id}), _rx(*alternatives))


def _generic(targets: Mapping[str, str], *alternatives: str) -> TaskCue:
    return TaskCue(MappingProxyType(dict(targets)), _rx(*alternatives))


# Specific cues first: a generic cue that overlaps a specific one is ignored ("discharge summary" is a
# discharge document, not a summary of records).
TASK_CUES: tuple[TaskCue, ...] = (
    # I: registration
    _only(
        "I",
        "registration_recommendation",
        r"\b(?:which|what|right|correct|appropriate|suitable) (?:\w+ ){0,2}"
        r"(?:department|clinic|specialty|specialist|service)",
        r"\b(?:register|registration|book(?:ing)? (?:an |the )?appointments?|appointment booking)\b",
        r"\b(?:direct|route|send|refer|guide)\w* (?:\w+ ){0,3}(?:to the right|to the correct|to a) "
        r"(?:department|clinic|specialty)",
        r"\b(?:welche|richtige|passende) (?:\w+ ){0,1}(?:abteilung|fachabteilung|ambulanz|klinik|sprechstunde)",
        r"\banmeldung\b",
        r"\b(?:que|cual|el) (?:\w+ ){0,1}(?:departamento|servicio|especialidad|consulta) (?:adecuad\w*|correct\w*)",
        r"\b(?:a que|que) (?:departamento|servicio|especialidad)\b",
        r"\bderiv\w* (?:\w+ ){0,3}(?:departamento|servicio|especialidad)",
        r"\b(?:registro|admision) de pacientes\b",
    ),
    # II: examination reports and images
    _only(
        "II",
        "radiology_report_summarization",
        rf"{_SUMMARISE} (?:(?!discharg|alta|entlass)[\w-]+ ){{0,4}}{_REPORT}",
        rf"(?<!discharge ){_REPORT} (?:\w+ ){{0,4}}{_SUMMARISE}",
        rf"\b(?:summar\w*|resumen\w*|zusammenfassung\w*) (?:of |de |der )?(?:\w+ ){{0,2}}{_REPORT}",
        r"\bimpressions?\b",
    ),
    _only(
        "II",
        "radiology_text_generation",
        rf"{_WRITE} (?:(?!summar|resum|zusammen)[\w-]+ ){{0,3}}{_EXAM}[ -]{_REPORT}",
        rf"{_WRITE} (?:(?!summar|resum|zusammen)[\w-]+ ){{0,2}}{_REPORT} "
        rf"(?:de |del |of |der |for |fur |para )?(?:\w+ ){{0,1}}{_EXAM}\b",
        rf"{_WRITE} (?:(?!summar|resum|zusammen)[\w-]+ ){{0,3}}[\w-]*befund\w*",
        rf"befund\w* (?:\w+ ){{0,3}}{_WRITE}",
        rf"{_EXAM}[ -]{_REPORT} (?:\w+ ){{0,3}}{_WRITE}",
        rf"{_EXAM}[ -]{_REPORT} generat\w*",
        r"\breport generation\b",
        r"\bstructured report\w*",
        r"\bstandardi[sz]\w* (?:\w+ ){0,2}reports?",
        r"\bsimplif\w* (?:\w+ ){0,3}reports?",
        r"\breports? (?:\w+ ){0,2}(?:in|into) (?:plain|simple|lay) language",
        r"\b(?:plain|simple|lay)[- ]language (?:\w+ ){0,3}(?:of |for )?(?:\w+ ){0,2}reports?",
        r"\b(?:check|proofread|review)\w* (?:\w+ ){0,3}reports? for (?:errors|mistakes)",
        r"\berror[- ]check\w*",
        r"\b(?:imaging|scan|exam) protocols?\b",
        r"\bprotocol(?:l)?ing\b",
        r"\bclinical histor(?:y|ies)\b",
        r"\bbefundung\b",
        r"\bbefunderstellung\b",
        r"\bbefundbericht\w*",
    ),
    _only(
        "II",
        "examination_qa",
        rf"{_QUESTIONS} (?:\w+ ){{0,4}}(?:about|on|regarding|sobre|zu|uber) (?:\w+ ){{0,2}}"
        rf"(?:{_REPORT}|{_EXAM}|findings|results|hallazgos|resultados|ergebnisse)",
    ),
    _only(
        "II",
        "examination_report_extraction",
        rf"{_EXTRACT} (?:[\w-]+ ){{0,5}}(?:from|of|in|de|aus) (?:[\w-]+ ){{0,2}}{_REPORT}",
        rf"\b(?:measurements|findings) (?:\w+ ){{0,3}}(?:from|in) (?:\w+ ){{0,2}}{_REPORT}",
    ),
    _only(
        "II",
        "disease_diagnosis",
        rf"\b(?:classif\w*|sort\w*|triag\w*|prioriti[sz]\w*|flag\w*|clasific\w*|priori\w*|klassifizier\w*) "
        rf"(?:\w+ ){{0,3}}(?:{_REPORT}|exams|examinations|studies|worklists?|findings|hallazgos|estudios|"
        rf"untersuchungen)",
        r"\bnormal (?:vs\.?|versus|or|from) abnormal\b",
        r"\bnormal (?:o|oder) (?:anormal|auffallig|pathologisch)\b",
    ),
    _only(
        "II",
        "medical_image_processing",
        r"\bsegment\w*",
        r"\b(?:outlin|delineat|contour)\w*",
        r"\bimage (?:classification|captioning|captions?|segmentation|analysis|processing)\b",
        r"\b(?:classif\w*|caption\w*|analy[sz]\w*|detect\w*|find\w*) (?:\w+ ){0,3}(?:on |in |the |from )?"
        r"(?:images?|scans|x-?rays|radiographs|mammograms|slides)\b",
        r"\bwork\w* (?:\w+ ){0,2}(?:on|with) (?:the )?images\b",
        r"\b(?:clasific\w*|analiz\w*|segmentar\w*|detect\w*) (?:\w+ ){0,3}imagen\w*",
        r"\bbild(?:er)?(?:klassifikation|analyse|erkennung)\b",
        r"\b(?:klassifizier\w*|analysier\w*|erkenn\w*) (?:\w+ ){0,3}(?:bilder|aufnahmen)\b",
        r"\w*(?:bilder|aufnahmen)\w* (?:\w+ ){0,3}(?:klassifizier|analysier|segmentier|auswert|erkenn)\w*",
    ),
    # III: diagnosis and treatment planning
    _only(
        "III",
        "decision_text_generation",
        r"\b(?:treatment|therapy|therapeutic|management|care) (?:plans?|proposals?|recommendations?|suggestions?)\b",
        r"\b(?:plan\w*|recommend\w*|suggest\w*|propos\w*) (?:\w+ ){0,2}(?:treatments?|therapy|therapies)\b",
        r"\b(?:clinical )?decision[- ]support\b",
        r"\bcds\b",
        r"\balerts?\b",
        r"\b(?:referral|consult(?:ation)?) letters?\b",
        r"\bletters? to (?:\w+ ){0,1}(?:colleagues|referring|gps?|patients)\b",
        r"\b(?:behandlungs|therapie)(?:plan|plane|planen|vorschlag|vorschlage|empfehlung\w*)\b",
        r"\bplan(?:es)? (?:de )?(?:tratamiento|terapeutic\w*)\b",
        r"\bcartas? (?:a |para )?(?:\w+ ){0,1}(?:colegas|derivacion|interconsulta)\b",
    ),
    _only(
        "III",
        "disease_diagnosis",
        r"(?<!pre-)(?<!pre )\bdiagnos\w*\b(?! and treatment)",
        r"\bdifferential\w*",
        r"\brespiratory (?:sounds?|health)\b",
        r"\blung sounds?\b",
        r"\bdisease classification\b",
    ),
    _only(
        "III",
        "medical_information_extraction",
        r"\bphenotyp\w*",
        r"\bfenotip\w*",
        r"\bdisease (?:features?|characteristics)\b",
        r"\b(?:summari[sz]e|summari[sz]ing|condense|resumir|zusammenfassen) (?:the |of |los |las |die )?"
        r"(?:(?:medical|patients|clinical|medicas|medizinische) ){0,2}(?:questions|preguntas|fragen)\b",
    ),
    _only(
        "III",
        "medical_qa",
        r"\bmultiple[- ]choice\b",
        r"\bmedical (?:question|exam|knowledge) (?:answering|questions)\b",
        r"\bvisual question answering\b",
        r"\bvqa\b",
        r"\banswer\w* (?:\w+ ){0,2}medical questions\b",
        r"\bpreguntas medicas\b",
        r"\bmedizinische fragen\b",
    ),
    # IV: treatment and hospital stay
    _only(
        "IV",
        "surgery_nursing_text_generation",
        r"\bhand-?off\b",
        r"\bhand-?over\b",
        r"\bhandoffs?\b",
        r"\bshift (?:change|notes?|reports?)\b",
        r"\b(?:informed consent\w*|consent (?:forms?|documents?|letters?))",
        rf"{_WRITE} (?:\w+ ){{0,3}}(?:nursing|operative|surgical|op|operation|post-?op(?:erative)?) "
        rf"(?:notes?|reports?|documents?|documentation|letters?)\b",
        rf"\b(?:nursing|operative|surgical|op|operation|post-?op(?:erative)?) (?:notes?|reports?|documents?|"
        rf"documentation|letters?) (?:\w+ ){{0,2}}{_WRITE}",
        r"\b(?:pflege|schicht|dienst)?ubergabe\w*",
        r"\b(?:einwilligung|aufklarung)\w*",
        r"\bop-?bericht\w*",
        r"\bpflege(?:dokumentation|bericht\w*|berichte)\b",
        r"\bconsentimiento\w*",
        r"\b(?:notas|informes?) (?:de )?(?:enfermeria|quirurgic\w*|operatori\w*)\b",
        r"\b(?:relevo|cambio|traspaso) de turno\b",
    ),
    _only(
        "IV",
        "disease_prediction",
        r"\brisk (?:prediction|predictions|score\w*|stratification|assessment|estimat\w*|models?)\b",
        r"\b(?:predict|estimat|assess|calculat)\w* (?:\w+ ){0,3}risks?\b",
        r"\brisk of (?:\w+ ){0,1}(?:complications?|death|dying|mortality|sepsis|falls?|bleeding|infection|"
        r"deterioration|delirium|thrombosis|pressure)\w*",
        r"\bsurviv\w*",
        r"\bmortality\b",
        r"\bsepsis\b",
        r"\bdeteriorat\w*",
        r"\bcomplications? (?:risk|prediction)\b",
        r"\b(?:riesgo de|supervivencia|mortalidad)\b",
        r"risiko\w* (?:\w+ ){0,4}vorher\w*",
        r"\b(?:risiko(?:vorhersage|abschatzung|bewertung|score|einschatzung)\w*|risiko fur|uberleben\w*|"
        r"mortalitat|sterblichkeit)\b",
    ),
    _only(
        "IV",
        "clinical_text_extraction",
        r"\bicd\b",
        r"\bicd-?\d+",
        r"\b(?:clinical|medical|diagnosis|diagnostic) coding\b",
        r"\b(?:assign|code)\w* (?:\w+ ){0,2}(?:codes|diagnoses|icd)\b",
        r"\bcoders?\b",
        r"\bpost-?operative complications\b",
        r"\b(?:medications?|drugs?) (?:and|or|,) (?:\w+ ){0,2}(?:from|in) (?:\w+ ){0,2}notes\b",
        r"\b(?:kodier|codier)\w*",
        r"\b(?:codific|codigos? cie|cie-?\d+)\w*",
    ),
    _only(
        "IV",
        "clinical_record_summarization",
        rf"{_SUMMARISE} (?:[\w-]+ ){{0,4}}(?:stay|notes|records?|conversations?|dialogues?|consultations?|"
        rf"encounters?|course|progress|estancia|ingreso|conversaciones|notas|historia\w*|aufenthalt\w*|"
        rf"gesprache?|verlauf\w*|notizen|akte\w*)\b",
        rf"\b(?:stay|notes|records?|conversations?|dialogues?|consultations?|estancia|conversaciones|aufenthalt\w*|"
        rf"gesprache?|verlauf\w*|arzt-patienten-gesprache?) (?:\w+ ){{0,4}}{_SUMMARISE}",
        r"\b(?:dialogue|conversation) summar\w*",
        r"\b(?:summary|summaries|resumen\w*|zusammenfassung\w*) (?:of |de |del |der |des )?(?:the |la |el |die |den )?"
        r"(?:\w+ ){0,1}(?:stay|notes|records?|conversations?|dialogues?|estancia|ingreso|aufenthalt\w*|gesprach\w*)\b",
    ),
    # V: discharge and follow-up
    _only(
        "V",
        "discharge_text_generation",
        r"\bdischarge\w* (?:\w+ ){0,1}(?:letters?|summar\w*|reports?|documents?|documentation|notes?|instructions?|"
        r"papers?)\b",
        r"\bde-?identif(?:y|ying|ication)\b",
        r"\b(?:anonymi[sz]|pseudonymi[sz])(?:e|ing|ation)\b",
        r"\bentlass\w*(?:brief|bericht|papiere|dokument)\w*",
        r"\b(?:anonymisier|pseudonymisier)(?:en|ung)\b",
        r"\b(?:informes?|cartas?|resumen\w*|documentos?) de alta\b",
        r"\b(?:anonimizar|anonimizacion)\b",
    ),
    _only(
        "V",
        "disease_prediction",
        r"\b(?:(?:risk|chance|likelihood) of )?recurren\w*",
        r"\brelaps\w*",
        r"\bdrgs?\b",
        r"\bdiagnosis[- ]related groups?\b",
        r"\bbilling (?:groups?|codes?)\b",
        r"\breadmission\w*(?: risk)?",
        r"\b(?:recidiv\w*|recaida\w*|recurrencia\w*|grd)\b",
        r"\b(?:rezidiv\w*|ruckfall\w*|wiederaufnahme\w*)\b",
    ),
    _only(
        "V",
        "clinical_text_extraction",
        r"\bsocial determinants?\b",
        r"\bsdoh\b",
        r"\b(?:housing|living situation|support at home)\b",
        r"\bdeterminantes sociales\b",
        r"\bsoziale(?:n)? (?:determinanten|faktoren)\b",
    ),
    # Generic cues: they answer once the stage is known.
    _generic(
        {
            "II": "radiology_report_summarization",
            "III": "medical_information_extraction",
            "IV": "clinical_record_summarization",
            "V": "discharge_text_generation",
        },
        rf"\b{_SUMMARISE}",
        r"\b(?:summary|summaries|resumen(?:es)?|zusammenfassung\w*)\b",
    ),
    _generic(
        {"II": "examination_qa", "III": "medical_qa", "IV": "medical_qa", "V": "medical_qa"},
        _ANSWER_Q,
    ),
    _generic(
        {
            "II": "examination_report_extraction",
            "III": "medical_information_extraction",
            "IV": "clinical_text_extraction",
            "V": "clinical_text_extraction",
        },
        _EXTRACT,
    ),
    _generic(
        {"II": "disease_diagnosis", "III": "disease_diagnosis"},
        r"\b(?:classif\w*|triag\w*|clasific\w*|klassifizier\w*)",
    ),
    _generic(
        {"III": "disease_diagnosis", "IV": "disease_prediction", "V": "disease_prediction"},
        r"\b(?:predict\w*|forecast\w*|predec\w*|prediccion\w*|vorhers\w*|vorhersag\w*|prognos\w*)",
    ),
    _generic(
        {
            "II": "radiology_text_generation",
            "III": "decision_text_generation",
            "IV": "surgery_nursing_text_generation",
            "V": "discharge_text_generation",
        },
        rf"{_WRITE} (?:(?!summar|resum|zusammen)\w+ ){{0,3}}(?:letters?|documents?|reports?|notes|texts?|cartas?|"
        rf"briefe?|berichte?|informes?|documentos?|texto)\b",
        r"\b(?:letters?|cartas?|briefe?) (?:\w+ ){0,3}(?:schreiben|verfassen|erstellen|redactar|escribir)\b",
        r"\b(?:report|letter|text|document) (?:generation|drafting|writing)\b",
    ),
)

ROLE_CUES: tuple[StageCue, ...] = (
    StageCue(
        "I",
        _rx(
            r"\boutpatient (?:service|desk|reception|registration|clinic staff)",
            r"\bfront[- ]desk\b",
            r"\breception\w*",
            r"\bpatient[- ]portal\b",
            r"\btriage nurses?\b",
            r"\b(?:empfang|rezeption|patientenaufnahme|patientenportal)\b",
            r"\b(?:recepcion\w*|admision\w*|portal del paciente|mostrador)\b",
            r"\bbefore the visit\b",
        ),
    ),
    StageCue(
        "II",
        _rx(
            r"radiolog(?:ist|y|e|in|a|o)\w*",
            r"\bpre-?diagnos\w*",
            r"\bsonographer\w*",
            r"\bpatholog(?:ist|e|in|o|a)\w*",
            r"\b(?:cardiolog\w*) (?:\w+ ){0,2}(?:ecg|ekg)",
            r"\b(?:ecg|ekg)s?\b",
            r"\b(?:laborator(?:y|io)|lab) (?:physicians?|medicine|medicina|doctors?)\b",
            r"\blaborarzt\w*",
            r"\b(?:imaging|radiology) department\b",
            r"\b(?:examination|exam) reports?\b",
            rf"\b(?:ct|tc|mri|mrt|x-?ray|rontgen|ultrasound|mammography)[- ]{_REPORT}",
            rf"\b{_REPORT} (?:de |der )?(?:ct|tc|mri|mrt|rm|rontgen\w*|radiolog\w*)\b",
            r"\bbefund\w*",
        ),
    ),
    StageCue(
        "III",
        _rx(
            r"\boncolog\w*",
            r"\btumou?r ?boards?\b",
            r"\btumorkonferenz\w*",
            r"\bcomite de tumores\b",
            r"\battending\b",
            r"\bconsultant\b",
            r"\binternist\w*",
            r"\bdiagnosis and treatment\b",
        ),
    ),
    StageCue(
        "IV",
        _rx(
            r"\bsurgeon\w*",
            r"\bward\b",
            r"\bnurs(?:e|es|ing)\b",
            r"\ban(?:a)?esthe\w*",
            r"\bhospitalist\w*",
            r"\bclinical coder\w*",
            r"\bchirurg\w*",
            r"\bcirujan\w*",
            r"\b(?:pflege\w*|krankenschwester\w*|krankenpfleger\w*|station\w*)\b",
            r"\b(?:enfermer\w*|planta|hospitaliza\w*)\b",
            r"\bduring (?:the )?(?:hospital )?stay\b",
            r"\binpatients?\b",
            r"\bintensive care\b",
            r"\bintensivstation\w*",
            r"\bicu\b",
        ),
    ),
    StageCue(
        "V",
        _rx(
            r"\bdischarg\w*",
            r"\bcase manag\w*",
            r"\bgeneral practitioner\w*",
            r"\bgps?\b",
            r"\bfamily (?:doctor|physician)\b",
            r"\bfollow[- ]?up(?: nurses?)?\b",
            r"\bafter (?:the )?(?:hospital )?stay\b",
            r"\bentlass\w*",
            r"\bhausarzt\w*",
            r"\bnachsorge\w*",
            r"\b(?:dar de alta|el alta|al alta|de alta|del alta|seguimiento|medico de (?:familia|cabecera))\b",
        ),
    ),
)

_STAGE_WORD = r"(?:stage|workflow stage|phase|stufe|etapa|fase)"
_NOT_A_WORKFLOW_STAGE = (
    r"(?!\s*(?:\w+\s+){0,1}(?:cancer|carcinoma|tumou?r|disease|lymphoma|melanoma|ckd|kidney|renal|heart|"
    r"breast|lung|colon|patients|krebs|karzinom|cancer|tumor|enfermedad|pacientes|trial|studie|ensayo))"
)
STAGE_CUES: tuple[StageCue, ...] = tuple(
    StageCue(stage, re.compile(rf"\b{_STAGE_WORD}\s+(?:{alts})\b{_NOT_A_WORKFLOW_STAGE}"))
    for stage, alts in (
        ("I", "i|1|one|eins|uno"),
        ("II", "ii|2|two|zwei|dos"),
        ("III", "iii|3|three|drei|tres"),
        ("IV", "iv|4|four|vier|cuatro"),
        ("V", "v|5|five|funf|cinco"),
    )
)

# A reply to the question just asked. "no" must stand alone (followed by punctuation or the end), since
# "no images" negates a noun rather than answering; "no se" is Spanish for "I don't know".
DONT_KNOW = re.compile(
    r"^\W*(?:i\s+)?(?:don'?t|do not)\s+know\b|^\W*(?:not sure|unsure|no idea|no (?:lo )?se\s*(?:[,.;:!?]|$)|"
    r"no se si\b|keine ahnung|weiss (?:ich )?nicht|"
    r"ich weiss (?:es )?nicht|unklar|unknown|unsicher|ni idea|depends|it depends|kommt darauf an|depende|maybe|"
    r"perhaps|vielleicht|quizas|tal vez)"
)
YES_REPLY = re.compile(
    r"^\W*(?:(?:yes|yeah|yep|yup|sure|indeed|of course|definitely|absolutely|certainly|affirmative|ja|jawohl|genau|"
    r"naturlich|selbstverstandlich|claro|por supuesto|desde luego|efectivamente)\b(?!\s*(?:not|nicht|no)\b)|"
    r"si\s*(?:[,.;:!]|$)|"  # "si" without a comma may be Spanish "if"
    # acknowledgements answer only when they are the whole message ("OK, and also..." does not)
    r"(?:correct|right|ok|okay|that'?s right|that'?s correct|klar|richtig|correcto|exacto|we do|i do|it is|"
    r"they are|it does|jep)\W*$)"
)
NO_REPLY = re.compile(
    r"^\W*(?:(?:claro que no|por supuesto que no|naturlich nicht|of course not)\b|"
    r"(?:no|nope|nah|negative|nein|ne|nee|noch nicht)(?:\s*(?:[,.;:!\-]|$|thanks|thank you|danke|gracias))|"
    r"nope\b|nah\b|nein\b|not really\b|not at all\b|absolutely not\b|definitely not\b|certainly not\b|"
    r"of course not\b|auf keinen fall\b|gar nicht\b|eher nicht\b|para nada\b|en absoluto\b|de ninguna manera\b|"
    r"(?:we|i) (?:don'?t|do not)\s*(?:[,.;:!]|$)|it (?:isn'?t|is not)\s*(?:[,.;:!]|$))"
)
