"""How ``inputs`` reads files: exactly the bytes there are (up to the limit), decoded as before, named as before."""

import codecs
import os
from pathlib import Path

import pytest

from retest.errors import InputError
from retest.extract import inputs


class _Growing:
    """A raw file that holds more than its size said when it was opened, handed out a little at a time."""

    def __init__(self, data: bytes, step: int):
        self.data, self.at, self.step, self.asked = data, 0, step, []

    def read(self, n: int) -> bytes:
        self.asked.append(n)
        chunk = self.data[self.at : self.at + min(n, self.step)]
        self.at += len(chunk)
        return chunk


@pytest.mark.parametrize("size", [0, 1, 8191, 8192, 8193, 100_000])
def test_a_file_is_read_whole_below_the_limit_and_cut_one_byte_past_it(tmp_path, size):
    data = os.urandom(size)
    (tmp_path / "f").write_bytes(data)
    with open(tmp_path / "f", "rb", buffering=0) as fh:
        assert inputs._read_at_most(fh, size, 10_000_000) == data
    for limit in (1, 5000, size, size + 1):
        with open(tmp_path / "f", "rb", buffering=0) as fh:
            assert inputs._read_at_most(fh, size, limit) == data[:limit]


def test_a_file_that_grew_or_reads_short_is_read_on():
    data = bytes(range(256)) * 1000
    for said, step in ((0, 10**9), (100, 10**9), (100, 7), (len(data), 4096)):
        fh = _Growing(data, step)
        assert inputs._read_at_most(fh, said, 200_001) == data[:200_001]
        assert max(fh.asked) <= max(said + 1, 2 * 200_001)


def test_a_read_asks_for_the_size_and_one_byte_more_not_the_limit(tmp_path):
    fh = _Growing(b"x" * 5000, 10**9)
    assert inputs._read_at_most(fh, 5000, 10 * 1024 * 1024 + 1) == b"x" * 5000
    assert fh.asked[0] == 5001


@pytest.mark.parametrize("data", [
    b"caf\xc3\xa9 ok", codecs.BOM_UTF8 + b"caf\xc3\xa9 ok", codecs.BOM_UTF8, b"\xef\xbb",
    b"bad \xff here", codecs.BOM_UTF8 + b"bad \xff here", codecs.BOM_UTF8 + b"\xc3", b"x" * 9000 + b"\x80",
])
def test_utf8_decoding_is_the_utf8_sig_codecs(data):
    try:
        want = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        want = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    try:
        got = inputs.decode(data, "f")
    except InputError as exc:
        got = str(exc)
    assert got == want or want in got


@pytest.mark.parametrize("data", [b"", b" ", b" \t\r\n\x0b\x0c", codecs.BOM_UTF8 + b" "])
def test_blank_files(data):
    if data.strip():
        assert inputs.decode(data, "f") == data.decode("utf-8-sig")
    else:
        with pytest.raises(InputError, match="empty file"):
            inputs.decode(data, "f")


def test_utf16_without_a_mark_is_still_recognised_and_nul_bytes_refused():
    text = "Was ist neu? " * 50
    assert inputs.decode(text.encode("utf-16-le"), "f") == text
    assert inputs.decode(text.encode("utf-16-be"), "f") == text
    with pytest.raises(InputError, match="NUL"):
        inputs.decode(b"abc\x00def" * 3, "f")


@pytest.mark.parametrize("spelling", ["{d}", "{d}/", "{d}//", "./{d}", "{d}/./", "{d}/sub/..", "."])
def test_walked_paths_are_spelt_as_pathlib_spells_them(tmp_path, monkeypatch, spelling):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for p in ("d/a.txt", "d/sub/b.md", "top.txt"):
        (tmp_path / p).write_text("x")
    folder = spelling.format(d="d")
    found = list(inputs._walk(Path(folder)))
    want = [str(Path(root, name)) for root, dirs, files in os.walk(Path(folder)) for name in sorted(files)]
    assert sorted(found) == sorted(want) and found
    assert [i.source for i in inputs.iter_inputs([folder])] == found
