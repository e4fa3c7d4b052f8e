"""The ``retest_verdicts`` block a prompt asks for: its key, statuses, JSON schema, and the instruction templates
append. Asked for here, by build; read by ``check.verdicts``."""

from __future__ import annotations

STATUSES = ("holds", "revised", "overturned", "unresolved")
KEY = "retest_verdicts"

SCHEMA = {
    "name": "retest_verdicts",
    "strict": True,
    "schema": {
        "type": "object",
        "additionalProperties": False,
        "required": [KEY],
        "properties": {KEY: {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["claim", "status", "evidence", "note"],
            "properties": {
                "claim": {"type": "integer"},
                "status": {"type": "string", "enum": list(STATUSES)},
                "evidence": {"type": "array", "items": {"type": "string"}},
                "note": {"type": "string"},
            },
        }}},
    },
}


def instruction(n_claims: int) -> str:
    """What templates append: short, so that it costs little and every chat model can follow it."""
    claims = "the claim above" if n_claims == 1 else f"each of the {n_claims} claims above (1 = the first listed)"
    return (
        f"After your answer, give your verdict on {claims} in one fenced json block:\n"
        "```json\n"
        '{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": ["arXiv:YYMM.NNNNN"], "note": "one line"}]}\n'
        "```\n"
        "status is holds, revised, overturned or unresolved; evidence lists the arXiv IDs the verdict rests on."
    )


def schema_for(verdicts: str) -> dict | None:
    """The structured-output schema for ``--verdicts json-schema``."""
    return SCHEMA if verdicts == "json-schema" else None
