"""Documents and prompts are made without validating what retest's own code built: the tests hold that code to
the shapes validation would accept, and to the very objects it would make."""

import random

import pytest
from conftest import FIXTURES, SEED_002, SEEDS

from retest.build.prompter import Recipe, build_all
from retest.errors import NotAnInquiringLine
from retest.extract.parser import parse, parse_raw
from retest import models
from retest.models import Citation, Claim, Document, Prompt, SentClaim, Span, trusted


def _texts():
    for path in [*SEEDS.glob("*.txt"), *FIXTURES.rglob("*")]:
        if path.is_file():
            yield path.name, path.read_text(encoding="utf-8", errors="replace")
    rng = random.Random(5)
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for i in range(60):  # cut short, lines dropped: the salvaged and partial shapes too
        lines = rng.choice(seeds).splitlines()
        kept = [line for line in lines if rng.random() < 0.8]
        yield f"variant {i}", "\n".join(kept[: rng.randint(1, len(kept))])


def _documents():
    for name, text in _texts():
        try:
            yield name, parse_raw(text, name)
        except NotAnInquiringLine:
            continue


def test_parsed_documents_are_what_validation_makes():
    seen = 0
    for name, raw in _documents():
        validated = Document.model_validate(raw)  # raises if the parser made a shape a Document cannot hold
        made = models._constructed(Document, raw)  # what ``trusted`` makes until validating pays
        assert made == validated, name
        assert made.model_dump_json() == validated.model_dump_json(), name
        assert made.model_fields_set == validated.model_fields_set, name
        assert all(type(c) is Claim for c in made.claims), name
        seen += 1
    assert seen > 60


def test_trusted_constructs_first_then_validates(monkeypatch):
    name, raw = next(_documents())
    monkeypatch.setattr(models, "_made", 0)
    monkeypatch.setattr(Document, "__pydantic_complete__", False)  # as in a new process: no schema yet
    validations = []
    monkeypatch.setattr(Document, "model_validate", classmethod(lambda cls, data: validations.append(data) or
                                                                 models._constructed(cls, data)))
    assert trusted(Document, raw) == trusted(Document, raw) and not validations and models._made == 2
    monkeypatch.setattr(models, "_made", models._MADE_FIRST)
    trusted(Document, raw)
    assert validations == [raw]  # enough made for building the schema to pay


def test_parse_gives_models_all_the_way_down():
    text = SEED_002.read_text(encoding="utf-8")
    doc = parse(text, "seed")
    assert doc == Document.model_validate(parse_raw(text, "seed"))
    assert type(doc.span) is Span and doc.claims and all(type(c) is Claim for c in doc.claims)
    assert all(type(x) is Citation for c in doc.claims for x in c.citations)


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_built_prompts_are_what_validation_makes(seed):
    prompts = list(build_all(Recipe((str(seed),), "retest", {}, None, None, None, 10 << 20, count_tokens=False)))
    assert len(prompts) == 1
    for prompt in prompts:
        assert type(prompt) is Prompt and prompt.claims and all(type(c) is SentClaim for c in prompt.claims)
        again = Prompt.model_validate(prompt.model_dump())
        assert again == prompt and again.model_dump_json() == prompt.model_dump_json()
