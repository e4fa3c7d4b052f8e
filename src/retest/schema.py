"""The archive's schema, as a list of migrations applied in order.

``PRAGMA user_version`` records how many have run. Migrations only ever add
(tables, columns, indexes), so an older archive is upgraded in place by any
retest command that opens it, and nothing in it is rewritten.
"""

from __future__ import annotations

APPLICATION_ID = 0x52545354  # "RTST": marks a SQLite file as a retest archive

MIGRATIONS: list[str] = [
    # 1: prompts, replies, attempts, full-text search
    """
    CREATE TABLE prompts (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        template TEXT,
        template_sha256 TEXT,
        source TEXT,
        source_sha256 TEXT,
        tokens INTEGER,
        encoding TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE replies (
        id INTEGER PRIMARY KEY,
        prompt_id INTEGER NOT NULL REFERENCES prompts(id),
        model TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        params TEXT NOT NULL,
        params_sha256 TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'ok', 'failed')),
        owner TEXT,
        heartbeat_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        reply TEXT,
        finish_reason TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        total_tokens INTEGER,
        latency_ms INTEGER,
        error TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX replies_by_job ON replies(prompt_id, params_sha256, status);
    CREATE INDEX replies_by_model ON replies(model, id);
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        reply_id INTEGER NOT NULL REFERENCES replies(id),
        n INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        latency_ms INTEGER,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'retry', 'failed')),
        status_code INTEGER,
        error TEXT
    );
    CREATE INDEX attempts_by_reply ON attempts(reply_id);
    CREATE VIRTUAL TABLE prompts_fts USING fts5(text, content='prompts', content_rowid='id');
    CREATE VIRTUAL TABLE replies_fts USING fts5(reply, content='replies', content_rowid='id');
    CREATE TRIGGER prompts_ai AFTER INSERT ON prompts BEGIN
        INSERT INTO prompts_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER replies_au AFTER UPDATE OF status ON replies
        WHEN new.status = 'ok' AND old.status != 'ok' BEGIN
        INSERT INTO replies_fts(rowid, reply) VALUES (new.id, new.reply);
    END;
    """,
    # 2: citation verdicts per reply, and the arXiv API cache
    """
    CREATE TABLE verdicts (
        reply_id INTEGER NOT NULL REFERENCES replies(id),
        arxiv_id TEXT NOT NULL,
        written TEXT NOT NULL,
        verdict TEXT NOT NULL,
        relation TEXT NOT NULL,
        implied_date TEXT,
        stated_date TEXT,
        detail TEXT,
        online TEXT,
        title TEXT,
        first_author TEXT,
        published TEXT,
        checked_at TEXT NOT NULL,
        PRIMARY KEY (reply_id, arxiv_id)
    );
    CREATE TABLE arxiv_cache (
        arxiv_id TEXT PRIMARY KEY,
        found INTEGER NOT NULL,
        title TEXT,
        first_author TEXT,
        published TEXT,
        fetched_at TEXT NOT NULL
    );
    """,
]


def statements(script: str) -> list[str]:
    """Split a migration into statements (triggers contain ';' inside BEGIN…END)."""
    out, buf = [], []
    for line in script.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and (not joined.upper().startswith("CREATE TRIGGER") or joined.upper().endswith("END;")):
            out.append(joined)
            buf = []
    return out
