"""``retest extract --jsonl``: the bytes written, on the fast byte path and through a text stream alike."""

import json

import pytest
from conftest import SEED_002

from retest.util.display import _JSON, safe_json, safe_json_utf8

# prose as it comes (dashes, an ellipsis, an accent) and with a character that sends the check the long way (°)
AROUND = ('{"t": "a — b – c … é %s d"}', '{"t": "a — b ° %s d"}')


@pytest.mark.parametrize("start", range(0, 0x3000, 0x400))
@pytest.mark.parametrize("around", AROUND)
def test_the_byte_check_agrees_with_safe_json_on_every_character(start, around):
    for c in range(start, start + 0x400):
        if 0xD800 <= c < 0xE000:
            continue
        text = around % chr(c)
        assert safe_json_utf8(text) == safe_json(text).encode("utf-8"), hex(c)


def test_every_control_is_escaped_on_the_byte_path():
    for c in _JSON:
        out = safe_json_utf8("x — " + chr(c) + " y")
        assert out == f"x — \\u{c:04x} y".encode(), hex(c)
        assert chr(c).encode("utf-8") not in out


def test_undecodable_bytes_kept_as_the_stream_would():
    text = "caf\udcc3\udca9 \u202e"
    assert safe_json_utf8(text, "surrogateescape") == safe_json(text).encode("utf-8", "surrogateescape")
    with pytest.raises(UnicodeEncodeError):
        safe_json_utf8(text)


@pytest.fixture
def hostile(tmp_path):
    """The seed with bidi overrides in its question and body; again with C0/C1 controls and DEL as well."""
    text = SEED_002.read_text(encoding="utf-8").replace("?", "\u202e\u2066?", 1).replace(" the ", " the\u200f ", 2)
    (tmp_path / "bidi.txt").write_text(text, encoding="utf-8")
    (tmp_path / "controls.txt").write_text(text.replace("\u2066?", "\u2066\x85\x7f\x1b?", 1), encoding="utf-8")
    return tmp_path / "bidi.txt", tmp_path / "controls.txt"


def test_jsonl_is_the_json_array_one_a_line(cli, hostile):
    lines = cli("extract", "--jsonl", SEED_002, *hostile).stdout.splitlines()
    array = json.loads(cli("extract", "--json", SEED_002, *hostile).stdout)
    assert [json.loads(l) for l in lines] == array
    assert "\u202e" in array[1]["title"] and "\x85" in array[2]["title"]
    assert "\\u202e\\u2066?" in lines[1] and "the\\u200f " in lines[1]
    assert "\\u202e\\u2066\\u0085\\u007f\\u001b?" in lines[2]
    assert not any(c in "".join(lines) for c in "\u202e\x85\x7f\x1b\u2066\u200f")


def test_jsonl_through_a_stream_that_is_not_utf8(cli, hostile):
    fast = cli("extract", "--jsonl", SEED_002, *hostile).stdout
    r = cli("extract", "--jsonl", SEED_002, *hostile, env={"PYTHONIOENCODING": "utf-16"}, input=b"")
    assert r.returncode == 0
    assert r.stdout.decode("utf-16") == fast
