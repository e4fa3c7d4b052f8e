"""Where `retest extract` spends its CPU: each layout step and parser phase, in µs a document.

The steps are timed in this process over seed variations read into memory (the
figures of `bench_extract.py` are the whole command's); a step's time includes
the steps it calls. Reading the files is timed apart, before. Use it to find the
next cost worth taking.

    python benchmarks/extract_stages.py [DOCUMENTS]
"""

from __future__ import annotations

import functools
import sys
import tempfile
import time
from pathlib import Path

from common import build_corpus

STEPS = {
    "retest.extract.layouts": ["normalise"],
    "retest.extract.layouts.charset": ["special", "convert"],
    "retest.extract.layouts.frontmatter": ["strip"],
    "retest.extract.layouts.email": ["convert"],
    "retest.extract.layouts.textbrowser": ["convert"],
    "retest.extract.layouts.obsidian": ["convert"],
    "retest.extract.layouts.notion": ["convert"],
    "retest.extract.layouts.pdf": ["unglue", "is_paged", "convert"],
    "retest.extract.layouts.joins": ["width", "split_ids", "hyphens", "reflow"],
    "retest.extract.layouts.headings": ["translate_lines"],
    "retest.extract.markdown": ["looks_like_markdown", "to_plain"],
    "retest.extract.parser": ["_lines", "_prompt_block", "_notes", "_recover_titles", "_span", "_truncation"],
    "retest.extract.sieve": ["refuse_a_manual"],
}


def _timed(spent: dict, label: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - start
    return wrapper


def main(count: int = 2000) -> None:
    import importlib
    import io

    from retest.commands.extract import _jsonl_writer
    from retest.errors import NotAnInquiringLine
    from retest.extract import inputs, parser

    spent: dict[str, float] = {}
    for module_name, names in STEPS.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, _timed(spent, f"{module_name.rsplit('.', 1)[-1]}.{name}", getattr(module, name)))
    with tempfile.TemporaryDirectory() as tmp:
        build_corpus(Path(tmp), count)
        start = time.process_time()
        items = [i for i in inputs.iter_inputs([tmp]) if isinstance(i, inputs.Input)]
        reading = time.process_time() - start
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    write = _timed(spent, "JSON out", _jsonl_writer(out))  # as the command writes each line
    start = time.process_time()
    for item in items:
        try:
            doc = parser.parse_raw(item.text, item.source)
        except NotAnInquiringLine:
            continue
        write(doc)
    total = time.process_time() - start
    print(f"reading the files (walk, open, read, decode): {reading / len(items) * 1e6:.0f} µs of CPU a document")
    print(f"{len(items):,} documents: {total / len(items) * 1e6:.0f} µs of CPU a document in all")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<28} {seconds / len(items) * 1e6:7.1f} µs  {seconds / total:6.1%}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
