"""Reply strings in English, Spanish and German, and a small language detector for the user's message.

Every sentence the dialogue writes comes from ``STRINGS`` (one entry per key and language); model names,
numbers and question ids are inserted as they are. The questionnaire's texts live in English in
``assistant.questionnaire``; their Spanish and German versions are here, keyed by question id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.questionnaire import GENERAL_QUESTIONS, GLOSSARY, question, stage_info
from assistant.recommendation import DISCLAIMER

LANGUAGES = ("en", "es", "de")
DEFAULT_LANGUAGE = "en"


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Frequent short words of each language; a message's language is the one whose words it uses most.
_STOPWORDS: Mapping[str, frozenset[str]] = {
    "en": _wordset(
        "the and is are to we i want of for what if why not can could should would model models data our my "
        "with it be which how does do yes this that they in on from please need use our you an may"
    ),
    "es": _wordset(
        "el la los las de que y en un una para con sí si es son por qué quiero queremos datos modelo modelos "
        "nuestro nuestra nuestros mis mi pueden puede debe del al se lo como cómo porque también soy somos "
        "hospital informes necesito usar cuál cuáles está están pero sin"
    ),
    "de": _wordset(
        "der die das und ist sind ich wir nicht ein eine einen für mit auf den dem zu ja nein wenn was warum "
        "daten modell modelle können kann soll sollen dürfen darf möchte möchten bin im unsere unser wie "
        "welche welches auch aber ohne oder befunde berichte"
    ),
}
_MARKS: Mapping[str, str] = {"es": "ñáéíóú¿¡", "de": "äöüß"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def language_scores(text: str) -> dict[str, int]:
    """How many of each language's stopwords and marked letters the text contains."""
    words = [w.casefold() for w in _WORD.findall(text)]
    scores = {lang: sum(w in _STOPWORDS[lang] for w in words) for lang in LANGUAGES}
    lowered = text.casefold()
    for lang, marks in _MARKS.items():
        scores[lang] += 2 * sum(lowered.count(ch) for ch in marks)
    return scores


def detect_language(texts: Sequence[str], default: str = DEFAULT_LANGUAGE) -> str:
    """The language of the last text that has a clear winner (texts oldest first); ``default`` otherwise."""
    for text in reversed(texts):
        scores = language_scores(text)
        ranked = sorted(scores.values(), reverse=True)
        if ranked[0] > 0 and ranked[0] > ranked[1]:
            return max(scores, key=lambda lang: scores[lang])
    return default


STRINGS: Mapping[str, Mapping[str, str]] = {
    "yes": {"en": "yes", "es": "sí", "de": "ja"},
    "no": {"en": "no", "es": "no", "de": "nein"},
    "unknown": {"en": "unknown", "es": "desconocido", "de": "unbekannt"},
    "understood": {
        "en": "Here is what I understood:",
        "es": "Esto es lo que he entendido:",
        "de": "Das habe ich verstanden:",
    },
    "understood_stage": {
        "en": "Stage {stage}: {title}",
        "es": "Etapa {stage}: {title}",
        "de": "Phase {stage}: {title}",
    },
    "understood_nothing": {
        "en": "nothing specific yet",
        "es": "todavía nada concreto",
        "de": "noch nichts Konkretes",
    },
    "clicked": {"en": "set by you", "es": "fijado por usted", "de": "von Ihnen gesetzt"},
    "ask_more": {
        "en": "To recommend models, I need a few more answers:",
        "es": "Para recomendar modelos necesito algunas respuestas más:",
        "de": "Für eine Empfehlung brauche ich noch ein paar Antworten:",
    },
    "ask_tasks": {
        "en": "Which of these should the model do? Name one or more:",
        "es": "¿Cuáles de estas tareas debe hacer el modelo? Indique una o varias:",
        "de": "Welche dieser Aufgaben soll das Modell übernehmen? Nennen Sie eine oder mehrere:",
    },
    "ask_hint": {
        "en": "Answer in your own words; ask me what any question or term means.",
        "es": "Responda con sus propias palabras; pregúnteme qué significa cualquier pregunta o término.",
        "de": "Antworten Sie in eigenen Worten; fragen Sie mich, was eine Frage oder ein Begriff bedeutet.",
    },
    "ask_stage": {
        "en": "Which stage of the clinical workflow is this for? The five stages, with example roles:",
        "es": "¿Para qué etapa del proceso clínico es? Las cinco etapas, con funciones de ejemplo:",
        "de": "Für welche Phase des klinischen Ablaufs ist das? Die fünf Phasen mit Beispielrollen:",
    },
    "stage_line": {
        "en": "**{stage}**: {title} (e.g. {roles})",
        "es": "**{stage}**: {title} (p. ej. {roles})",
        "de": "**{stage}**: {title} (z. B. {roles})",
    },
    "multi_stage": {
        "en": "Your need spans several stages ({stages}). I give one recommendation per stage, because each "
        "stage has its own tasks and evidence. Which stage shall we start with?",
        "es": "Su necesidad abarca varias etapas ({stages}). Doy una recomendación por etapa, porque cada etapa "
        "tiene sus propias tareas y evidencia. ¿Con qué etapa empezamos?",
        "de": "Ihr Bedarf umfasst mehrere Phasen ({stages}). Ich gebe eine Empfehlung pro Phase, weil jede Phase "
        "eigene Aufgaben und Belege hat. Mit welcher Phase sollen wir beginnen?",
    },
    "other_stages": {
        "en": 'You also mentioned stage(s) {stages}: say "stage {first}" for that recommendation.',
        "es": 'También mencionó la(s) etapa(s) {stages}: diga "etapa {first}" para esa recomendación.',
        "de": 'Sie haben auch Phase(n) {stages} erwähnt: sagen Sie "Phase {first}" für diese Empfehlung.',
    },
    "empty": {
        "en": "Please describe what you need in a sentence or two: your role, what the model should do, and "
        "whether the data may leave your organisation. For example: \"I'm a radiologist; I want draft CT "
        "reports; the data can't leave the hospital.\"",
        "es": "Describa en una o dos frases lo que necesita: su función, qué debe hacer el modelo y si los datos "
        'pueden salir de su organización. Por ejemplo: "Soy radiólogo; quiero borradores de informes de TC; '
        'los datos no pueden salir del hospital."',
        "de": "Beschreiben Sie in ein, zwei Sätzen, was Sie brauchen: Ihre Rolle, was das Modell tun soll und ob "
        'die Daten Ihre Einrichtung verlassen dürfen. Zum Beispiel: "Ich bin Radiologe; ich möchte '
        'CT-Befundentwürfe; die Daten dürfen das Krankenhaus nicht verlassen."',
    },
    "rec_heading": {
        "en": "Recommendation for stage {stage}: {title}",
        "es": "Recomendación para la etapa {stage}: {title}",
        "de": "Empfehlung für Phase {stage}: {title}",
    },
    "status_recommended": {
        "en": "{n} model(s) cover every task you selected; the best-supported come first.",
        "es": "{n} modelo(s) cubren todas las tareas seleccionadas; primero los mejor respaldados.",
        "de": "{n} Modell(e) decken alle gewählten Aufgaben ab; die am besten belegten zuerst.",
    },
    "status_partial": {
        "en": "No usable model covers every task you selected; the closest ones follow, ranked by how many "
        "tasks they cover.",
        "es": "Ningún modelo utilizable cubre todas las tareas seleccionadas; siguen los más cercanos, ordenados "
        "por cuántas tareas cubren.",
        "de": "Kein nutzbares Modell deckt alle gewählten Aufgaben ab; es folgen die nächstliegenden, geordnet "
        "danach, wie viele Aufgaben sie abdecken.",
    },
    "top_pick": {
        "en": "The top-ranked option is {model}.",
        "es": "La opción mejor clasificada es {model}.",
        "de": "Die am höchsten eingestufte Option ist {model}.",
    },
    "col_model": {"en": "Model", "es": "Modelo", "de": "Modell"},
    "col_star": {"en": "Star", "es": "Estrella", "de": "Stern"},
    "col_studies": {"en": "Studies (best)", "es": "Estudios (mejor)", "de": "Studien (beste)"},
    "col_access": {"en": "Access", "es": "Acceso", "de": "Zugang"},
    "col_gpus": {"en": "GPUs", "es": "GPU", "de": "GPUs"},
    "col_power": {"en": "Power", "es": "Potencia", "de": "Leistung"},
    "col_price": {"en": "Price", "es": "Precio", "de": "Preis"},
    "col_api": {"en": "API price", "es": "Precio API", "de": "API-Preis"},
    "col_covers": {"en": "Covers", "es": "Cubre", "de": "Deckt ab"},
    "col_lacks": {"en": "Lacks", "es": "Falta", "de": "Fehlt"},
    "to_buy": {"en": "{money} to buy", "es": "{money} de compra", "de": "{money} Kauf"},
    "to_rent": {"en": "{money}/h to rent", "es": "{money}/h de alquiler", "de": "{money}/h Miete"},
    "in_all": {"en": "{gb} GB in all", "es": "{gb} GB en total", "de": "{gb} GB gesamt"},
    "gpu_unknown": {"en": "GPU of unknown type", "es": "GPU de tipo desconocido", "de": "GPU unbekannten Typs"},
    "estimate_cell": {
        "en": "no reported hardware; {bound}{fp16} GB at 16-bit, {int4} GB at 4-bit (estimate)",
        "es": "sin hardware publicado; {bound}{fp16} GB a 16 bits, {int4} GB a 4 bits (estimación)",
        "de": "keine Hardware berichtet; {bound}{fp16} GB bei 16 Bit, {int4} GB bei 4 Bit (Schätzung)",
    },
    "about": {"en": "about ", "es": "unos ", "de": "etwa "},
    "up_to": {"en": "up to ", "es": "hasta ", "de": "bis zu "},
    "no_hardware": {
        "en": "no reported hardware, size unknown",
        "es": "sin hardware publicado, tamaño desconocido",
        "de": "keine Hardware berichtet, Größe unbekannt",
    },
    "api_cell": {
        "en": "{inp} in / {out} out per 1k tokens (as of {date})",
        "es": "{inp} entrada / {out} salida por 1k tokens (a {date})",
        "de": "{inp} Eingabe / {out} Ausgabe pro 1k Tokens (Stand {date})",
    },
    "phase_inference": {"en": "inference", "es": "inferencia", "de": "Inferenz"},
    "phase_fine_tuning": {"en": "fine-tuning", "es": "ajuste fino", "de": "Feinabstimmung"},
    "phase_pre_training": {"en": "pre-training", "es": "preentrenamiento", "de": "Vortraining"},
    "more_matches": {
        "en": "({n} more full matches are in the structured result.)",
        "es": "({n} coincidencias completas más están en el resultado estructurado.)",
        "de": "({n} weitere vollständige Treffer stehen im strukturierten Ergebnis.)",
    },
    "star_note": {
        "en": "Star (*): reported best in at least one matching sub-task of every task you selected; it "
        "reflects published comparisons, not a guarantee.",
        "es": "Estrella (*): señalado como el mejor en al menos una subtarea de cada tarea seleccionada; refleja "
        "comparaciones publicadas, no una garantía.",
        "de": "Stern (*): in mindestens einer passenden Teilaufgabe jeder gewählten Aufgabe als bestes Modell "
        "berichtet; das spiegelt veröffentlichte Vergleiche wider, keine Garantie.",
    },
    "studies_note": {
        "en": "Studies: how often studies in the review used the model for your tasks (best: how often it was "
        "reported best); a study covering two sub-tasks counts twice.",
        "es": "Estudios: cuántas veces los estudios de la revisión usaron el modelo para sus tareas (mejor: cuántas "
        "veces fue el mejor); un estudio con dos subtareas cuenta dos veces.",
        "de": "Studien: wie oft Studien des Reviews das Modell für Ihre Aufgaben nutzten (beste: wie oft es als "
        "bestes berichtet wurde); eine Studie mit zwei Teilaufgaben zählt doppelt.",
    },
    "why_heading": {"en": "Why these models", "es": "Por qué estos modelos", "de": "Warum diese Modelle"},
    "why_tasks": {
        "en": "They were used by published studies for: {tasks}.",
        "es": "Los estudios publicados los usaron para: {tasks}.",
        "de": "Veröffentlichte Studien nutzten sie für: {tasks}.",
    },
    "why_modality_text": {
        "en": "Only sub-tasks with text input are counted, because your input is text only.",
        "es": "Solo se cuentan subtareas con entrada de texto, porque su entrada es solo texto.",
        "de": "Nur Teilaufgaben mit Texteingabe zählen, weil Ihre Eingabe nur Text ist.",
    },
    "why_modality_out": {
        "en": "Only sub-tasks with text output are counted, because you need text back.",
        "es": "Solo se cuentan subtareas con salida de texto, porque necesita texto como resultado.",
        "de": "Nur Teilaufgaben mit Textausgabe zählen, weil Sie Text als Ergebnis brauchen.",
    },
    "why_api_allowed": {
        "en": "API models are included: the data may be shared and cloud use is fine.",
        "es": "Se incluyen modelos API: los datos pueden compartirse y la nube es aceptable.",
        "de": "API-Modelle sind dabei: die Daten dürfen geteilt werden und die Cloud ist in Ordnung.",
    },
    "why_api_left_out": {
        "en": "API-only models are left out: they need data sharing = yes and local deployment = no "
        "(now: sharing {sharing}, local {local}).",
        "es": "Se excluyen los modelos solo API: requieren compartir datos = sí y despliegue local = no "
        "(ahora: compartir {sharing}, local {local}).",
        "de": "Reine API-Modelle sind ausgeschlossen: sie brauchen Datenweitergabe = ja und lokalen Betrieb = "
        "nein (jetzt: Weitergabe {sharing}, lokal {local}).",
    },
    "why_restricted": {
        "en": "Models whose weights were never released are never recommended.",
        "es": "Nunca se recomiendan modelos cuyos pesos no se publicaron.",
        "de": "Modelle, deren Gewichte nie veröffentlicht wurden, werden nie empfohlen.",
    },
    "why_prices_local": {
        "en": "Prices are purchase prices with power, because you prefer local hardware.",
        "es": "Los precios son de compra, con potencia, porque prefiere hardware propio.",
        "de": "Preise sind Kaufpreise mit Leistung, weil Sie eigene Hardware bevorzugen.",
    },
    "why_prices_cloud": {
        "en": "Prices are cloud rental prices per hour, because you chose the cloud.",
        "es": "Los precios son de alquiler en la nube por hora, porque eligió la nube.",
        "de": "Preise sind Cloud-Mietpreise pro Stunde, weil Sie die Cloud gewählt haben.",
    },
    "why_prices_both": {
        "en": "Both purchase and rental prices are shown until you say whether you prefer local hardware.",
        "es": "Se muestran precios de compra y de alquiler hasta que indique si prefiere hardware propio.",
        "de": "Kauf- und Mietpreise werden gezeigt, bis Sie sagen, ob Sie eigene Hardware bevorzugen.",
    },
    "excluded_heading": {"en": "Left out", "es": "Excluidos", "de": "Ausgeschlossen"},
    "reason_restricted": {
        "en": "weights never released, so it cannot be deployed",
        "es": "sus pesos nunca se publicaron, así que no puede desplegarse",
        "de": "Gewichte nie veröffentlicht, daher nicht einsetzbar",
    },
    "reason_needs_data_sharing": {
        "en": "only offered as an online API, which needs data sharing (data sharing: {sharing})",
        "es": "solo se ofrece como API en línea, que requiere compartir datos (compartir datos: {sharing})",
        "de": "nur als Online-API angeboten, was Datenweitergabe erfordert (Datenweitergabe: {sharing})",
    },
    "reason_needs_cloud": {
        "en": "only offered as an online API, which needs cloud use (local deployment: {local})",
        "es": "solo se ofrece como API en línea, que requiere la nube (despliegue local: {local})",
        "de": "nur als Online-API angeboten, was die Cloud erfordert (lokaler Betrieb: {local})",
    },
    "reason_modality": {
        "en": "it matches only when the input or output is not limited to text",
        "es": "solo coincide cuando la entrada o la salida no se limitan a texto",
        "de": "passt nur, wenn Eingabe oder Ausgabe nicht auf Text beschränkt sind",
    },
    "strong_star": {
        "en": "reported best in every selected task, but",
        "es": "señalado como el mejor en todas las tareas seleccionadas, pero",
        "de": "in allen gewählten Aufgaben als bestes berichtet, aber",
    },
    "strong_cover": {
        "en": "covers every selected task, but",
        "es": "cubre todas las tareas seleccionadas, pero",
        "de": "deckt alle gewählten Aufgaben ab, aber",
    },
    "open_heading": {
        "en": "Still open (answering may change the result)",
        "es": "Aún abierto (responder puede cambiar el resultado)",
        "de": "Noch offen (eine Antwort kann das Ergebnis ändern)",
    },
    "open_more": {
        "en": "and {n} more: {ids}",
        "es": "y {n} más: {ids}",
        "de": "und {n} weitere: {ids}",
    },
    "evidence_heading": {
        "en": "What the literature says",
        "es": "Lo que dice la literatura",
        "de": "Was die Literatur sagt",
    },
    "references_heading": {"en": "References", "es": "Referencias", "de": "Quellen"},
    "no_evidence": {
        "en": "The indexed evidence does not cover this, so I cannot add anything from the literature.",
        "es": "La evidencia indexada no cubre esto, así que no puedo añadir nada de la literatura.",
        "de": "Die indexierten Belege decken das nicht ab, daher kann ich nichts aus der Literatur ergänzen.",
    },
    "changed": {
        "en": "Updated: {question} {old} → {new}.",
        "es": "Actualizado: {question} {old} → {new}.",
        "de": "Aktualisiert: {question} {old} → {new}.",
    },
    "what_if_heading": {
        "en": 'If {changes} (hypothetical: your answers stay as they are; say "actually, ..." to change them):',
        "es": 'Si {changes} (hipotético: sus respuestas no cambian; diga "en realidad, ..." para cambiarlas):',
        "de": 'Wenn {changes} (hypothetisch: Ihre Antworten bleiben; sagen Sie "eigentlich ...", um sie zu ändern):',
    },
    "what_if_unknown": {
        "en": 'I could not tell which answer you want to change. Try for example "what if we deploy in the '
        'cloud?" or "what if the data may be shared?".',
        "es": 'No sé qué respuesta quiere cambiar. Pruebe por ejemplo "¿y si usamos la nube?" o "¿y si los '
        'datos pueden compartirse?".',
        "de": 'Ich konnte nicht erkennen, welche Antwort Sie ändern möchten. Versuchen Sie z. B. "Was wäre, wenn '
        'wir in der Cloud betreiben?" oder "Was wäre, wenn die Daten geteilt werden dürfen?".',
    },
    "what_if_added": {"en": "Added: {models}.", "es": "Se añaden: {models}.", "de": "Hinzu kommen: {models}."},
    "what_if_removed": {"en": "Removed: {models}.", "es": "Se quitan: {models}.", "de": "Es entfallen: {models}."},
    "what_if_same": {
        "en": "The recommended models stay the same.",
        "es": "Los modelos recomendados no cambian.",
        "de": "Die empfohlenen Modelle bleiben gleich.",
    },
    "what_if_to_rental": {
        "en": "Prices switch from purchase to cloud rental.",
        "es": "Los precios pasan de compra a alquiler en la nube.",
        "de": "Die Preise wechseln von Kauf zu Cloud-Miete.",
    },
    "what_if_to_purchase": {
        "en": "Prices switch from cloud rental to purchase (with power).",
        "es": "Los precios pasan de alquiler en la nube a compra (con potencia).",
        "de": "Die Preise wechseln von Cloud-Miete zu Kauf (mit Leistung).",
    },
    "what_if_status": {
        "en": 'The result changes from "{old}" to "{new}".',
        "es": 'El resultado pasa de "{old}" a "{new}".',
        "de": 'Das Ergebnis wechselt von "{old}" zu "{new}".',
    },
    "what_if_no_rec": {
        "en": "I can compare alternatives once a task is known; tell me first what the model should do.",
        "es": "Puedo comparar alternativas cuando conozca una tarea; dígame primero qué debe hacer el modelo.",
        "de": "Alternativen kann ich vergleichen, sobald eine Aufgabe bekannt ist; sagen Sie mir zuerst, was "
        "das Modell tun soll.",
    },
    "status_name_recommended": {"en": "full matches", "es": "coincidencias completas", "de": "vollständige Treffer"},
    "status_name_no_full_match": {
        "en": "partial matches only",
        "es": "solo coincidencias parciales",
        "de": "nur Teiltreffer",
    },
    "status_name_need_more_info": {
        "en": "more information needed",
        "es": "falta información",
        "de": "mehr Angaben nötig",
    },
    "why_not_unknown_model": {
        "en": 'I do not find "{name}" in the catalog of the review, so I cannot say anything about it.',
        "es": 'No encuentro "{name}" en el catálogo de la revisión, así que no puedo decir nada sobre él.',
        "de": '"{name}" steht nicht im Katalog des Reviews, daher kann ich dazu nichts sagen.',
    },
    "why_not_no_model": {
        "en": 'Which model do you mean? Name it as in the table, for example "why not GPT-4?".',
        "es": '¿Qué modelo quiere decir? Nómbrelo como en la tabla, por ejemplo "¿por qué no GPT-4?".',
        "de": 'Welches Modell meinen Sie? Nennen Sie es wie in der Tabelle, z. B. "Warum nicht GPT-4?".',
    },
    "why_not_no_rec": {
        "en": "There is no recommendation yet to compare with; first tell me what the model should do.",
        "es": "Todavía no hay una recomendación con la que comparar; dígame primero qué debe hacer el modelo.",
        "de": "Es gibt noch keine Empfehlung zum Vergleich; sagen Sie mir zuerst, was das Modell tun soll.",
    },
    "why_not_recommended": {
        "en": "{model} is recommended: it is number {rank} of {total} in the ranking{star}.",
        "es": "{model} sí se recomienda: es el número {rank} de {total} en la clasificación{star}.",
        "de": "{model} wird empfohlen: Platz {rank} von {total} in der Rangfolge{star}.",
    },
    "why_not_star": {"en": " and has a star", "es": " y tiene estrella", "de": " und hat einen Stern"},
    "why_not_partial": {
        "en": "{model} is among the closest partial matches: it covers {covers} but not {lacks}.",
        "es": "{model} está entre las coincidencias parciales: cubre {covers} pero no {lacks}.",
        "de": "{model} gehört zu den nächstliegenden Teiltreffern: deckt {covers} ab, aber nicht {lacks}.",
    },
    "why_not_excluded": {
        "en": "{model} would match, but it is left out: {reason}.",
        "es": "{model} coincidiría, pero se excluye: {reason}.",
        "de": "{model} würde passen, ist aber ausgeschlossen: {reason}.",
    },
    "why_not_access": {
        "en": "{model} is left out: {reason}.",
        "es": "{model} se excluye: {reason}.",
        "de": "{model} ist ausgeschlossen: {reason}.",
    },
    "why_not_coverage": {
        "en": "{model}: no study in the review used it for {tasks} in stage {stage} (with your input and output "
        "answers), so it does not cover every selected task.",
        "es": "{model}: ningún estudio de la revisión lo usó para {tasks} en la etapa {stage} (con sus respuestas "
        "de entrada y salida), así que no cubre todas las tareas seleccionadas.",
        "de": "{model}: keine Studie des Reviews nutzte es für {tasks} in Phase {stage} (bei Ihren Angaben zu "
        "Ein- und Ausgabe), daher deckt es nicht alle gewählten Aufgaben ab.",
    },
    "why_not_api_fix": {
        "en": "It would be considered if the data may be shared and cloud use is fine.",
        "es": "Se consideraría si los datos pueden compartirse y la nube es aceptable.",
        "de": "Es käme in Frage, wenn die Daten geteilt werden dürfen und die Cloud in Ordnung ist.",
    },
    "why_not_ranked_low": {
        "en": "{model} covers every selected task and may be used; it ranks below the models shown.",
        "es": "{model} cubre todas las tareas y puede usarse; queda por debajo de los modelos mostrados.",
        "de": "{model} deckt alle Aufgaben ab und ist nutzbar; es steht unterhalb der gezeigten Modelle.",
    },
    "usage_heading": {
        "en": "{model} in the review's data ({access}{size}):",
        "es": "{model} en los datos de la revisión ({access}{size}):",
        "de": "{model} in den Daten des Reviews ({access}{size}):",
    },
    "usage_line": {
        "en": "stage {stage}, {task} / {subtask} ({inputs}): used {used} time(s), reported best {best} time(s)",
        "es": "etapa {stage}, {task} / {subtask} ({inputs}): usado {used} vez/veces, el mejor {best} vez/veces",
        "de": "Phase {stage}, {task} / {subtask} ({inputs}): {used}-mal genutzt, {best}-mal als bestes berichtet",
    },
    "usage_none": {
        "en": "No study in the review reported using it for a clinical sub-task.",
        "es": "Ningún estudio de la revisión informó de su uso para una subtarea clínica.",
        "de": "Keine Studie des Reviews berichtete seine Nutzung für eine klinische Teilaufgabe.",
    },
    "usage_more": {
        "en": "and {n} more sub-task(s)",
        "es": "y {n} subtarea(s) más",
        "de": "und {n} weitere Teilaufgabe(n)",
    },
    "usage_note": {
        "en": "The review's data counts studies per sub-task; it does not name them. Named studies below come "
        "from the literature index.",
        "es": "Los datos de la revisión cuentan estudios por subtarea pero no los nombran. Los estudios citados "
        "abajo proceden del índice de literatura.",
        "de": "Die Daten des Reviews zählen Studien pro Teilaufgabe, nennen sie aber nicht. Die unten genannten "
        "Studien stammen aus dem Literaturindex.",
    },
    "explain_unknown": {
        "en": "I can explain the questions and these terms: {terms}.",
        "es": "Puedo explicar las preguntas y estos términos: {terms}.",
        "de": "Ich kann die Fragen und diese Begriffe erklären: {terms}.",
    },
    "pending": {
        "en": "The open questions are still:",
        "es": "Las preguntas abiertas siguen siendo:",
        "de": "Offen sind noch:",
    },
    "notice_truncated": {
        "en": "The conversation was longer than {limit} characters; only the latest {kept} message(s) were read.",
        "es": "La conversación superaba {limit} caracteres; solo se leyeron los {kept} mensaje(s) más recientes.",
        "de": "Das Gespräch war länger als {limit} Zeichen; nur die letzten {kept} Nachricht(en) wurden gelesen.",
    },
    "notice_media": {
        "en": "Images and audio are not supported yet; only the text of your message was read.",
        "es": "Las imágenes y el audio aún no se admiten; solo se leyó el texto de su mensaje.",
        "de": "Bilder und Audio werden noch nicht unterstützt; nur der Text Ihrer Nachricht wurde gelesen.",
    },
    "notice_backend": {
        "en": "answered without the language model: {error}",
        "es": "respondido sin el modelo de lenguaje: {error}",
        "de": "ohne das Sprachmodell beantwortet: {error}",
    },
    "notice_guard": {
        "en": "answered without the language model: its text had a {what} not found in the facts, so the "
        "templated answer is shown",
        "es": "respondido sin el modelo de lenguaje: su texto tenía un dato ({what}) ausente de los hechos, así "
        "que se muestra la respuesta de plantilla",
        "de": "ohne das Sprachmodell beantwortet: sein Text enthielt eine Angabe ({what}), die nicht in den "
        "Fakten steht, daher wird die Vorlagenantwort gezeigt",
    },
    "notice_retrieval": {
        "en": "the literature search failed ({error}); the answer uses the catalog only",
        "es": "la búsqueda bibliográfica falló ({error}); la respuesta usa solo el catálogo",
        "de": "die Literatursuche schlug fehl ({error}); die Antwort nutzt nur den Katalog",
    },
    "notice_hypothetical": {
        "en": "what-if answered hypothetically; your answers are unchanged",
        "es": "pregunta hipotética respondida; sus respuestas no cambian",
        "de": "Was-wäre-wenn-Frage hypothetisch beantwortet; Ihre Antworten bleiben unverändert",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (English when missing), with ``values`` filled in."""
    entry = STRINGS[key]
    return entry.get(lang, entry[DEFAULT_LANGUAGE]).format(**values)


def yes_no(lang: str, value: bool | None) -> str:
    """yes / no / unknown in ``lang``."""
    return t(lang, {True: "yes", False: "no", None: "unknown"}[value])


_STAGE_TITLES: Mapping[str, Mapping[str, str]] = {
    "es": {
        "I": "Registro y orientación al servicio",
        "II": "Prediagnóstico y exploración",
        "III": "Diagnóstico y planificación del tratamiento",
        "IV": "Tratamiento y hospitalización",
        "V": "Alta y seguimiento",
    },
    "de": {
        "I": "Anmeldung und Wegweisung",
        "II": "Vordiagnostik und Untersuchung",
        "III": "Diagnose und Therapieplanung",
        "IV": "Behandlung und stationärer Aufenthalt",
        "V": "Entlassung und Nachsorge",
    },
}
_STAGE_ROLES: Mapping[str, Mapping[str, str]] = {
    "es": {
        "I": "personal de admisión, enfermería de triaje",
        "II": "radiólogo, cardiólogo que lee ECG, patólogo",
        "III": "médico responsable, oncólogo, comité de tumores",
        "IV": "cirujano, enfermería de planta, codificador clínico",
        "V": "médico que da el alta, gestor de casos, médico de familia",
    },
    "de": {
        "I": "Anmeldung, Triage-Pflege",
        "II": "Radiologe, Kardiologe (EKG), Pathologe",
        "III": "Stationsarzt, Onkologe, Tumorboard",
        "IV": "Chirurg, Stationspflege, Kodierfachkraft",
        "V": "entlassender Arzt, Case Manager, Hausarzt",
    },
}


def stage_title(lang: str, stage: str) -> str:
    """The stage's title in ``lang``."""
    return _STAGE_TITLES.get(lang, {}).get(stage) or stage_info(stage).title


def stage_roles(lang: str, stage: str) -> str:
    """A few example roles of the stage in ``lang``."""
    localized = _STAGE_ROLES.get(lang, {}).get(stage)
    return localized or ", ".join(stage_info(stage).example_roles[:3])


# Spanish and German question texts, keyed by (stage or "*", question id).
_QUESTIONS: Mapping[str, Mapping[tuple[str, str], str]] = {
    "es": {
        ("*", "input_text_only"): "¿Todo lo que dará al modelo es texto?",
        ("*", "output_text_only"): "¿Solo necesita texto como resultado del modelo?",
        (
            "*",
            "data_sharing",
        ): "¿Pueden compartirse los datos con terceros, publicarse o ponerse a disposición general?",
        ("*", "deploy_local"): "¿Prefiere ejecutar el modelo en su propio hardware (local) en lugar de en la nube?",
        (
            "I",
            "registration_recommendation",
        ): "¿Debe el modelo recomendar en qué servicio o consulta registrar al paciente?",
        (
            "II",
            "radiology_text_generation",
        ): "¿Debe el modelo generar textos de exploración o radiología, como borradores de informes?",
        ("II", "radiology_report_summarization"): "¿Debe el modelo resumir informes de radiología o de exploración?",
        ("II", "examination_qa"): "¿Debe el modelo responder preguntas sobre exploraciones?",
        (
            "II",
            "examination_report_extraction",
        ): "¿Debe el modelo extraer información concreta de informes de exploración?",
        ("II", "disease_diagnosis"): "¿Debe el modelo clasificar hallazgos o priorizar exploraciones?",
        ("II", "medical_image_processing"): "¿Debe el modelo trabajar con las propias imágenes médicas?",
        ("III", "disease_diagnosis"): "¿Debe el modelo ayudar a diagnosticar o predecir enfermedades?",
        ("III", "medical_information_extraction"): "¿Debe el modelo extraer o resumir información médica?",
        ("III", "medical_qa"): "¿Debe el modelo responder preguntas médicas?",
        (
            "III",
            "decision_text_generation",
        ): "¿Debe el modelo redactar planes de tratamiento, sugerencias de apoyo a la decisión o cartas clínicas?",
        ("IV", "surgery_nursing_text_generation"): "¿Debe el modelo redactar documentos de cirugía y enfermería?",
        ("IV", "disease_prediction"): "¿Debe el modelo predecir riesgos o supervivencia durante el tratamiento?",
        ("IV", "clinical_text_extraction"): "¿Debe el modelo extraer información de notas clínicas?",
        ("IV", "medical_qa"): "¿Debe el modelo responder preguntas del personal o de los pacientes?",
        ("IV", "clinical_record_summarization"): "¿Debe el modelo resumir historias clínicas o conversaciones?",
        ("V", "disease_prediction"): "¿Debe el modelo predecir recaídas o grupos de facturación?",
        ("V", "clinical_text_extraction"): "¿Debe el modelo extraer información relevante para el seguimiento?",
        ("V", "discharge_text_generation"): "¿Debe el modelo redactar documentos de alta?",
        ("V", "medical_qa"): "¿Debe el modelo responder preguntas en el alta y el seguimiento?",
    },
    "de": {
        ("*", "input_text_only"): "Ist alles, was Sie dem Modell geben, Text?",
        ("*", "output_text_only"): "Brauchen Sie vom Modell nur Text zurück?",
        (
            "*",
            "data_sharing",
        ): "Dürfen die Daten an Dritte weitergegeben, veröffentlicht oder allgemein zugänglich gemacht werden?",
        ("*", "deploy_local"): "Möchten Sie das Modell lieber auf eigener Hardware (lokal) als in der Cloud betreiben?",
        (
            "I",
            "registration_recommendation",
        ): "Soll das Modell empfehlen, in welcher Abteilung oder Ambulanz sich ein Patient anmelden soll?",
        (
            "II",
            "radiology_text_generation",
        ): "Soll das Modell Untersuchungs- oder Radiologietexte erzeugen, etwa Befundentwürfe?",
        (
            "II",
            "radiology_report_summarization",
        ): "Soll das Modell Radiologie- oder Untersuchungsbefunde zusammenfassen?",
        ("II", "examination_qa"): "Soll das Modell Fragen zu Untersuchungen beantworten?",
        (
            "II",
            "examination_report_extraction",
        ): "Soll das Modell bestimmte Angaben aus Untersuchungsbefunden herausziehen?",
        ("II", "disease_diagnosis"): "Soll das Modell Befunde klassifizieren oder Untersuchungen priorisieren?",
        ("II", "medical_image_processing"): "Soll das Modell mit den medizinischen Bildern selbst arbeiten?",
        ("III", "disease_diagnosis"): "Soll das Modell bei Diagnose oder Vorhersage von Krankheiten helfen?",
        (
            "III",
            "medical_information_extraction",
        ): "Soll das Modell medizinische Informationen extrahieren oder zusammenfassen?",
        ("III", "medical_qa"): "Soll das Modell medizinische Fragen beantworten?",
        (
            "III",
            "decision_text_generation",
        ): "Soll das Modell Therapiepläne, Vorschläge zur Entscheidungsunterstützung oder Arztbriefe entwerfen?",
        ("IV", "surgery_nursing_text_generation"): "Soll das Modell Dokumente rund um Operation und Pflege schreiben?",
        ("IV", "disease_prediction"): "Soll das Modell Risiken oder Überleben während der Behandlung vorhersagen?",
        ("IV", "clinical_text_extraction"): "Soll das Modell Informationen aus klinischen Notizen extrahieren?",
        ("IV", "medical_qa"): "Soll das Modell Fragen von Personal oder Patienten beantworten?",
        ("IV", "clinical_record_summarization"): "Soll das Modell Krankenakten oder Gespräche zusammenfassen?",
        ("V", "disease_prediction"): "Soll das Modell Rezidive oder Abrechnungsgruppen vorhersagen?",
        ("V", "clinical_text_extraction"): "Soll das Modell für die Nachsorge wichtige Informationen extrahieren?",
        ("V", "discharge_text_generation"): "Soll das Modell Entlassdokumente schreiben?",
        ("V", "medical_qa"): "Soll das Modell Fragen bei Entlassung und Nachsorge beantworten?",
    },
}

# Short task names for lists and tables.
_TASK_NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "registration_recommendation": "department recommendation",
        "radiology_text_generation": "examination text generation",
        "radiology_report_summarization": "report summarisation",
        "examination_qa": "questions about examinations",
        "examination_report_extraction": "extraction from reports",
        "disease_diagnosis": "diagnosis / classification",
        "medical_image_processing": "image processing",
        "medical_information_extraction": "information extraction",
        "medical_qa": "medical question answering",
        "decision_text_generation": "plans and letters",
        "surgery_nursing_text_generation": "surgery and nursing documents",
        "disease_prediction": "prediction",
        "clinical_text_extraction": "extraction from clinical notes",
        "clinical_record_summarization": "record summarisation",
        "discharge_text_generation": "discharge documents",
        "input_text_only": "input is text only",
        "output_text_only": "output is text only",
        "data_sharing": "data may be shared",
        "deploy_local": "local deployment preferred",
    },
    "es": {
        "registration_recommendation": "recomendación de servicio",
        "radiology_text_generation": "generación de textos de exploración",
        "radiology_report_summarization": "resumen de informes",
        "examination_qa": "preguntas sobre exploraciones",
        "examination_report_extraction": "extracción de informes",
        "disease_diagnosis": "diagnóstico / clasificación",
        "medical_image_processing": "procesamiento de imágenes",
        "medical_information_extraction": "extracción de información",
        "medical_qa": "preguntas médicas",
        "decision_text_generation": "planes y cartas",
        "surgery_nursing_text_generation": "documentos de cirugía y enfermería",
        "disease_prediction": "predicción",
        "clinical_text_extraction": "extracción de notas clínicas",
        "clinical_record_summarization": "resumen de historias",
        "discharge_text_generation": "documentos de alta",
        "input_text_only": "la entrada es solo texto",
        "output_text_only": "la salida es solo texto",
        "data_sharing": "los datos pueden compartirse",
        "deploy_local": "se prefiere despliegue local",
    },
    "de": {
        "registration_recommendation": "Abteilungsempfehlung",
        "radiology_text_generation": "Erzeugung von Untersuchungstexten",
        "radiology_report_summarization": "Befundzusammenfassung",
        "examination_qa": "Fragen zu Untersuchungen",
        "examination_report_extraction": "Extraktion aus Befunden",
        "disease_diagnosis": "Diagnose / Klassifikation",
        "medical_image_processing": "Bildverarbeitung",
        "medical_information_extraction": "Informationsextraktion",
        "medical_qa": "medizinische Fragen",
        "decision_text_generation": "Pläne und Briefe",
        "surgery_nursing_text_generation": "OP- und Pflegedokumente",
        "disease_prediction": "Vorhersage",
        "clinical_text_extraction": "Extraktion aus klinischen Notizen",
        "clinical_record_summarization": "Aktenzusammenfassung",
        "discharge_text_generation": "Entlassdokumente",
        "input_text_only": "Eingabe ist nur Text",
        "output_text_only": "Ausgabe ist nur Text",
        "data_sharing": "Daten dürfen geteilt werden",
        "deploy_local": "lokaler Betrieb bevorzugt",
    },
}


def question_text(lang: str, stage: str, question_id: str) -> str:
    """The question's text in ``lang`` (English from the questionnaire when not translated)."""
    table = _QUESTIONS.get(lang, {})
    return table.get((stage, question_id)) or table.get(("*", question_id)) or question(stage, question_id).text


def task_name(lang: str, question_id: str) -> str:
    """A short name for a question id in ``lang`` (the id itself when unknown)."""
    return _TASK_NAMES.get(lang, {}).get(question_id) or _TASK_NAMES["en"].get(question_id, question_id)


# Plain-language explanations of the general questions and glossary terms in Spanish and German; English
# comes from the questionnaire itself.
_EXPLANATIONS: Mapping[str, Mapping[str, str]] = {
    "es": {
        "input_text_only": "Texto son palabras escritas: notas, informes, cartas, valores de laboratorio escritos, "
        "respuestas a cuestionarios, una transcripción. Las imágenes (radiografía, TC, RM, fotos, preparaciones), "
        "las grabaciones de sonido, el vídeo, los trazados de ECG y las series de monitorización no son texto.",
        "output_text_only": "Responda sí si quiere palabras como resultado (un informe, un resumen, una respuesta, "
        "una etiqueta, un código); no si necesita otra cosa, como una región marcada en una imagen o voz.",
        "data_sharing": "Enviar datos al servicio en línea de una empresa (por ejemplo una API de un proveedor de "
        "IA) cuenta como compartirlos con un tercero, aunque el proveedor prometa no guardarlos. Responda no si los "
        "datos contienen información de pacientes que debe quedarse en su organización; entonces se excluyen los "
        "modelos que solo están disponibles como servicio en línea.",
        "deploy_local": "Local significa en servidores propios dentro de su red: compra las GPU y paga la energía. "
        "Nube significa alquilar GPU por horas o llamar a la API de un proveedor. La respuesta decide si los "
        "precios se muestran como compra o como alquiler.",
        "local deployment": "Ejecutar el modelo en hardware propio de su organización, dentro de su red.",
        "cloud deployment": "Ejecutar el modelo en GPU alquiladas por horas o mediante la API de un proveedor; los "
        "datos salen de su red.",
        "open model": "Un modelo cuyos pesos pueden descargarse, de modo que puede ejecutarse en hardware propio.",
        "api model": "Un modelo que solo se ofrece como servicio en línea: se envían los datos al proveedor y se "
        "paga por token. Requiere compartir datos y usar la nube.",
        "restricted model": "Un modelo descrito en artículos cuyos pesos nunca se publicaron; no puede usarse.",
        "star": "La estrella marca un modelo que los estudios señalaron como el mejor en al menos una subtarea de "
        "cada tarea seleccionada. Refleja comparaciones publicadas, no una garantía.",
        "evidence": "Cuántas veces los estudios de la revisión usaron el modelo para las subtareas seleccionadas; "
        "un estudio con dos subtareas cuenta dos veces.",
        "sub-task": "Un trabajo clínico concreto de la revisión, como resumir informes o codificar CIE, para un "
        "tipo de entrada (texto, imagen 2D, imagen 3D, audio...).",
        "pre-training": "Entrenar un modelo desde cero con una colección de texto muy grande; requiere muchas GPU "
        "durante semanas.",
        "fine-tuning": "Seguir entrenando un modelo existente con ejemplos propios para adaptarlo a la tarea.",
        "inference": "Usar un modelo entrenado para producir respuestas; es la fase más barata.",
        "gpu": "El procesador gráfico que ejecuta el modelo; su memoria (GB) limita qué tamaños caben.",
        "tdp": "Potencia de diseño térmico: los vatios que una GPU consume bajo carga.",
        "quantization": "Guardar los números del modelo con menos bits (por ejemplo 4 en vez de 16) para que "
        "necesite menos memoria, con una pequeña pérdida de calidad.",
        "qlora": "Una forma de ajuste fino de un modelo cuantizado (4 bits) entrenando solo pequeñas matrices "
        "añadidas; permite ajustar un modelo grande con una o pocas GPU.",
        "memory estimate": "Si ningún estudio informó del hardware de inferencia, la memoria se estima a partir "
        "del número de parámetros: unos 2 bytes por parámetro a 16 bits y medio byte a 4 bits, más un 20 %.",
        "parameters": "El número de pesos aprendidos de un modelo, en miles de millones (B) o millones (M).",
    },
    "de": {
        "input_text_only": "Text sind geschriebene Wörter: Notizen, Befunde, Briefe, als Text getippte Laborwerte, "
        "Fragebogenantworten, ein Transkript. Bilder (Röntgen, CT, MRT, Fotos, Präparate), Tonaufnahmen, Video, "
        "EKG-Kurven und Monitor-Zeitreihen sind kein Text.",
        "output_text_only": "Antworten Sie ja, wenn Sie Wörter zurückbekommen möchten (Befund, Zusammenfassung, "
        "Antwort, Label, Code); nein, wenn Sie etwas anderes brauchen, etwa eine markierte Bildregion oder Sprache.",
        "data_sharing": "Daten an den Online-Dienst einer Firma zu senden (etwa die API eines KI-Anbieters), gilt "
        "als Weitergabe an Dritte, auch wenn der Anbieter verspricht, sie nicht zu speichern. Antworten Sie nein, "
        "wenn die Daten Patienteninformationen enthalten, die Ihre Einrichtung nicht verlassen dürfen; dann "
        "entfallen Modelle, die nur als Online-Dienst erreichbar sind.",
        "deploy_local": "Lokal heißt auf eigenen Servern im eigenen Netz: Sie kaufen die GPUs und zahlen den Strom. "
        "Cloud heißt GPUs stundenweise mieten oder die API eines Anbieters nutzen. Die Antwort entscheidet, ob "
        "Kauf- oder Mietpreise gezeigt werden.",
        "local deployment": "Das Modell auf eigener Hardware der Einrichtung im eigenen Netz betreiben.",
        "cloud deployment": "Das Modell auf stundenweise gemieteten GPUs oder über die API eines Anbieters "
        "betreiben; die Daten verlassen Ihr Netz.",
        "open model": "Ein Modell, dessen Gewichte herunterladbar sind, sodass es auf eigener Hardware läuft.",
        "api model": "Ein Modell, das nur als Online-Dienst angeboten wird: Daten gehen an den Anbieter, bezahlt "
        "wird pro Token. Es erfordert Datenweitergabe und Cloud.",
        "restricted model": "Ein in Artikeln beschriebenes Modell, dessen Gewichte nie veröffentlicht wurden; es "
        "ist nicht nutzbar.",
        "star": "Ein Stern markiert ein Modell, das Studien in mindestens einer passenden Teilaufgabe jeder "
        "gewählten Aufgabe als bestes berichteten. Das spiegelt veröffentlichte Vergleiche wider, keine Garantie.",
        "evidence": "Wie oft Studien des Reviews das Modell für die gewählten Teilaufgaben nutzten; eine Studie mit "
        "zwei Teilaufgaben zählt doppelt.",
        "sub-task": "Eine konkrete klinische Aufgabe des Reviews, etwa Befundzusammenfassung oder ICD-Kodierung, "
        "für eine Eingabeart (Text, 2D-Bild, 3D-Bild, Audio...).",
        "pre-training": "Ein Modell von Grund auf mit sehr großen Textmengen trainieren; braucht viele GPUs über "
        "Wochen.",
        "fine-tuning": "Ein bestehendes Modell mit eigenen Beispielen weitertrainieren, damit es zur Aufgabe passt.",
        "inference": "Ein trainiertes Modell nutzen, um Antworten zu erzeugen; die günstigste Phase.",
        "gpu": "Der Grafikprozessor, der das Modell ausführt; sein Speicher (GB) begrenzt die Modellgröße.",
        "tdp": "Thermische Verlustleistung: die Watt, die eine GPU unter Last aufnimmt.",
        "quantization": "Die Zahlen eines Modells mit weniger Bits speichern (etwa 4 statt 16), damit es weniger "
        "Speicher braucht, bei etwas geringerer Qualität.",
        "qlora": "Feinabstimmung eines quantisierten (4-Bit-)Modells, bei der nur kleine zusätzliche Matrizen "
        "trainiert werden; so lässt sich ein großes Modell auf einer oder wenigen GPUs anpassen.",
        "memory estimate": "Hat keine Studie Inferenz-Hardware berichtet, wird der Speicher aus der Parameterzahl "
        "geschätzt: etwa 2 Byte pro Parameter bei 16 Bit und ein halbes Byte bei 4 Bit, plus 20 %.",
        "parameters": "Die Zahl der gelernten Gewichte eines Modells, in Milliarden (B) oder Millionen (M).",
    },
}


def explanation(lang: str, stage: str | None, key: str) -> str:
    """The plain-language explanation of a question id or glossary term in ``lang``."""
    localized = _EXPLANATIONS.get(lang, {}).get(key)
    if localized:
        return localized
    if key in GLOSSARY:
        return GLOSSARY[key]
    if key in GENERAL_QUESTIONS:
        return GENERAL_QUESTIONS[key].explanation
    return question(stage or "II", key).explanation


_DISCLAIMERS: Mapping[str, str] = {
    "en": DISCLAIMER,
    "es": "Orientación técnica, no consejo médico. Las recomendaciones proceden de los estudios publicados "
    "recopilados por la revisión de JMIR 2025 (Li, Fu, Python; doi:10.2196/71916) y reflejan lo que esos "
    "estudios informaron, no una validación para su entorno. Compruebe modelos, hardware y precios con sus "
    "propios expertos y proveedores antes de cualquier uso clínico; los precios varían según la región y el "
    "tiempo.",
    "de": "Technische Orientierung, keine medizinische Beratung. Die Empfehlungen stammen aus den "
    "veröffentlichten Studien, die das JMIR-2025-Review (Li, Fu, Python; doi:10.2196/71916) gesammelt hat, und "
    "geben wieder, was diese Studien berichteten, keine Validierung für Ihre Umgebung. Prüfen Sie Modelle, "
    "Hardware und Preise vor jedem klinischen Einsatz mit eigenen Fachleuten und Anbietern; Preise schwanken "
    "je nach Region und Zeit.",
}


def disclaimer(lang: str) -> str:
    """The disclaimer in ``lang`` (the English one is ``assistant.recommendation.DISCLAIMER``)."""
    return _DISCLAIMERS.get(lang, DISCLAIMER)
