"""Each wrapper people put around an inquiring line, on a document written for it.

Note apps (Obsidian, Notion), a text browser's dump, a forwarded e-mail, text
out of a PDF, a browser copy without blank lines, pages in other languages, and
text in no layout at all: each asserts the question, the notes, the claims with
their dates and papers, the anchors, the span and the warnings.
"""

import json

import pytest
from conftest import FIXTURES

from retest import load
from retest.extract.parser import parse_raw

LAYOUTS = FIXTURES / "layouts"


def _doc(name):
    return load(LAYOUTS / name).model_dump()


def _notes(d):
    return [(n["title"], n["summary"]) for n in d["notes"]]


def _claims(d):
    return [(c["date"], c["arxiv_ids"]) for c in d["claims"]]


def _starts(pairs, expected):
    assert len(pairs) == len(expected), pairs
    for (title, summary), (want_title, want_start) in zip(pairs, expected):
        assert title == want_title and summary.startswith(want_start), (title, summary)


def test_obsidian_clip_front_matter_wikilinks_and_a_folded_callout():
    d = _doc("obsidian.md")
    assert d["title"] == "Can sparse mixture-of-experts models be distilled into dense ones?"  # front matter only
    _starts(_notes(d), [("Does distillation keep what the router learned?", "Dense students recover 62%"),
                        ("Is factual recall preserved in dense students?", "Closed-book QA accuracy drops"),
                        ("Does the gap widen with teacher size?", "From 8 to 64 experts")])
    assert _claims(d) == [("2024-02", ["2402.01739"]), ("2024-06", ["2406.05892"]), ("2025-01", ["2501.11425"])]
    assert all(c["origin"] == "prompt" for c in d["claims"])  # the prompt inside the callout was read
    assert d["claims"][1]["text"] == "Closed-book QA loses only 1.8 points in a 47B→13B distillation"
    assert [(a["arxiv_id"], a["date"], a["label"]) for a in d["anchors"]] == [
        ("2402.01739", "2024-02", "Routing-aware distillation"), ("2501.11425", "2025-01", "Expert-count scaling of students")]
    assert (d["span"]["start"], d["span"]["end"]) == ("2024-02", "2025-01")
    assert d["warnings"] == [] and not d["truncated"]
    assert "2025-08" not in json.dumps(d) and "2025-09" not in json.dumps(d)  # front-matter dates date nothing
    # a wikilink to a note reads as the note's title, as the plain page cites it
    assert "[[" not in d["body"][0] and "casualty Does distillation keep what the router learned?, while" in d["body"][0]


def test_notion_export_properties_aside_partial_bold_and_date_forms():
    d = _doc("notion.md")
    assert d["title"] == "Do synthetic math problems improve reasoning transfer?"
    _starts(_notes(d), [("Do generated problems lift math benchmarks?", "Fine-tuning on 1M generated problems"),
                        ("Does the gain carry over to code and logic?", "On code and logic puzzles")])
    assert _claims(d) == [("2023-06", ["2306.02707"]), ("2023-11", ["2311.09821"])]  # "Jun 2023", "2023/11"
    assert [c["citations"][0]["version"] for c in d["claims"]] == [3, 1]
    assert d["claims"][0]["text"] == "Generated problems lift GSM8K from 57% to 74% at 7B"
    assert d["anchors"] == [{"arxiv_id": "2306.02707", "version": 3, "date": "2023-01",  # "(Jan 2023)" as written
                             "label": "Generated problems at scale"}]
    assert (d["span"]["start"], d["span"]["end"]) == ("2023-06", "2023-11")
    assert d["prompt"]["tasks"] == ["RE-TEST THE TRANSFER. Does the code and logic gain still vanish above 30B?"]
    assert d["warnings"] == [] and not d["truncated"]
    assert "2024-03" not in json.dumps(d)  # "Created: March 3, 2024" is a property, not a finding


def test_text_browser_dump_breadcrumbs_link_numbers_and_references():
    d = _doc("lynx.txt")
    assert d["title"] == "Is watermarking LLM text robust to paraphrase?"  # not the breadcrumb line
    _starts(_notes(d), [("Does paraphrasing erase the watermark?", "One pass of paraphrasing by a 7B model"),
                        ("Do longer texts keep the signal?", "With 800 tokens or more")])
    assert _claims(d) == [("2023-06", ["2303.11156"]), ("2023-06", ["2306.04634"])]  # [7]arXiv → References
    assert d["claims"][0]["citations"][0] == {"arxiv_id": "2303.11156", "version": 2, "date": "2023-06",
                                              "date_source": "written"}
    assert d["claims"][1]["text"].endswith("since the signal accumulates")
    assert d["anchors"] == [] and (d["span"]["start"], d["span"]["end"]) == ("2023-06", "2023-06")
    assert d["warnings"] == [] and not d["truncated"]
    assert not any("[" in t for t in d["framing"] + d["body"] + [n["summary"] for n in d["notes"]])


def test_forwarded_email_quoted_and_wrapped_at_72_columns():
    d = _doc("email.txt")
    assert d["title"] == "Does quantisation to 4 bits hurt long-context recall?"  # not From:, not the note above
    _starts(_notes(d), [("Does 4-bit weight quantisation change needle recall?", "Needle-in-a-haystack recall"),
                        ("Does a 4-bit KV cache lose distant tokens?", "Recall of facts placed beyond 16k")])
    assert "a factor of 3.1×, with the same tokens" in d["notes"][0]["summary"]  # a wrapped line opening with a figure
    assert d["notes"][1]["summary"].endswith("restores 93% (2024-02, arXiv:2402.02750).")
    assert _claims(d) == [("2023-10", ["2310.01801"]), ("2024-02", ["2402.02750"])]
    assert d["claims"][1]["text"].endswith("in full precision restores 93%")
    assert d["anchors"] == [] and (d["span"]["start"], d["span"]["end"]) == ("2023-10", "2024-02")
    assert d["warnings"] == [] and not d["truncated"]
    assert "mailing list" not in json.dumps(d) and "Tomasz" not in json.dumps(d)


def test_pdftotext_furniture_hyphens_ligatures_and_split_ids():
    d = _doc("pdftotext.txt")
    assert d["title"] == "Do preference-tuned models lose calibration?"  # not the print timestamp
    assert "reinforcement learning" in d["framing"][0] and "stated confidence less in line" in d["framing"][0]
    assert len(d["body"]) == 1 and "the cross-entropy of their answers" in d["body"][0]  # a real hyphen kept
    _starts(_notes(d), [("Does RLHF make models overconfident?", "After preference tuning, expected calibration"),
                        ("Can temperature scaling undo the damage?", "A single temperature fitted on held-out"),
                        ("Do older flows of the same idea agree?", "The 1990s results on ensemble")])
    assert d["notes"][0]["summary"].endswith("above 90% for most answers (2023-05, arXiv:2305.14975).")  # across a page
    assert "effective and efficient fine-tuning" in d["notes"][2]["summary"]  # ligatures as letters
    assert _claims(d) == [("2023-05", ["2305.14975"]), ("2024-03", ["2403.05973"]), ("1997-11", ["hep-th/9711200"])]
    assert d["anchors"] == [] and (d["span"]["start"], d["span"]["end"]) == ("1997-11", "2024-03")
    assert d["warnings"] == [] and not d["truncated"]
    text = json.dumps(d, ensure_ascii=False)
    assert "Page" not in text and "library.example.org" not in text and "\ufb01" not in text and "\xad" not in text


def test_browser_copy_without_blank_lines_pairs_grouped_dates_by_position():
    d = _doc("browser_oneline.txt")
    assert d["title"] == "Do retrieval heads exist in every transformer family?"
    _starts(_notes(d), [("Are retrieval heads universal across model families?", "Fewer than 5% of heads"),
                        ("Does pruning retrieval heads break recall?", "Masking the top 20 retrieval heads")])
    assert [(c["arxiv_id"], c["date"]) for c in d["claims"][0]["citations"]] == [
        ("2404.15574", "2024-04"), ("2307.09288", "2023-07")]  # (2024-04; 2023-07, A, B): each date its own paper
    assert _claims(d) == [("2023-07", ["2404.15574", "2307.09288"]), ("2024-04", ["2404.15574"])]
    assert d["anchors"] == [{"arxiv_id": "2404.15574", "version": None, "date": "2024-04", "label": "Retrieval heads"}]
    assert (d["span"]["start"], d["span"]["end"]) == ("2023-07", "2024-04")
    assert d["warnings"] == [] and not d["truncated"]


def test_a_page_in_spanish():
    d = _doc("spanish.txt")
    assert d["title"] == "¿Los modelos pequeños aprenden mejor con un currículo ordenado?"
    assert d["framing"][0].startswith("This reads the question as: si presentar") and "«no importa»" in d["framing"][0]
    _starts(_notes(d), [("¿Ayuda el currículo en el preentrenamiento?", "Ordenar los textos por dificultad"),
                        ("¿Ayuda el currículo con pocos datos?", "Con 10.000 ejemplos de ajuste fino")])
    assert d["declared_notes"] == 2
    assert _claims(d) == [("2024-05", ["2405.07490"]), ("2023-10", ["2310.09518"])]  # "mayo de 2024"
    assert d["claims"][0]["text"] == "El currículo mejora la perplejidad un 1,2% a 125M y se desvanece con más datos"
    assert d["anchors"] == [{"arxiv_id": "2310.09518", "version": None, "date": "2023-10",
                             "label": "Currículo en ajuste fino"}]
    assert (d["span"]["start"], d["span"]["end"]) == ("2023-10", "2024-05")
    assert d["prompt"]["tasks"] == ["VUELVE A PROBAR LAS AFIRMACIONES. ¿Se mantienen los 6 puntos con modelos más nuevos?"]
    assert d["warnings"] == [] and not d["truncated"]


HEADINGS = {
    "fr": ("LIGNE D'ENQUÊTE", "Ceci lit la question comme : x.", "Sources 1 note", "Prompt de recherche pour votre LLM",
           "Ce qu'une bibliothèque organisée a trouvé — et quand :", "Les résultats couvrent mai 2024–juin 2024.",
           "Articles d'ancrage (vérifiez) :", "Votre tâche :", "juin 2024"),
    "de": ("FORSCHUNGSLINIE", "Dies liest die Frage als: x.", "Quellen 1 Notizen", "Recherche-Prompt für dein LLM",
           "Was eine kuratierte Bibliothek gefunden hat — und wann:", "Die Befunde reichen von Mai 2024–Juni 2024.",
           "Ankerarbeiten (prüfen):", "Deine Aufgabe:", "Juni 2024"),
    "pt": ("LINHA DE INVESTIGAÇÃO", "Isto lê a pergunta como: x.", "Fontes 1 notas", "Prompt de pesquisa para o seu LLM",
           "O que uma biblioteca curada encontrou — e quando:", "As descobertas abrangem maio 2024–junho 2024.",
           "Artigos âncora (verifique):", "Sua tarefa:", "junho de 2024"),
}


@pytest.mark.parametrize("language", list(HEADINGS))
def test_headings_in_other_languages(language):
    header, framing, sources, prompt, found, span, anchors, task, june = HEADINGS[language]
    text = (f"{header}\n\nQ?\n\n{framing}\n\n{sources}\n\nN?\n\nS ({june}, arXiv:2406.01234).\n\n{prompt}\n\n"
            f"{found}\n{span}\n• C1 (2024-05, arXiv:2405.01234).\n• C2 ({june}, arXiv:2406.01234).\n\n{anchors}\n"
            f"• arXiv:2405.01234 (2024-05) — A\n\n{task}\n(1) T?\n\nEnd.\n")
    d = parse_raw(text)
    assert d["title"] == "Q?" and d["framing"] and d["declared_notes"] == 1 and _notes(d) == [("N?", d["notes"][0]["summary"])]
    assert [(c["text"], c["date"], c["arxiv_ids"]) for c in d["claims"]] == [
        ("C1", "2024-05", ["2405.01234"]), ("C2", "2024-06", ["2406.01234"])]
    assert [(a["arxiv_id"], a["label"]) for a in d["anchors"]] == [("2405.01234", "A")]
    assert (d["span"]["start"], d["span"]["end"]) == ("2024-05", "2024-06") and d["prompt"]["tasks"] == ["T?"]
    assert d["warnings"] == [] and not d["truncated"]


def test_a_page_in_italian_is_read_with_its_notes():
    d = _doc("italian.txt")
    assert d["title"] == "I modelli distillati ereditano i bias del maestro?"
    _starts(_notes(d), [("Lo studente copia i bias di genere?", "Gli studenti distillati mostrano il 92%"),
                        ("La distillazione amplifica i bias rari?", "I bias presenti in meno dell'1%")])
    assert _claims(d) == [("2023-09", ["2309.10668"]), ("2024-03", ["2403.09472"])]  # "marzo 2024"
    assert d["claims"][0]["text"] == "Gli studenti distillati mostrano il 92% dei bias di genere del maestro su WinoBias"
    assert (d["span"]["start"], d["span"]["end"]) == ("2023-09", "2024-03")
    assert d["warnings"] == [] and not d["truncated"]


def test_structure_in_a_language_not_in_the_tables_still_gives_its_claims():
    text = (LAYOUTS / "italian.txt").read_text(encoding="utf-8").replace("LINEA DI INDAGINE", "LINIA BADAWCZA")
    text = text.replace("Questo legge la domanda come", "To czyta pytanie jako").replace("Fonti 2 note", "Źródła 2 notatki")
    text = text.replace("marzo 2024", "2024-03")
    d = parse_raw(text)
    assert d["notes"] == [] and d["anchors"] == []
    assert _claims(d) == [("2023-09", ["2309.10668"]), ("2024-03", ["2403.09472"])]
    assert d["claims"][0]["text"] == "Gli studenti distillati mostrano il 92% dei bias di genere del maestro su WinoBias"
    assert d["warnings"][0] == "layout not recognised: 2 dated claim(s) with arXiv IDs read from the text, without notes"
    assert d["warnings"][1].startswith("'Źródła 2 notatki' looks like a 'Sources N notes' heading in a language")
    assert "Italian, Dutch, Chinese and Japanese" in d["warnings"][1]


def test_unrecognised_layout_with_dated_claims_degrades_instead_of_refusing(cli):
    r = cli("extract", "--jsonl", LAYOUTS / "unrecognised.txt")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["title"] == "Reading notes, week 3 — tokenizer papers"  # no question: the heading above the claims
    assert d["notes"] == [] and d["anchors"] == []
    assert _claims(d) == [("2024-01", ["2401.13660"]), ("2024-07", ["2407.13623"])]  # the undated, unsourced line is not one
    assert d["claims"][1]["text"] == "Vocabulary size should grow with model size; 32k is too small above 7B"
    assert (d["span"]["start"], d["span"]["end"]) == ("2024-01", "2024-07")
    assert d["warnings"] == ["layout not recognised: 2 dated claim(s) with arXiv IDs read from the text, without notes"]
    r = cli("extract", "--jsonl", FIXTURES / "not_a_line.txt")  # nothing dated and cited: still refused
    assert r.returncode == 2 and "not an inquiring line" in r.stderr


# -- dates in any common form beside a citation -------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from retest.extract import dates  # noqa: E402

_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
       "November", "December"]
_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"]
_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
       "noviembre", "diciembre"]
_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
       "décembre"]
_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
       "Dezember"]
_PT = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
       "novembro", "dezembro"]
FORMS = {
    "iso": lambda y, m: f"{y}-{m:02d}",
    "iso day": lambda y, m: f"{y}-{m:02d}-14",
    "slash": lambda y, m: f"{y}/{m:02d}",
    "month slash": lambda y, m: f"{m:02d}/{y}",
    "month slash short": lambda y, m: f"{m}/{y}",
    "name": lambda y, m: f"{_EN[m - 1]} {y}",
    "abbr": lambda y, m: f"{_ABBR[m - 1]} {y}",
    "abbr dot": lambda y, m: f"{_ABBR[m - 1]}. {y}",
    "lower": lambda y, m: f"{_EN[m - 1].lower()} {y}",
    "es": lambda y, m: f"{_ES[m - 1]} de {y}",
    "fr": lambda y, m: f"{_FR[m - 1]} {y}",
    "de": lambda y, m: f"{_DE[m - 1]} {y}",
    "pt": lambda y, m: f"{_PT[m - 1]} de {y}",
}


@settings(max_examples=300, deadline=None)
@given(st.integers(1991, 2039), st.integers(1, 12), st.sampled_from(list(FORMS)), st.sampled_from(["(", "[", ", "]),
       st.sampled_from(["arXiv:2405.07490", "https://arxiv.org/abs/2405.07490v2", "arXiv 2405.07490"]),
       st.booleans())
def test_any_common_date_form_dates_its_claim(year, month, form, opener, paper, paper_first):
    written = FORMS[form](year, month)
    assert [d.start for d in dates.find_dates(written)] == [f"{year}-{month:02d}"]
    group = f"{paper}, {written}" if paper_first else f"{written}, {paper}"
    close = {"(": ")", "[": "]", ", ": ""}[opener]
    text = f"INQUIRING LINE\n\nQ?\n\nThis reads the question as: x.\n\nSources 1 notes\n\nN?\n\nA finding {opener}{group}{close}.\n"
    claim = parse_raw(text)["claims"][0]
    assert (claim["date"], claim["arxiv_ids"]) == (f"{year}-{month:02d}", ["2405.07490"])
    if close:
        assert claim["text"] == "A finding"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(2015, 2029), st.integers(1, 12)), min_size=2, max_size=5, unique=True),
       st.sampled_from(list(FORMS)), st.booleans())
def test_grouped_dates_and_ids_pair_by_position(when, form, ids_first):
    ids = [f"arXiv:{y % 100:02d}{m:02d}.{10001 + k:05d}" for k, (y, m) in enumerate(when)]
    written = [FORMS[form](y, m) for y, m in reversed(when)]  # dates written in an order of their own
    ids = list(reversed(ids))
    parts = (ids + written) if ids_first else (written + ids)
    claim = parse_raw(f"Q?\n\nThis explores x.\n\nSources 1 notes\n\nN?\n\nA finding ({'; '.join(parts)}).\n")["claims"][0]
    assert [c["date"] for c in claim["citations"]] == [f"{y}-{m:02d}" for y, m in reversed(when)]
    assert claim["date"] == min(f"{y}-{m:02d}" for y, m in when)


def test_numbers_that_are_not_dates():
    assert dates.find_dates("14/05/2024, 1.5/2024, x/2024/05, 2024/13, 13/2024, v2/2024") == []


@pytest.mark.parametrize("text, joined", [
    ("the reinforce-\nment signal", "the reinforcement signal"),  # a suffix: the joined word is likelier
    ("low cross-\nentropy loss", "low cross-entropy loss"),  # a word of its own: the hyphen stays
    ("pretraining helps; pre-\ntraining at scale", "pretraining helps; pretraining at scale"),  # the text's own use
    ("pre-training helps; pre-\ntraining at scale", "pre-training helps; pre-training at scale"),
    ("see arXiv:2311.\n01234 and arXiv:hep-\nth/9711200", "see arXiv:2311.01234 and arXiv:hep-th/9711200"),
    ("stated con\u00adfi-\ndence and confidence", "stated confidence and confidence"),  # soft hyphen gone
])
def test_words_and_ids_split_across_lines(text, joined):
    from retest.extract.layouts import joins, pdf

    assert joins.hyphens(joins.split_ids(pdf.characters(text))) == joined
