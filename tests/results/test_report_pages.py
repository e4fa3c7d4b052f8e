"""The report as people read it: looked at in Chromium at 1280 and 420 px, as a folder at scale, and at its edges."""

import html as htmllib
import json
import os
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED_000, SEED_002, block, browse, chromium, run_cli

QUESTION = "How do RL training and base models differ in creating MI peaks?"
MARKDOWN = """## What changed

The **deployment** framing mostly *holds*: newer work (arXiv:2504.07912) replicates it.

- sparse subnetworks: confirmed at 7B
- the KL bound was *relaxed* ([survey](https://example.org/survey))

Hostile: <script>document.title='PWNED'</script> <img src=x onerror="document.title='PWNED2'">
[click](javascript:alert(1)) [data](data:text/html,hi) [rel](../../etc/passwd) ![img](https://example.org/x.png)
<a href="javascript:alert(2)">raw link</a>
"""


@pytest.fixture
def answered(two_models, tmp_path):
    """SEED_002 sent twice to two models: the second time model-a dissents on claim 1 with suspect evidence."""
    server, env = two_models
    server.replies_by_model = {
        "model-a": lambda p: "June.\n" + block((1, "holds", [], "fine"), (2, "holds", [], "fine")),
        "model-b": lambda p: "June.\n" + block((1, "holds", [], "fine")),
    }
    r = run_cli("send", SEED_002, "-m", "model-a", "-m", "model-b", "--today", "2026-06-01", env=env)
    assert r.returncode == 0, r.stderr
    server.replies_by_model = {
        "model-a": lambda p: MARKDOWN + block((1, "overturned", ["arXiv:2702.00001"], "too *new*"),
                                              (2, "revised", ["arXiv:2505.11711"], "only up to 7B")),
        "model-b": lambda p: MARKDOWN + block((1, "holds", ["arXiv:2504.07912"], "still holds"),
                                              (2, "overturned", ["arXiv:2609.01234"], "long " * 100)),
    }
    r = run_cli("send", SEED_002, "-m", "model-a", "-m", "model-b", "--today", "2026-11-20", "--force", env=env)
    assert r.returncode == 0, r.stderr
    return env


def _report(env, tmp_path, *args, name="report.html"):
    out = tmp_path / name
    r = run_cli("report", *args, "-o", out, env=env)
    assert r.returncode == 0, r.stderr
    return out, r


PROBE = """<script>
(function () {
  var rows = document.querySelectorAll('table.matrix tr[data-claim]');
  var lefts = [];
  rows[0].querySelectorAll('td').forEach(function (td) { lefts.push(Math.round(td.getBoundingClientRect().left)); });
  var cells = [];
  document.querySelectorAll('td.cell[data-status]:not([data-status=none])').forEach(function (td) {
    var d = td.querySelector('details');
    var shown = function (el) { return !!el && el.checkVisibility() && el.getBoundingClientRect().height > 0; };
    cells.push({visible: shown(td.querySelector('.status')), note: shown(td.querySelector('.note')),
                collapsed: !!d && !d.open});
  });
  var replies = [];
  document.querySelectorAll('article.reply').forEach(function (a) { replies.push(Math.round(a.getBoundingClientRect().left)); });
  parent.document.body.setAttribute('data-layout', JSON.stringify({width: window.innerWidth, lefts: lefts,
    cells: cells, replies: replies, scroll: document.documentElement.scrollWidth}));
})();
</script>"""


def layout(tmp_path, page: Path, width: int) -> dict:
    """The page laid out at ``width`` px: a copy with a measuring script, framed at that width (srcdoc: same origin)."""
    probe = page.read_text().replace("</body>", PROBE + "</body>")
    frame = tmp_path / f"frame{width}.html"
    frame.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe width="{width}" height="3000" '
                     f'style="border:0" srcdoc="{htmllib.escape(probe, quote=True)}"></iframe></body></html>')
    dom = browse(tmp_path, frame, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-800:]
    found = re.search(r'data-layout="([^"]*)"', dom.stdout)
    assert found, dom.stdout[:500]
    return json.loads(htmllib.unescape(found.group(1)))


def test_the_report_reads_as_questions_open_cells_and_rendered_markdown(answered, tmp_path):
    chromium()
    page, r = _report(answered, tmp_path, SEED_002)
    assert "5 claims in 1 document(s), 2 model(s)" in r.stderr
    dom = browse(tmp_path, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-800:]
    html = dom.stdout
    # the question is the heading, the path a small line under it
    assert re.search(r'<h2 class="question">' + re.escape(QUESTION) + r'</h2>\s*<p class="path">[^<]*002_', html)
    # nothing from a reply ran or became markup: no script, no handler, no image, no link but http(s) and fragments
    assert "<title>retest report</title>" in html and "PWNED" in html
    assert not re.search(r"<(script|img|svg|iframe)\b", html) and not re.search(r"<[a-z][^>]*\son[a-z]+=", html)
    hrefs = re.findall(r'<a\s[^>]*href="([^"]*)"', html)
    assert hrefs and all(h.startswith(("https://", "http://", "#")) for h in hrefs), hrefs
    assert "[click](javascript:alert(1))" in html and "[data](data:text/html,hi)" in html
    assert "[rel](../../etc/passwd)" in html and "&lt;a href=\"javascript:alert(2)\"&gt;" in html
    external = re.findall(r'<a [^>]*href="http[^"]*"[^>]*>', html)
    assert external and all('rel="noopener noreferrer nofollow"' in a for a in external)
    # Markdown rendered: headings, emphasis, lists; the verdict block is a table, not JSON text
    reply = html[html.index('<article class="reply"'):]
    assert "<strong>deployment</strong>" in reply and "<em>holds</em>" in reply and "<li>sparse subnetworks" in reply
    assert '<a href="https://example.org/survey" rel="noopener noreferrer nofollow">survey</a>' in reply
    assert "retest_verdicts" not in html
    assert re.search(r'<table class="verdicts">.*?<td>1</td><td><span class="status overturned">', reply, re.S)
    assert "<em>new</em>" in html  # the note too
    # each model's earlier reply is reachable: a count, then the list
    assert html.count("1 earlier reply from model-") == 2 and html.count('<details id="reply-') == 2
    # open cells: note, evidence and reply number visible; the long note alone collapses
    cells = re.findall(r'<td class="cell ([a-z ]+)" data-status="([a-z]+)">(.*?)</td>', html, re.S)
    with_status = [c for c in cells if c[1] != "none"]
    assert len(with_status) == 4
    assert sum("<details>" in body for _, _, body in with_status) == 1
    for _, status, body in with_status:
        assert re.search(r'href="#reply-\d+">reply \d+</a>', body)
    # the consensus word and its colour agree, dissent included
    from retest.results.markup import kind_of

    badges = re.findall(r'<span class="status ([a-z]+)" data-consensus="\1">([^<]+)</span>', html)
    assert len(badges) == 5
    for cls, word in badges:
        assert cls == kind_of(word)
    first_word = badges[0][1]
    assert first_word != "all overturned" and kind_of(first_word) in ("holds", "none")  # model-a's dissent is unsupported
    # the summary band: claims, models, consensus counts, suspect citations
    band = html[html.index('class="band"'):html.index("</section>")]
    assert "<b>5</b> claims" in band and "<b>2</b> models" in band and "suspect citation" in band
    assert sum(int(n) for n in re.findall(r'data-kind="[a-z]+">(\d+) ', band)) == 5


@pytest.mark.parametrize("width", [1280, 420])
def test_the_report_laid_out_at_two_widths(answered, tmp_path, width):
    chromium()
    page, _ = _report(answered, tmp_path, SEED_002)
    seen = layout(tmp_path, page, width)
    assert seen["width"] == width
    assert seen["scroll"] <= width  # nothing wider than the window
    assert all(c["visible"] for c in seen["cells"]) and sum(c["note"] for c in seen["cells"]) == 3, seen
    assert sum(c["collapsed"] for c in seen["cells"]) == 1
    if width == 420:  # one column: claim and cells stacked, replies one under the other
        assert len(set(seen["lefts"])) == 1 and len(set(seen["replies"])) == 1
    else:
        assert len(set(seen["lefts"])) == 3 and len(set(seen["replies"])) == 2


def test_markdown_stays_safe():
    from retest.results.markup import reply_html, safe_url

    out = str(reply_html('[a](javascript:alert(1)) [b](JaVaScRiPt:x) [c](data:text/html,x) [d](/etc) [e](//evil.org/x)'
                         ' <https://ok.org/p> [f](https://ok.org/"onmouseover=x) <svg onload=x> &lt;\n\n'
                         '```html\n<script>x</script>\n```\n\n{"retest_verdicts": [{"claim": 1}]}'))
    assert re.findall(r'href="([^"]*)"', out) == ["https://ok.org/p", "https://ok.org/%22onmouseover=x"]
    assert "<svg" not in out and "<script" not in out and "retest_verdicts" not in out
    assert safe_url("https://a.org/x") and not safe_url("javascript:x") and not safe_url("https:/x")


def test_a_folder_of_pages_with_an_index_sorted_two_ways(answered, tmp_path):
    env = answered
    # a second document, answered without dissent
    r = run_cli("send", SEED_000, "-m", "model-a", env=env)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "big"
    r = run_cli("report", "-o", out, "--split-at", "1", env=env)
    assert r.returncode == 0, r.stderr
    assert "wrote " + str(out / "index.html") + " and 3 more page(s)" in r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["doc-00001.html", "doc-00002.html", "index-by-overturned.html", "index.html"]
    by_name, by_over = (out / "index.html").read_text(), (out / "index-by-overturned.html").read_text()
    for page in (by_name, by_over):
        links = re.findall(r'<a href="([^"#]+)"', page)
        assert set(links) >= {"doc-00001.html", "doc-00002.html"}
        assert all((out / link).is_file() for link in links)  # every relative link works
        assert "<script" not in page
    titles = lambda page: re.findall(r'<td><a href="doc-\d+\.html">([^<]+)</a>', page)  # noqa: E731
    assert titles(by_name) == sorted(titles(by_name), key=str.casefold)
    overturned = [int(n) for n in re.findall(r'<td class="n">(\d+) overturned</td>', by_over)]
    assert overturned == sorted(overturned, reverse=True) and overturned[0] >= 1
    doc = next(p for p in (out / "doc-00001.html", out / "doc-00002.html") if QUESTION in p.read_text())
    text = doc.read_text()
    assert f'<h1 class="question">{QUESTION}</h1>' in text and 'href="index.html"' in text
    chromium()
    dom = browse(tmp_path, out / "index.html", "--dump-dom")
    assert dom.returncode == 0 and QUESTION in dom.stdout and "sort by overturned claims" in dom.stdout
    # the same folder with worker processes gives the same pages
    out2 = tmp_path / "big2"
    r = run_cli("report", "-o", out2, "--layout", "folder", "-j", "2", env=env)
    assert r.returncode == 0, r.stderr
    strip = lambda t: re.sub(r"Generated [^<]*", "", t)  # noqa: E731
    for name in names:
        assert strip((out2 / name).read_text()) == strip((out / name).read_text())


def test_nothing_answered_writes_the_untested_claims(tmp_path):
    env = {"RETEST_ARCHIVE": str(tmp_path / "none.db")}
    r = run_cli("report", SEED_002, "-o", tmp_path / "r.html", env=env)
    assert r.returncode == 0 and "nothing answered yet" in r.stderr and "5 claims in 1 document(s)" in r.stderr
    page = (tmp_path / "r.html").read_text()
    assert f'<h2 class="question">{QUESTION}</h2>' in page
    assert page.count('data-consensus="none">not sent</span>') == 5
    assert not (tmp_path / "none.db").exists()  # reading never creates an archive
    r = run_cli("report", "-o", tmp_path / "empty.html", env=env)
    assert r.returncode == 0 and "0 claims" in r.stderr
    assert "Nothing to report yet" in (tmp_path / "empty.html").read_text()


def test_the_report_never_writes_over_the_archive(answered, tmp_path):
    archive = Path(answered["RETEST_ARCHIVE"])
    count = "SELECT count(*) FROM replies WHERE status = 'ok'"
    with sqlite3.connect(archive) as c:
        before = c.execute(count).fetchone()[0]
    link = tmp_path / "innocent.html"
    link.symlink_to(archive)
    for target in (archive, link, Path(f"{archive}-wal")):
        r = run_cli("report", "-o", target, env=answered)
        assert r.returncode != 0 and "archive's own file" in r.stderr and "Traceback" not in r.stderr, r.stderr
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "index.html").symlink_to(archive)
    r = run_cli("report", "-o", folder, "--layout", "folder", env=answered)
    assert r.returncode != 0 and "archive's own file" in r.stderr
    with sqlite3.connect(archive) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok" and c.execute(count).fetchone()[0] == before
    r = run_cli("report", "-o", "-", "--layout", "folder", env=answered)
    assert r.returncode == 2 and "stdout" in r.stderr


def test_an_archive_of_more_than_16m_characters_is_reported(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_report import make_archive

    db = tmp_path / "big.db"
    make_archive(db, 60)
    long_reply = ("A long reasoning answer, paragraph after paragraph. " * 40 + "\n\n") * 45  # ~95k characters
    with sqlite3.connect(db) as c:
        c.execute("UPDATE replies SET reply = ? || reply", (long_reply,))
        total = c.execute("SELECT sum(length(reply)) FROM replies").fetchone()[0]
    assert total > 16_000_000
    r = run_cli("report", "-o", tmp_path / "big.html", env={"RETEST_ARCHIVE": str(db)}, timeout=600)
    assert r.returncode == 0, r.stderr
    size = os.path.getsize(tmp_path / "big.html")
    assert size > total and "300 claims in 60 document(s), 3 model(s)" in r.stderr


def test_sources_and_cost_render_when_the_data_has_them():
    from retest.results.markup import reply_html
    from retest.results.report import KINDS, render_report

    reply = {"model": "m", "id": 7, "at": "2026-11-20 10:00", "template": "retest", "html": reply_html("**hi**"),
             "verdicts": [], "new": [], "suspect": [], "earlier": [], "cost": {"usd": 0.0123, "estimated": True},
             "sources": [
                 {"url": "https://arxiv.org/abs/2504.07912", "title": "Echo <b>Chamber</b>", "domain": "arxiv.org",
                  "arxiv_id": "2504.07912", "cited": True, "suspect": False, "reason": None},
                 {"url": "javascript:alert(1)", "title": "evil", "domain": None, "arxiv_id": None, "cited": False,
                  "suspect": True, "reason": "title-mismatch: arXiv says another title"},
                 {"url": "data:text/html,x", "title": None, "domain": None, "arxiv_id": None, "cited": False,
                  "suspect": False, "reason": None}]}
    doc = {"source": "doc.txt", "title": "A question?", "models": ["m"], "rows": [], "replies": [reply],
           "unaddressed": [], "counts": {}, "kinds": dict.fromkeys(KINDS, 0), "suspect": 0,
           "cost": {"m": {"usd": 0.0123, "estimated": True, "reported": False}}}
    page = render_report({"docs": [doc], "generated": "2026-11-30T00:00+00:00", "archive": "a.db"})
    sources = page[page.index('<ul class="papers sources">'):]
    sources = sources[:sources.index("</ul>")]
    assert re.findall(r'<a href="([^"]*)" rel="noopener noreferrer nofollow">', sources) == [
        "https://arxiv.org/abs/2504.07912"]
    assert "Echo &lt;b&gt;Chamber&lt;/b&gt;" in sources and "javascript:alert(1)" not in sources.replace(">evil<", "")
    assert '<li class="suspect-source">evil' in sources and "title-mismatch" in sources and "(consulted)" in sources
    assert "<li>data:text/html,x <span" in sources  # shown as text, never a link
    assert "Cost: m ~$0.0123" in page and "~$0.0123</b> cost" in page and "reply 7 · 2026-11-20 10:00 · retest · ~$0.0123" in page
