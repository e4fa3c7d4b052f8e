"""``retest build``: the default template's round trip, generated prompts, budgets, sandbox."""

import datetime as dt
import json
import re
import shutil

import pytest
from conftest import FIXTURES, SEED_000, SEED_002

from retest import load, parse
from retest.build import BudgetError, build
from retest.build.templates import TemplateError, find

TODAY = dt.date(2026, 11, 23)


def _nonblank(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _prompt_block(path) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index("As an LLM researcher")
    end = text.index("Cite arXiv IDs; flag anything you cannot ground in a real paper.")
    return text[start : text.index("\n", end) if "\n" in text[end:] else len(text)]


@pytest.mark.parametrize("path", [SEED_002, FIXTURES / "roundtrip.txt"], ids=lambda p: p.name)
def test_round_trip_reproduces_the_documents_own_prompt(path):
    built = build(load(path), today=TODAY, verdicts=False).prompt
    assert _nonblank(built) == _nonblank(_prompt_block(path))
    with_request = build(load(path), today=TODAY).prompt  # the default adds the verdict request, after it all
    assert _nonblank(with_request)[: len(_nonblank(built))] == _nonblank(built)
    assert with_request.rstrip().endswith("the arXiv IDs the verdict rests on.")
    assert '{"retest_verdicts": [{"claim": 1' in with_request


def test_round_trip_byte_exact_through_the_cli(cli):
    r = cli("build", SEED_002, "--no-verdicts")
    assert r.returncode == 0, r.stderr
    assert _nonblank(r.stdout) == _nonblank(_prompt_block(SEED_002))
    assert re.fullmatch(r"~?[\d,]+ tokens \([^)]+\)\n", r.stderr)


def test_round_trip_survives_crlf_and_missing_header(tmp_path):
    variant = tmp_path / "v.txt"
    variant.write_bytes(SEED_002.read_bytes().replace(b"INQUIRING LINE\n\n", b"").replace(b"\n", b"\r\n"))
    assert _nonblank(build(load(variant), today=TODAY, verdicts=False).prompt) == _nonblank(_prompt_block(SEED_002))


def test_seed_000_gets_a_complete_prompt_of_the_same_shape():
    text = build(load(SEED_000), today=TODAY).prompt
    for figure in ["70%", "88-91%", "5–30%", "2.7–4.3%", "125M–350M", "depth 16", "depth 256",
                   "o1-like models", "RLAD jointly trains"]:
        assert figure in text
    lines = text.splitlines()
    assert lines[0].startswith("As an LLM researcher, probe the question “Does the model learn depth-wise drift")
    assert lines[0].endswith("— treating recent claims as dated and testable, not settled fact.")
    bullets = [l for l in lines if l.startswith("• ")]
    claims = [l for l in bullets if l.endswith("(undated).")]
    assert len(claims) == 8
    asks = [l for l in bullets if l.startswith("• No paper given — name and date the paper behind")]
    assert len(asks) == 8 and "“Can abstractions guide exploration better than depth alone?”" in asks[-1]
    tasks = [l for l in lines if re.match(r"\(\d\) ", l)]
    assert [t[:3] for t in tasks] == ["(1)", "(2)", "(3)"]
    assert "Does the model learn depth-wise drift as an explicit strategy?" in tasks[0]
    assert "(June–November 2026)" in tasks[1]
    assert "Cite arXiv IDs; flag anything you cannot ground in a real paper." in lines
    assert lines[-1].startswith("status is holds, revised, overturned or unresolved")
    assert "give your verdict on each of the 8 claims above" in text
    assert "What a curated library found — and when (dated claims, not current truth):" in lines
    assert "Anchor papers (verify; mind their dates):" in lines and "Your task:" in lines
    assert not any(l.strip() in ("•", "• ") for l in lines)
    assert not re.search(r"\bNone\b|\{\{|\{%|undefined|\(\)", text)


def test_today_moves_the_search_window():
    doc = load(SEED_000)
    assert "(June–November 2026)" in build(doc, today=dt.date(2026, 11, 23)).prompt
    assert "(October 2026–March 2027)" in build(doc, today=dt.date(2027, 3, 2)).prompt
    assert "under March 2027 models" in build(doc, today=dt.date(2027, 3, 2)).prompt


def test_today_flag_through_the_cli(cli):
    r = cli("build", SEED_000, "--today", "2025-01-15")
    assert "(August 2024–January 2025)" in r.stdout
    bad = cli("build", SEED_000, "--today", "15/01/2025")
    assert bad.returncode == 2 and "--today" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("budget", [900, 600, 450, 320])
def test_max_tokens_fits_and_reports_what_was_dropped(budget):
    full = build(load(SEED_000), today=TODAY)
    fitted = build(load(SEED_000), today=TODAY, max_tokens=budget)
    assert fitted.tokens <= budget
    from retest.build.tokens import counter
    assert counter().count(fitted.prompt) == fitted.tokens
    if full.tokens > budget:
        assert fitted.dropped
    kept = [l for l in fitted.prompt.splitlines() if l.endswith("(undated).")]
    kept_claims = len(fitted.claims)
    ending = "the arXiv IDs the verdict rests on." if kept_claims else "ground in a real paper."
    assert fitted.prompt.rstrip().endswith(ending)
    assert (f"each of the {kept_claims} claims above" in fitted.prompt) if kept_claims > 1 else True
    # least important first: detail is cut before any claim is dropped
    if any(d.startswith("undated claim") for d in fitted.dropped):
        assert fitted.dropped[0].startswith("claim detail")
    assert len(kept) == 8 - sum(d.startswith("undated claim") for d in fitted.dropped)


def test_max_tokens_drops_oldest_dated_claims_first():
    fitted = build(load(SEED_002), today=TODAY, max_tokens=560)
    dated = [d for d in fitted.dropped if d.startswith("claim [")]
    assert dated and dated[0].startswith("claim [1] (2025-04)")
    assert "(2026-05, arXiv:2605.12484)" in fitted.prompt  # the newest survives
    assert [c.index for c in fitted.claims] == list(range(1, len(fitted.claims) + 1))
    assert len(fitted.claims) == 5 - len(dated)


def test_a_budget_prunes_tasks_and_anchors_of_dropped_claims():
    full = build(load(SEED_002), today=TODAY)
    assert "~91% routing recovery" in full.prompt and "(5–30%)" in full.prompt
    fitted = build(load(SEED_002), today=TODAY, max_tokens=470)
    kept = [c.text for c in fitted.claims]
    assert len(kept) == 1 and "~70% KL drift" in kept[0]  # the newest claim survives
    assert "~91%" not in fitted.prompt and "5–30%" not in fitted.prompt
    assert "~70% ceiling" in fitted.prompt  # the kept claim's figure is still asked about
    assert "arXiv:2504.07912" not in fitted.prompt and "arXiv:2505.24864" not in fitted.prompt
    assert "arXiv:2605.12484 (2026-05) — Learning Fast and Slow" in fitted.prompt
    assert "(3) Propose two research questions" in fitted.prompt  # task items without figures stay
    said = "\n".join(fitted.dropped)
    assert "claim [1] (2025-04)" in said and "task text on “~91%” (its claim was dropped)" in said
    assert "anchor arXiv:2504.07912 (its claim was dropped)" in said


def test_a_budget_over_thousands_of_claims_takes_few_renders(monkeypatch):
    from retest.build import builder as build_module
    from retest.models import Claim

    doc = load(SEED_000)
    many = [Claim(text=f"Claim {i} holds at {i % 97}% of scale.", date=f"20{10 + i % 15}-{1 + i % 12:02d}",
                  origin="prompt") for i in range(2000)]
    doc = doc.model_copy(update={"claims": many})
    calls = []
    real = build_module.render
    monkeypatch.setattr(build_module, "render", lambda *a: calls.append(1) or real(*a))
    fitted = build(doc, today=TODAY, max_tokens=3000)
    assert fitted.tokens <= 3000 and 0 < len(fitted.claims) < 2000
    assert len(calls) < 40  # bisection: ~log2(2000) renders, not one per claim


def test_impossible_budget_fails_saying_by_how_much(cli):
    with pytest.raises(BudgetError, match=r"even the bare prompt is [\d,]+ tokens \([\d,]+ over"):
        build(load(SEED_002), today=TODAY, max_tokens=50)
    r = cli("build", SEED_002, "--max-tokens", "50")
    assert r.returncode == 2 and r.stdout == ""
    assert "--fit-tokens 50" in r.stderr and "over" in r.stderr and "Traceback" not in r.stderr


def test_budget_report_on_stderr(cli):
    r = cli("build", SEED_000, "--max-tokens", "500")
    assert r.returncode == 0
    assert "dropped to fit: claim detail" in r.stderr
    assert "dropped to fit" not in r.stdout


def test_document_text_is_data_not_template_code():
    text = SEED_002.read_text().replace(
        "Echo Chamber thesis", "{{ 7*7 }} {% include '/etc/passwd' %} {{ ''.__class__.__mro__ }}"
    )
    built = build(parse(text), today=TODAY).prompt
    assert "{{ 7*7 }} {% include '/etc/passwd' %} {{ ''.__class__.__mro__ }}" in built
    assert "49" not in built and "root:" not in built


@pytest.mark.parametrize("body", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ doc.__class__.__init__.__globals__ }}",
    "{% set x = [].append(1) %}{{ x }}",
])
def test_unsafe_templates_fail_clearly(tmp_path, body):
    evil = tmp_path / "evil.j2"
    evil.write_text("{#- description: evil -#}\nline one\n" + body + "\n")
    with pytest.raises(TemplateError) as info:
        build(load(SEED_002), find(str(evil)), today=TODAY)
    assert "evil.j2" in str(info.value) and "unsafe" in str(info.value)


def test_undefined_variable_names_variable_and_line(tmp_path, cli):
    tpl = tmp_path / "mine.j2"
    tpl.write_text("{#- description: mine -#}\nQuestion: {{ title }}\nAudience: {{ audience }}\n")
    r = cli("build", SEED_002, "--template", tpl)
    assert r.returncode == 2
    assert "mine.j2" in r.stderr and "line 3" in r.stderr and "'audience' is undefined" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    ok = cli("build", SEED_002, "--template", tpl, "--var", "audience=reviewers")
    assert ok.returncode == 0 and ok.stdout.splitlines()[1] == "Audience: reviewers"


def test_template_syntax_error_names_line(tmp_path, cli):
    tpl = tmp_path / "broken.j2"
    tpl.write_text("ok\n{% for x in claims %}\nno end\n")
    r = cli("build", SEED_002, "--template", tpl)
    assert r.returncode == 2 and "broken.j2" in r.stderr and "line" in r.stderr and "Traceback" not in r.stderr


def test_var_clash_and_bad_var(cli):
    r = cli("build", SEED_002, "--var", "claims=x")
    assert r.returncode == 2 and "--var claims" in r.stderr
    r = cli("build", SEED_002, "--var", "no-equals")
    assert r.returncode == 2 and "KEY=VALUE" in r.stderr


def test_user_template_folder_and_listing(tmp_path, cli):
    (tmp_path / "brief.j2").write_text("{#-\ndescription: One-line brief.\nkind: document\n-#}\nBrief: {{ title }}\n")
    env = {"RETEST_TEMPLATES": str(tmp_path)}
    listing = cli("templates", env=env)
    names = [l.split()[0] for l in listing.stdout.splitlines() if l.strip()]
    assert names == ["contradictions", "corpus", "questions", "retest", "update", "brief"]
    assert "One-line brief.  (yours)" in listing.stdout
    built = cli("build", SEED_002, "-t", "brief", env=env)
    assert built.stdout == "Brief: How do RL training and base models differ in creating MI peaks?\n"
    missing = cli("build", SEED_002, "-t", "nope", env=env)
    assert missing.returncode == 2 and "no such template" in missing.stderr and "brief" in missing.stderr


def test_templates_json_lists_descriptions(cli):
    rows = json.loads(cli("templates", "--json").stdout)
    assert {r["name"] for r in rows} >= {"retest", "contradictions", "questions", "update", "corpus"}
    assert all(r["description"] for r in rows)
    assert {r["name"]: r["kind"] for r in rows}["corpus"] == "corpus"


@pytest.mark.parametrize("name", ["contradictions", "questions", "update"])
def test_other_templates_render_every_claim(name):
    for path in (SEED_000, SEED_002):
        doc = load(path)
        text = build(doc, name, today=TODAY).prompt
        for claim in doc.claims:
            assert claim.text.rstrip(".")[:60] in text
        assert not re.search(r"\bNone\b|\{\{|\{%", text)


def test_update_marks_changes_as_of_today():
    text = build(load(SEED_002), "update", today=TODAY).prompt
    assert "as of November 2026" in text and "findings run up to May 2026" in text
    assert "[holds], [revised], [overturned] or [new]" in text
    assert "Training order mechanically reshapes entropy" in text  # the body is there to rewrite


def test_corpus_deduplicates_shared_notes_and_anchors(cli):
    docs = [load(SEED_000), load(SEED_002), load(SEED_002)]
    text = build(docs, "corpus", today=TODAY).prompt
    assert text.count("• arXiv:2504.07912 (2025-04)") == 1
    assert text.count("RL post-training acts as *deployment*") == 1
    shared = text.split("test these first):")[1].split("\n\n")[0]
    assert "Does staying close to the base model preserve learning ability?" in shared
    assert "Findings span Sept 2024–May 2026" in text
    r = cli("build", "--template", "corpus", SEED_000, SEED_002, "--format", "json")
    out = json.loads(r.stdout)
    assert out["source"] == [str(SEED_000), str(SEED_002)] and out["template"] == "corpus"


def test_json_format_keys(cli):
    out = json.loads(cli("build", SEED_002, "--format", "json").stdout)
    assert {"prompt", "tokens", "encoding", "template", "sha256", "source", "dropped"} <= out.keys()
    import hashlib
    assert out["sha256"] == hashlib.sha256(out["prompt"].encode()).hexdigest()


def test_several_documents_print_separated_each_ending_in_a_newline(cli):
    r = cli("build", SEED_000, SEED_002)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"----- prompt 1 of 2: {SEED_000} -----\nAs an LLM researcher")
    assert f"the verdict rests on.\n\n----- prompt 2 of 2: {SEED_002} -----\n" in r.stdout
    assert r.stdout.endswith("the verdict rests on.\n") and r.stderr.count("tokens (") == 2
    one = cli("build", SEED_002)
    assert one.stdout.endswith("rests on.\n") and "-----" not in one.stdout
    assert cli("build", SEED_000, SEED_002, "-o", "x.txt").returncode == 2


def test_out_dir_for_one_document_many_and_a_corpus(cli, tmp_path):
    out = tmp_path / "out"
    r = cli("build", SEED_000, SEED_002, "--out-dir", out)
    assert r.returncode == 0 and r.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == [f"{SEED_000.stem}.retest.prompt.txt",
                                                      f"{SEED_002.stem}.retest.prompt.txt"]
    one = cli("build", SEED_002, "--out-dir", tmp_path / "one")
    assert one.returncode == 0 and one.stdout == ""
    assert [p.name for p in (tmp_path / "one").iterdir()] == [f"{SEED_002.stem}.retest.prompt.txt"]
    corpus = cli("build", SEED_000, SEED_002, "-t", "corpus", "--out-dir", tmp_path / "c", "--format", "json")
    assert corpus.returncode == 0 and corpus.stdout == ""
    assert json.loads((tmp_path / "c" / "corpus.corpus.prompt.json").read_text())["template"] == "corpus"


def test_prompts_written_into_the_input_folder_are_not_read_back(cli, tmp_path):
    shutil.copy(SEED_002, tmp_path / "doc.txt")
    assert cli("build", tmp_path, "--out-dir", tmp_path).returncode == 0
    again = cli("build", tmp_path, "--out-dir", tmp_path)
    assert again.returncode == 0 and again.stderr.count("wrote") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.retest.prompt.txt", "doc.txt"]


@pytest.mark.parametrize("args, needle", [
    (["--out", "/nonexistent-folder/p.txt"], "--out /nonexistent-folder/p.txt: cannot write it"),
    (["--out", "/dev/full"], "--out /dev/full: cannot write it (No space left on device)"),
    (["--out-dir", "/dev/null/x"], "--out-dir /dev/null/x: cannot create it"),
])
def test_unwritable_outputs_are_one_line(cli, args, needle):
    r = cli("build", SEED_002, *args)
    assert r.returncode == 2 and needle in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "internal" not in r.stderr


def test_stdout_full_or_closed(tmp_path):
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "retest", "build", str(SEED_002)]
    with open("/dev/full", "w") as full:
        r = subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2 and r.stderr.strip() == "retest: error: cannot write to stdout: No space left on device"
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       preexec_fn=lambda: __import__("os").close(1))
    assert r.returncode == 2 and "stdout is closed" in r.stderr and "Exception ignored" not in r.stderr


def test_out_file(cli, tmp_path):
    r = cli("build", SEED_002, "--out", tmp_path / "p.txt")
    assert r.returncode == 0 and r.stdout == ""
    assert (tmp_path / "p.txt").read_text().startswith("As an LLM researcher")


def test_copy_without_clipboard_is_a_clear_error(cli):
    if any(shutil.which(t) for t in ("xclip", "xsel", "wl-copy", "pbcopy", "klipper")):
        pytest.skip("a clipboard tool is installed here")
    r = cli("build", SEED_002, "--copy", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert r.returncode == 2 and "--copy" in r.stderr and "clipboard" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_input_among_good(cli, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    r = cli("build", tmp_path / "empty.txt", SEED_002)
    assert r.returncode == 1 and "\nAs an LLM researcher" in r.stdout
    assert "empty.txt: empty file" in r.stderr


def test_model_and_encoding_are_exclusive(cli):
    r = cli("build", SEED_002, "--model", "gpt-4o", "--encoding", "cl100k_base")
    assert r.returncode == 2 and "not both" in r.stderr


def test_unknown_encoding(cli):
    r = cli("build", SEED_002, "--encoding", "nope_base")
    assert r.returncode == 2 and "--encoding" in r.stderr and "nope_base" in r.stderr


def test_a_document_without_a_question_is_not_called_none(cli, tmp_path):
    """Text in no known layout yields its dated claims and no question: the prompt says so plainly."""
    doc = tmp_path / "bare.txt"
    doc.write_text("Scaling laws hold for RL fine-tuning (2024-05, arXiv:2405.01234).\n"
                   "Context windows degrade past 64k tokens (2023-07, arXiv:2307.03172).\n")
    for template in ("retest", "contradictions", "questions"):
        r = cli("build", doc, "--template", template)
        assert r.returncode == 0, r.stderr
        assert "“None”" not in r.stdout and "arXiv:2405.01234" in r.stdout
