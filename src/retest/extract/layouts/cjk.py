"""Section words in Chinese and Japanese, read by the words a heading holds.

Chinese and Japanese write no spaces between words, so a heading is recognised
by the terms in it (``来源（5条笔记）``, ``你的任务：``, ``アンカー論文``) on a short
line, not by its first word; kana in the line says it is Japanese.
"""

from __future__ import annotations

import re

# Section → terms that name it; the first table that has a term in the line wins.
_TERMS = [
    ("header", ("探究线", "探究線", "研究线索", "研究線索", "探究ライン", "リサーチライン")),
    ("prompt", ("研究提示", "提示词", "提示詞", "プロンプト")),
    ("identified", ("确认了", "確認了", "识别出", "識別出", "特定した")),
    ("found", ("发现了什么", "發現了什麼", "找到了什么", "見つけたこと", "見つけたもの", "主要发现", "主要発見")),
    ("anchors", ("锚定论文", "錨定論文", "锚点论文", "核心论文", "關鍵論文", "关键论文", "アンカー論文", "主要論文")),
    ("tasks", ("你的任务", "你的任務", "任务", "任務", "あなたのタスク", "タスク", "課題")),
    ("next", ("下一条探究", "下一條探究", "次の探究")),
]
_ENGLISH = {"header": "INQUIRING LINE", "prompt": "Research prompt for your LLM",
            "identified": "A curated library identified:", "found": "What a curated library found",
            "anchors": "Anchor papers", "tasks": "Your task:", "next": "Next inquiring lines"}
_SOURCES = re.compile(r"^(?:资料来源|資料來源|参考来源|来源|來源|出典|ソース|情報源|参考文献)[ \t]*+[(:]?[ \t]*+"
                      r"(?:(\d{1,4})[ \t]*+(?:条|條|篇|则|則|件)?[ \t]*+の?(?:笔记|筆記|ノート|メモ|来源)?)?[ \t]*+\)?[ \t:]*+$")
_SPAN = ("研究发现的时间跨度", "研究發現的時間跨度", "发现的时间跨度", "时间跨度", "時間跨度", "知見の期間", "調査結果の期間",
         "発見の期間")
_FRAMING = ("这将问题理解为", "這將問題理解為", "本文将问题理解为", "这把问题理解为", "これは問いを次のように読む", "この問いは次のように読む")
_OPENING = ("这里探讨", "這裡探討", "本文探讨", "这探讨", "ここでは")
_MAX_HEADING = 60


def _language(text: str) -> str:
    return "ja" if any("\u3040" <= c <= "\u30ff" for c in text) else "zh"


def _after(line: str, words: tuple[str, ...]) -> str | None:
    for word in words:
        if line.startswith(word):
            return line[len(word) :].lstrip(" :为為は、,")
    return None


def translate(line: str) -> tuple[str, str] | None:
    """``line`` with its section words in English and the language's code, or None for no heading."""
    m = _SOURCES.match(line)
    if m:
        return (f"Sources {m.group(1)} notes" if m.group(1) else "Sources"), _language(line)
    rest = _after(line, _SPAN)
    if rest is not None:
        return f"Findings span {rest}", _language(line)
    rest = _after(line, _FRAMING)
    if rest is not None:
        return f"This reads the question as: {rest}", _language(line)
    rest = _after(line, _OPENING)
    if rest is not None and len(line) > _MAX_HEADING:
        return f"This explores {rest}", _language(line)
    if len(line) > _MAX_HEADING or line.endswith("?") or any(c.isdigit() for c in line) or not line[0].isalpha():
        return None  # a heading has no figures, and is no bullet or numbered item
    for key, terms in _TERMS:
        if any(t in line for t in terms):
            english = _ENGLISH[key]
            if key == "tasks":
                tail = line.split(":", 1)[1].strip() if ":" in line else ""
                return f"{english} {tail}".rstrip(), _language(line)
            return english, _language(line)
    return None
