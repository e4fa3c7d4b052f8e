"""The layout's section words, one table per language, and their English form.

A heading line written in a known language is rewritten with the English words
the parser reads (``Fuentes 6 notas`` → ``Sources 6 notes``), the rest of the
line kept. Emphasis around a heading's words (``**Anchor papers** (verify…)``)
is dropped. Matching is on the start of a line, case and accents aside.
"""

from __future__ import annotations

import re
import unicodedata

from . import cjk, decoration, synonyms

ENGLISH = {
    "header": "INQUIRING LINE",
    "prompt": "Research prompt for your LLM",
    "found": "What a curated library found",
    "span": "Findings span",
    "identified": "A curated library identified:",
    "anchors": "Anchor papers",
    "tasks": "Your task:",
    "next": "Next inquiring lines",
    "framing": "This reads the question as:",
    "opening": "This explores",
}
# Each language: section → the phrases it is written with (first words of the line).
TABLES = {
    "en": {
        "header": ["inquiring line"], "sources": ["sources"], "notes": ["notes", "note", "sources"],
        "prompt": ["research prompt for your llm"], "found": ["what a curated library found"],
        "span": ["findings span"], "identified": ["a curated library identified"], "anchors": ["anchor papers"],
        "tasks": ["your task"], "next": ["next inquiring line"], "framing": ["this reads the question"],
        "opening": ["this explores"],
    },
    "es": {
        "header": ["línea de indagación", "línea de investigación"],
        "sources": ["fuentes"], "notes": ["notas", "nota", "fuentes"],
        "prompt": ["prompt de investigación para tu llm", "indicación de investigación para tu llm"],
        "found": ["lo que encontró una biblioteca curada"],
        "span": ["los hallazgos abarcan", "los hallazgos van de"],
        "identified": ["una biblioteca curada identificó"],
        "anchors": ["artículos ancla", "artículos de referencia"],
        "tasks": ["tu tarea", "tus tareas"],
        "next": ["próximas líneas de indagación", "siguientes líneas de indagación"],
        "framing": ["esto lee la pregunta como", "esto interpreta la pregunta como"],
        "opening": ["esto explora"],
    },
    "fr": {
        "header": ["ligne d'enquête", "ligne de recherche"],
        "sources": ["sources"], "notes": ["notes", "note"],
        "prompt": ["prompt de recherche pour votre llm", "consigne de recherche pour votre llm"],
        "found": ["ce qu'une bibliothèque organisée a trouvé", "ce qu'une bibliothèque a trouvé"],
        "span": ["les résultats couvrent", "les résultats vont de"],
        "identified": ["une bibliothèque organisée a identifié"],
        "anchors": ["articles d'ancrage", "articles de référence"],
        "tasks": ["votre tâche", "vos tâches"],
        "next": ["prochaines lignes d'enquête"],
        "framing": ["ceci lit la question comme", "ceci interprète la question comme"],
        "opening": ["ceci explore"],
    },
    "de": {
        "header": ["forschungslinie", "fragelinie"],
        "sources": ["quellen"], "notes": ["notizen", "notiz", "quellen"],
        "prompt": ["recherche-prompt für dein llm", "forschungsprompt für dein llm", "recherche-prompt für ihr llm"],
        "found": ["was eine kuratierte bibliothek gefunden hat"],
        "span": ["die befunde reichen von", "befunde reichen von", "die befunde umfassen"],
        "identified": ["eine kuratierte bibliothek fand"],
        "anchors": ["ankerarbeiten", "anker-paper", "referenzarbeiten"],
        "tasks": ["deine aufgabe", "ihre aufgabe"],
        "next": ["nächste forschungslinien"],
        "framing": ["dies liest die frage als", "dies versteht die frage als"],
        "opening": ["dies untersucht"],
    },
    "pt": {
        "header": ["linha de investigação", "linha de indagação"],
        "sources": ["fontes"], "notes": ["notas", "nota", "fontes"],
        "prompt": ["prompt de pesquisa para o seu llm", "prompt de pesquisa para seu llm"],
        "found": ["o que uma biblioteca curada encontrou"],
        "span": ["as descobertas abrangem", "os achados abrangem"],
        "identified": ["uma biblioteca curada identificou"],
        "anchors": ["artigos âncora", "artigos de referência"],
        "tasks": ["sua tarefa", "a sua tarefa", "suas tarefas"],
        "next": ["próximas linhas de investigação"],
        "framing": ["isto lê a pergunta como", "isto interpreta a pergunta como"],
        "opening": ["isto explora"],
    },
    "it": {
        "header": ["linea di indagine", "linea di ricerca"],
        "sources": ["fonti"], "notes": ["note", "nota", "fonti"],
        "prompt": ["prompt di ricerca per il tuo llm", "prompt di ricerca per il tuo modello"],
        "found": ["cosa ha trovato una biblioteca curata", "ciò che ha trovato una biblioteca curata",
                  "quello che ha trovato una biblioteca curata"],
        "span": ["i risultati coprono", "i risultati vanno da", "i risultati abbracciano"],
        "identified": ["una biblioteca curata ha individuato", "una biblioteca curata ha identificato"],
        "anchors": ["articoli di riferimento", "articoli àncora", "articoli ancora"],
        "tasks": ["il tuo compito", "i tuoi compiti"],
        "next": ["prossime linee di indagine"],
        "framing": ["questo legge la domanda come", "questo interpreta la domanda come"],
        "opening": ["questo esplora"],
    },
    "nl": {
        "header": ["onderzoekslijn", "vraaglijn"],
        "sources": ["bronnen"], "notes": ["notities", "notitie", "aantekeningen", "bronnen"],
        "prompt": ["onderzoeksprompt voor je llm", "onderzoeksprompt voor jouw llm", "onderzoeksprompt voor uw llm"],
        "found": ["wat een samengestelde bibliotheek vond", "wat een gecureerde bibliotheek vond",
                  "wat een samengestelde bibliotheek heeft gevonden"],
        "span": ["de bevindingen beslaan", "bevindingen beslaan", "de bevindingen lopen van"],
        "identified": ["een samengestelde bibliotheek identificeerde", "een gecureerde bibliotheek identificeerde"],
        "anchors": ["ankerartikelen", "ankerpapers", "referentieartikelen"],
        "tasks": ["je taak", "jouw taak", "uw taak", "je taken"],
        "next": ["volgende onderzoekslijnen"],
        "framing": ["dit leest de vraag als", "dit interpreteert de vraag als"],
        "opening": ["dit verkent", "dit onderzoekt"],
    },
}
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian",
         "nl": "Dutch", "zh": "Chinese", "ja": "Japanese"}


def fold(text: str) -> str:
    """Lower case without accents (``Línea`` → ``linea``), for matching only."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_PHRASES = sorted(((fold(p), key, lang) for lang, table in TABLES.items() for key, ps in table.items()
                   if key in ENGLISH for p in ps), key=lambda x: -len(x[0]))
_FIRST = {p.split()[0] for p, _, _ in _PHRASES} | {fold(w) for t in TABLES.values() for w in t["sources"]}
_STARTS = tuple({w for p, _, _ in _PHRASES for w in (p.split()[0],)} | _FIRST | {"*", "_"}
                | {p.split()[0].lower() for t in TABLES.values() for v in t.values() for p in v})
_INITIALS = frozenset(w[0] for w in _STARTS)  # a line opening otherwise is no heading: the quick test
# The opening words by their first letter: a line is compared with the few that share its own.
_STARTS_BY_INITIAL = {c: tuple(w for w in _STARTS if w[0] == c) for c in _INITIALS}
# First words only English phrases start with: such a line needs no rewriting.
_ENGLISH_ONLY = {p.split()[0] for p, _, lang in _PHRASES if lang == "en"} - {
    p.split()[0] for p, _, lang in _PHRASES if lang != "en"} - {fold(w) for t in TABLES.values() for w in t["sources"]}
_SOURCE_WORDS = "|".join(sorted({fold(w) for t in TABLES.values() for w in t["sources"]}))
_NOTE_WORDS = "|".join(sorted({fold(w) for t in TABLES.values() for w in t["notes"]}, key=len, reverse=True))
_SOURCES = re.compile(rf"^(?:{_SOURCE_WORDS})\b\W*+(?:(\d++)[ \t]*+(?:{_NOTE_WORDS})?)?\W*+$")
_EMPHASIS = re.compile(r"^([*_]{1,3})([^*_\n]{3,80}?)\1(?=[\s:(—–-]|$)")
_OPENERS = ("¿", "¡", "«", "“", '"')
# The phrases a heading line starts with, for one ``str.startswith`` a line (a phrase whose first word
# is longer than the 30 characters looked at never matches).
_HEADINGS = tuple(p for p, k, _ in _PHRASES if k not in ("framing", "opening") and len(p.split()[0]) <= 30)
# The phrases by their first character, each list in the order the phrases are tried (longest first).
_BY_INITIAL: dict[str, list[tuple[str, str, str]]] = {}
for _phrase in _PHRASES:
    _BY_INITIAL.setdefault(_phrase[0][:1], []).append(_phrase)


def _plain(line: str) -> str:
    """Emphasis off the words a line opens with (``**Anchor papers** (…)`` → ``Anchor papers (…)``)."""
    m = _EMPHASIS.match(line)
    return m.group(2) + line[m.end() :] if m else line


def is_heading(line: str) -> bool:
    """A section's heading line (a framing or body paragraph is not one)."""
    key = fold(_plain(line.strip())[:60])
    return bool(_SOURCES.match(key)) or key.startswith(_HEADINGS)


def translate_lines(text: str) -> tuple[str, set[str]]:
    """``translate`` of every line of ``text``, and the languages met. Blank lines, long ones and prose
    (nothing in front, no label) are sent straight to the step ``translate`` would take them to."""
    lines, languages = [], set()
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or len(stripped) > 400:
            lines.append(line)
            continue
        first = stripped[0]
        if len(stripped) > 60 and first not in "#*_" and first < decoration.FIRST_SYMBOL and (
                stripped[-1] < decoration.FIRST_SYMBOL) and stripped.find(":", 0, 42) == -1:
            line, language = _words(line, stripped)
        else:
            line, language = translate(line)
        lines.append(line)
        if language:
            languages.add(language)
    return "\n".join(lines), languages


def translate(line: str) -> tuple[str, str | None]:
    """``line`` with its section words in English, and the language's code when they were not.

    Decoration goes first: emoji and symbols in front (``📚 Sources``), emphasis around a
    heading's words; a heading written in other words (``Key findings``) is read by meaning.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > 400:
        return line, None
    first = stripped[0]
    if len(stripped) <= 60 or first in "#*_" or first >= decoration.FIRST_SYMBOL or (
            stripped[-1] >= decoration.FIRST_SYMBOL):
        found = _decorated(line, stripped)  # short lines and decorated ones: headings in other forms
        if found is not None:
            return found
    elif stripped.find(":", 0, 42) != -1:
        rest = synonyms.label_off(stripped)
        if rest is not None:
            return translate(rest)
    return _words(line, stripped)


def _decorated(line: str, stripped: str) -> tuple[str, str | None] | None:
    """A heading under decoration, in other words, or in Chinese or Japanese; None to read ``line`` as it is."""
    trimmed = stripped[-1] >= decoration.FIRST_SYMBOL and decoration.is_symbol(stripped[-1])
    if trimmed:
        line = stripped = decoration.trailing_off(stripped)
    if stripped[0] in "#*_" or (stripped[0] >= decoration.FIRST_SYMBOL and decoration.is_symbol(stripped[0])):
        prefix, core = decoration.split(stripped)
        if core != stripped:
            found = synonyms.heading(_plain(core))
            if found is not None:
                return prefix + found[0], found[1]
            if core and core[0] >= "\u2e80":
                found = cjk.translate(core)
                if found is not None:
                    return prefix + found[0], found[1]
            english, language = translate(core)
            if language is None and english == core and not decoration.had_symbols(stripped, prefix):
                return line, None  # emphasis around an ordinary line is the writer's
            return prefix + english, language
    elif not stripped.isascii() and max(stripped[:16]) >= "\u2e80":
        found = cjk.translate(stripped)  # Chinese or Japanese, perhaps after a Latin word ("LLMへの…")
        return found if found is not None else (line, None)
    plain = _plain(stripped) if stripped[0] in "*_" else stripped
    if len(stripped) <= 60:
        found = synonyms.heading(plain)
        if found is not None:
            return found
    if plain.find(":", 0, 42) != -1:
        rest = synonyms.label_off(plain)
        if rest is not None:
            return translate(rest)
    return _words(line, stripped) if trimmed else None


def _words(line: str, stripped: str) -> tuple[str, str | None]:
    """The section words of the languages' tables, at the start of ``line``."""
    opening = stripped[:24].lower()
    starts = _STARTS_BY_INITIAL.get(opening[0])
    if starts is None or not opening.startswith(starts):
        return line, None
    plain = _plain(stripped) if stripped[0] in "*_" else stripped
    first = plain[:40].split(maxsplit=1)[0]
    first = (first.lower() if first.isascii() else fold(first)).strip(":")
    if first not in _FIRST:
        return line, None
    if first in _ENGLISH_ONLY:
        return plain, None
    folded = fold(plain[:80])
    m = _SOURCES.match(folded) if len(plain) <= 80 else None
    if m:
        if folded.startswith("sources"):
            return plain, None
        lang = next(code for code, t in TABLES.items() if first in (fold(w) for w in t["sources"]))
        return (f"Sources {m.group(1)} notes" if m.group(1) else "Sources"), lang
    for phrase, key, lang in _BY_INITIAL.get(folded[:1], ()):
        if folded.startswith(phrase) and (len(folded) == len(phrase) or not folded[len(phrase)].isalnum()):
            if lang == "en":
                return plain, None
            rest = plain[_original_length(plain, phrase) :]
            english = ENGLISH[key]
            if english.endswith(":"):
                rest = rest.lstrip().lstrip(":").lstrip()
                return f"{english} {rest}".rstrip(), lang
            return english + rest, lang
    return line, None


def _original_length(text: str, folded_phrase: str) -> int:
    """How many characters of ``text`` its folded prefix ``folded_phrase`` covers."""
    n = 0
    for i in range(len(text)):
        n = len(fold(text[: i + 1]))
        if n >= len(folded_phrase):
            return i + 1
    return len(text)

