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
    # 3: claims that travel with prompts, verdicts per claim, reply detail, runs, batches
    """
    ALTER TABLE replies ADD COLUMN api TEXT;
    ALTER TABLE replies ADD COLUMN reasoning TEXT;
    ALTER TABLE replies ADD COLUMN reasoning_tokens INTEGER;
    ALTER TABLE replies ADD COLUMN cached_tokens INTEGER;
    ALTER TABLE replies ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE replies ADD COLUMN note TEXT;
    ALTER TABLE replies ADD COLUMN verdicts_note TEXT;
    ALTER TABLE replies ADD COLUMN run_id INTEGER;
    CREATE INDEX replies_by_created ON replies(created_at);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        endpoint TEXT,
        models TEXT,
        concurrency_ceiling INTEGER,
        concurrency_lowest INTEGER,
        concurrency_final INTEGER,
        note TEXT
    );
    CREATE TABLE claims (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        date TEXT,
        arxiv_ids TEXT NOT NULL,
        note_title TEXT,
        source TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE prompt_claims (
        prompt_id INTEGER NOT NULL REFERENCES prompts(id),
        idx INTEGER NOT NULL,
        claim_id INTEGER NOT NULL REFERENCES claims(id),
        source TEXT,
        PRIMARY KEY (prompt_id, idx)
    );
    CREATE INDEX prompt_claims_by_claim ON prompt_claims(claim_id);
    CREATE TABLE claim_verdicts (
        reply_id INTEGER NOT NULL REFERENCES replies(id),
        idx INTEGER NOT NULL,
        claim_id INTEGER REFERENCES claims(id),
        status TEXT NOT NULL,
        evidence TEXT NOT NULL,
        evidence_check TEXT,
        supported INTEGER,
        note TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (reply_id, idx)
    );
    CREATE INDEX claim_verdicts_by_claim ON claim_verdicts(claim_id, reply_id);
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        intent TEXT NOT NULL UNIQUE,
        remote_id TEXT UNIQUE,
        endpoint TEXT NOT NULL,
        api TEXT NOT NULL,
        url TEXT NOT NULL,
        model TEXT NOT NULL,
        params_sha256 TEXT NOT NULL,
        state TEXT NOT NULL,
        input_path TEXT,
        bytes INTEGER,
        input_file_id TEXT,
        output_file_id TEXT,
        error_file_id TEXT,
        remote_status TEXT,
        counts TEXT,
        requests INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        expires_at TEXT,
        collected_at TEXT,
        error TEXT
    );
    CREATE TABLE batch_requests (
        custom_id TEXT PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        reply_id INTEGER NOT NULL REFERENCES replies(id),
        prompt_id INTEGER NOT NULL REFERENCES prompts(id)
    );
    CREATE INDEX batch_requests_by_batch ON batch_requests(batch_id);
    CREATE INDEX batch_requests_by_reply ON batch_requests(reply_id);
    """,
    # 4: the sources a grounded reply rests on, in order, searchable by title and domain
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        reply_id INTEGER NOT NULL REFERENCES replies(id),
        idx INTEGER NOT NULL,
        url TEXT NOT NULL,
        domain TEXT,
        title TEXT,
        date TEXT,
        snippet TEXT,
        cited INTEGER NOT NULL DEFAULT 0,
        start_index INTEGER,
        end_index INTEGER,
        spans TEXT,
        kind TEXT,
        arxiv_id TEXT,
        UNIQUE (reply_id, idx)
    );
    CREATE INDEX sources_by_arxiv ON sources(arxiv_id);
    CREATE VIRTUAL TABLE sources_fts USING fts5(title, domain, content='sources', content_rowid='id');
    CREATE TRIGGER sources_ai AFTER INSERT ON sources BEGIN
        INSERT INTO sources_fts(rowid, title, domain) VALUES (new.id, new.title, new.domain);
    END;
    """,
    # 5: background responses (Responses API, background mode): the remote id of each reply, recorded first
    """
    CREATE TABLE background_responses (
        reply_id INTEGER PRIMARY KEY REFERENCES replies(id),
        intent TEXT NOT NULL UNIQUE,
        response_id TEXT,
        state TEXT NOT NULL,
        status TEXT,
        reason TEXT,
        creator TEXT,
        heartbeat_at TEXT,
        endpoint TEXT NOT NULL,
        created_at TEXT NOT NULL,
        submitted_at TEXT,
        polled_at TEXT,
        polls INTEGER NOT NULL DEFAULT 0,
        ended_at TEXT
    );
    CREATE INDEX background_by_state ON background_responses(state, endpoint);
    CREATE INDEX background_by_response ON background_responses(response_id);
    """,
    # 6: what each reply cost, and each attempt that may have been billed without a reply
    """
    ALTER TABLE replies ADD COLUMN cost_usd REAL;
    ALTER TABLE replies ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE replies ADD COLUMN cost_source TEXT;
    ALTER TABLE replies ADD COLUMN spent_usd REAL;
    ALTER TABLE replies ADD COLUMN spent_estimated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE attempts ADD COLUMN prompt_tokens INTEGER;
    ALTER TABLE attempts ADD COLUMN completion_tokens INTEGER;
    ALTER TABLE attempts ADD COLUMN cost_usd REAL;
    """,
    # 7: when each reply's verdicts were read (at arrival); replies read before are marked, the rest are read once
    """
    ALTER TABLE replies ADD COLUMN verdicts_at TEXT;
    UPDATE replies SET verdicts_at = coalesce(finished_at, created_at) WHERE status = 'ok'
        AND (verdicts_note IS NOT NULL OR EXISTS (SELECT 1 FROM claim_verdicts cv WHERE cv.reply_id = replies.id)
             OR EXISTS (SELECT 1 FROM verdicts v WHERE v.reply_id = replies.id));
    CREATE INDEX replies_unread ON replies(id) WHERE status = 'ok' AND verdicts_at IS NULL;
    """,
    # 8: each verdict's ledger entry, made once as JSON when it is stored (older rows are made as they are read);
    # each prompt's replies by model without reading their rows (the ledger's "latest reply of each model")
    """
    ALTER TABLE claim_verdicts ADD COLUMN entry TEXT;
    CREATE INDEX replies_by_prompt_model ON replies(prompt_id, status, model, id);
    """,
    # 9: each reply as the report shows it (HTML, zlib-compressed), made when it arrives; ``key`` names what it was
    # made from (the renderer and the reply's citation verdicts), so that a page made from anything else is remade
    """
    CREATE TABLE reply_pages (
        reply_id INTEGER PRIMARY KEY REFERENCES replies(id),
        key TEXT NOT NULL,
        html BLOB NOT NULL
    );
    """,
    # 10: the named endpoint each reply came from (``-m MODEL@NAME``; 'pasted' for replies added by hand, NULL for
    # --base-url), so that the same model name at two endpoints is two voices in the ledger
    """
    ALTER TABLE replies ADD COLUMN endpoint_name TEXT;
    CREATE INDEX replies_by_prompt_voice ON replies(prompt_id, status, model, endpoint_name, id);
    """,
    # 11: related papers (retest related, --related): look-ups cached with when they were made, per service;
    # and which papers each prompt supplied under which claim (provenance)
    """
    CREATE TABLE related_works (
        source TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        work TEXT,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (source, arxiv_id)
    );
    CREATE TABLE related_citing (
        source TEXT NOT NULL,
        arxiv_id TEXT NOT NULL,
        since TEXT NOT NULL,
        works TEXT,
        total INTEGER,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (source, arxiv_id, since)
    );
    CREATE TABLE prompt_related (
        prompt_id INTEGER NOT NULL REFERENCES prompts(id),
        idx INTEGER NOT NULL,
        rank INTEGER NOT NULL,
        paper TEXT NOT NULL,
        arxiv_id TEXT,
        doi TEXT,
        PRIMARY KEY (prompt_id, idx, rank)
    );
    CREATE INDEX prompt_related_by_arxiv ON prompt_related(arxiv_id);
    """,
    # 12: each document's question (its title) by path, as it was when a prompt made from it was archived: the
    # report's headings without reading any document again (an older archive's documents show their paths)
    """
    CREATE TABLE document_titles (
        source TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    """,
    # 13: one kept reply per reply row, whatever runs at once: the attempt that stored it is marked, and a
    # second one is refused by the index (older attempts stay unmarked); a background cancel asked for while
    # another run is inside the create call is recorded, to be sent to the provider once the response id is known
    """
    ALTER TABLE attempts ADD COLUMN kept INTEGER;
    CREATE UNIQUE INDEX attempts_one_kept ON attempts(reply_id) WHERE kept = 1;
    ALTER TABLE background_responses ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
    """,
    # 14: every document a prompt was made from: two documents whose prompts come out the same share one prompt
    # (sent once), and each keeps its claims. ``seen_as`` is the path ``prompt_claims.source`` records for the
    # claims this document gave the prompt (its own path for the first one met). Filled from what was recorded.
    """
    CREATE TABLE prompt_documents (
        prompt_id INTEGER NOT NULL REFERENCES prompts(id),
        seen_as TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (prompt_id, seen_as, source)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO prompt_documents (prompt_id, seen_as, source)
        SELECT DISTINCT prompt_id, source, source FROM prompt_claims WHERE source IS NOT NULL;
    """,
    # 15: when a reply kept without a price was priced later (`archive reprice`, by a price given since); NULL for
    # a cost found as the reply arrived
    """
    ALTER TABLE replies ADD COLUMN cost_priced_at TEXT;
    """,
    # 16: the replies citing a paper, found from the paper: what is learned about it (not found on arXiv, its real
    # title, retracted) reaches every reply citing it, checked again when its verdicts predate what is known;
    # ``facts_settled`` says up to when every look-up has been applied, so that only newer ones are weighed
    """
    CREATE INDEX verdicts_by_arxiv ON verdicts(arxiv_id, checked_at);
    CREATE TABLE facts_settled (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at TEXT NOT NULL
    );
    """,
]

# What every current archive must have; a missing search index is rebuilt on open.
FTS_TABLES = {
    "prompts_fts": (
        "CREATE VIRTUAL TABLE prompts_fts USING fts5(text, content='prompts', content_rowid='id')",
        "CREATE TRIGGER prompts_ai AFTER INSERT ON prompts BEGIN\n"
        "    INSERT INTO prompts_fts(rowid, text) VALUES (new.id, new.text);\nEND",
    ),
    "replies_fts": (
        "CREATE VIRTUAL TABLE replies_fts USING fts5(reply, content='replies', content_rowid='id')",
        "CREATE TRIGGER replies_au AFTER UPDATE OF status ON replies\n"
        "    WHEN new.status = 'ok' AND old.status != 'ok' BEGIN\n"
        "    INSERT INTO replies_fts(rowid, reply) VALUES (new.id, new.reply);\nEND",
    ),
    "sources_fts": (
        "CREATE VIRTUAL TABLE sources_fts USING fts5(title, domain, content='sources', content_rowid='id')",
        "CREATE TRIGGER sources_ai AFTER INSERT ON sources BEGIN\n"
        "    INSERT INTO sources_fts(rowid, title, domain) VALUES (new.id, new.title, new.domain);\nEND",
    ),
}


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
