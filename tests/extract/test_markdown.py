"""Markdown exports of inquiring lines read as their plain copies do."""

import re

from conftest import FIXTURES, SEED_000, SEED_002, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retest import load, parse
from retest.extract.markdown import looks_like_markdown

MD = FIXTURES / "markdown"


def _doc(path):
    return load(path).model_dump()


def test_atx_headings_notes_as_headings_and_a_fenced_prompt():
    d = _doc(MD / "atx_fenced.md")
    assert d["title"] == "Does retrieval beat long context for multi-document QA?"
    assert [n["title"] for n in d["notes"]] == [
        "Do models lose information in the middle of long contexts?", "Can retrieval make small models competitive?",
        "Does longer context training fix the middle?", "Are rerankers worth their latency?"]
    assert d["notes"][0]["summary"] == ("Accuracy drops by over 20% when the relevant passage sits mid-context "
                                        "(arXiv:2307.03172).")
    assert d["notes"][1]["arxiv_ids"] == ["2306.14048"]  # a Hugging Face paper link
    assert [(c["text"], c["date"], c["arxiv_ids"]) for c in d["claims"]] == [
        ("Mid-context passages lose over 20% accuracy", "2023-07", ["2307.03172"]),
        ("Retrieval lets a *7B* model match a 65B one", "2023-06", ["2306.14048"]),  # emphasis kept as written
        ("Long-context training narrows the gap", "2025-03", ["2503.01234"]),
    ]
    assert d["anchors"] == [{"arxiv_id": "2307.03172", "version": None, "date": "2023-07",
                             "label": "Lost in the Middle"}]
    assert (d["span"]["start"], d["span"]["end"]) == ("2023-07", "2025-03")
    assert d["warnings"] == [] and not d["truncated"]  # the closing fence is not a cut
    assert d["prompt"]["tasks"][0] == "RE-TEST THE CLAIMS. Does the 20% figure still hold?"


def test_setext_headings_list_item_notes_quoted_prompt_crlf_and_bom():
    raw = (MD / "list_items.md").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    d = _doc(MD / "list_items.md")
    assert d["title"] == "Is chain-of-thought faithful?"
    assert [(n["title"], n["arxiv_ids"]) for n in d["notes"]] == [
        ("Do models decide before they reason?", ["2402.04614"]),  # - **Title?** summary, "arXiv ID"
        ("Does editing the chain change the answer?", ["2307.13702"]),  # 1. Title? — summary, "arXiv.ID"
        (None, ["2305.04388"]),  # an untitled note, an ar5iv link
    ]
    assert d["notes"][0]["summary"].startswith("Probes recover the final answer")
    assert d["notes"][2]["summary"].endswith("& more.")  # HTML entities decoded
    assert [(c["text"], c["date"], c["arxiv_ids"]) for c in d["claims"]] == [
        ("Answers are decided before reasoning in 70% of cases", "2024-02", ["2402.04614"]),
        ("Editing the chain rarely changes the answer", "2023-07", ["2307.13702"]),  # alphaXiv link
    ]
    assert d["prompt"]["tasks"] == ["RE-TEST THE CLAIMS. Do they hold for reasoning models?"]  # <br> read
    assert (d["span"]["start"], d["span"]["end"]) == ("2023-07", "2024-02")
    assert not d["truncated"]  # "Next inquiring lines" is page residue, not a cut
    assert d["warnings"] == ["the body cites 0 note title(s) for 1 untitled note(s); titles were paired in order "
                             "of first citation and may be off"]


def test_bold_titles_tilde_fence_plus_bullets_and_a_closing_rule():
    d = _doc(MD / "bold_titles.md")
    assert d["title"] == "Do sparse autoencoders find the same features across scales?"  # emphasis removed
    assert [n["title"] for n in d["notes"]] == ["Are SAE features universal across seeds?",
                                                "Does feature splitting follow scaling laws?"]
    assert d["notes"][1]["arxiv_ids"] == ["2403.01234"]  # an autolink
    assert [(c["text"], c["date"], c["arxiv_ids"]) for c in d["claims"]] == [
        ("80% of high-activation features recur across seeds", "2024-01", ["2401.12345"]),
        ("Feature counts follow a power law", "2024-03", ["2403.01234", "2503.00042"]),  # two linked papers
    ]
    assert d["claims"][1]["citations"][1] == {"arxiv_id": "2503.00042", "version": None, "date": "2025-03",
                                              "date_source": "written"}
    assert d["anchors"][0]["version"] == 3 and d["anchors"][0]["label"] == "Universality study"
    assert d["warnings"] == [] and not d["truncated"]  # a horizontal rule at the end is not a cut


def test_markdown_is_told_by_its_text_not_its_name(tmp_path):
    plain_md = tmp_path / "plain.md"
    plain_md.write_text(SEED_002.read_text())
    md_txt = tmp_path / "export.txt"
    md_txt.write_text((MD / "atx_fenced.md").read_text())
    assert not looks_like_markdown(SEED_002.read_text()) and not looks_like_markdown(SEED_000.read_text())
    assert load(plain_md).model_dump()["claims"] == load(SEED_002).model_dump()["claims"]
    assert len(load(md_txt).notes) == 4
    r = run_cli("extract", "--jsonl", md_txt)
    assert r.returncode == 0 and '"title": "Does retrieval beat long context' in r.stdout


def test_a_real_cut_is_still_reported_in_markdown():
    text = (MD / "atx_fenced.md").read_text()
    cut = text[: text.index("Anchor papers")] + "- Long-context training narr"
    d = parse(cut).model_dump()
    assert d["truncated"] and d["warnings"][0].startswith("document is truncated")


# -- a Markdown export of any plain document reads the same ------------------------------

PLAIN = [SEED_000, SEED_002, FIXTURES / "roundtrip.txt", FIXTURES / "variants.txt", FIXTURES / "summaries_crlf.txt"]

styles = st.fixed_dictionaries({
    "title": st.sampled_from(["atx", "setext", "bold", "atx-closed"]),
    "sources": st.sampled_from(["atx", "setext", "bold", "plain"]),
    "notes": st.sampled_from(["heading", "bold", "item", "numbered"]),
    "prompt": st.sampled_from(["fence", "tilde", "quote", "plain"]),
    "bullet": st.sampled_from(["-", "*", "+", "1."]),
    "links": st.booleans(),
    "header": st.booleans(),
    "rule": st.booleans(),
})


def to_markdown(path, style) -> str:
    """A Markdown export of a plain document, in the given style."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    doc = parse(text)
    titles = {n.title for n in doc.notes if n.title}
    lines = [l.strip() for l in text.split("\n")]
    out, section, k = [], "head", 0
    while k < len(lines):
        line = lines[k]
        k += 1
        if not line:
            continue
        if line.upper() == "INQUIRING LINE":
            if style["header"]:
                out += ["## INQUIRING LINE", ""]
            continue
        if line.lower().startswith("next inquiring lines"):
            break
        if line == doc.title and section == "head":
            out += {"atx": [f"# {line}"], "atx-closed": [f"# {line} #"], "setext": [line, "=" * len(line)],
                    "bold": [f"**{line}**"]}[style["title"]] + [""]
            section = "body"
            continue
        if line.lower().startswith("sources") and len(line) < 30:
            out += {"atx": [f"## {line}"], "setext": [line, "-" * len(line)], "bold": [f"**{line}**"],
                    "plain": [line]}[style["sources"]] + [""]
            section = "sources"
            continue
        if line.lower().startswith("research prompt for your llm"):
            if style["rule"]:
                out += ["---", ""]
            out += [f"## {line.replace('expand ↓', '').strip()}", ""]
            section = "prompt"
            out.append({"fence": "```text", "tilde": "~~~", "quote": "", "plain": ""}[style["prompt"]])
            continue
        if section == "sources" and line in titles and k < len(lines):
            while k < len(lines) and not lines[k]:
                k += 1
            summary = lines[k] if k < len(lines) else ""
            k += 1
            note = {"heading": [f"### {line}", "", summary], "bold": [f"**{line}**", "", summary],
                    "item": [f"- **{line}** {summary}"], "numbered": [f"1. {line} — {summary}"]}[style["notes"]]
            out += note + [""]
            continue
        if section == "prompt":
            if line.startswith("• "):
                bullet = style["bullet"]
                body = line[2:]
                if style["links"]:
                    body = re.sub(r"arXiv:(\d{4}\.\d{4,5})(v\d+)?",
                                  lambda m: f"[arXiv:{m.group(1)}{m.group(2) or ''}](https://arxiv.org/abs/{m.group(1)})",
                                  body)
                line = f"{bullet} {body}"
            out.append(f"> {line}" if style["prompt"] == "quote" else line)
            continue
        out += [line, ""]
    if section == "prompt" and style["prompt"] in ("fence", "tilde"):
        out.append("```" if style["prompt"] == "fence" else "~~~")
    return "\n".join(out) + "\n"


def _comparable(d: dict) -> dict:
    return {
        "title": d["title"],
        "notes": [(n["title"], n["summary"], n["arxiv_ids"]) for n in d["notes"]],
        "claims": [(c["text"], c["date"], c["arxiv_ids"]) for c in d["claims"]],
        "anchors": d["anchors"],
        "span": (d["span"]["start"], d["span"]["end"]),
        "truncated": d["truncated"],
    }


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(PLAIN), style=styles)
def test_a_markdown_export_reads_as_its_plain_copy(path, style):
    plain = _comparable(load(path).model_dump())
    exported = to_markdown(path, style)
    assert looks_like_markdown(exported)
    assert _comparable(parse(exported).model_dump()) == plain, exported
