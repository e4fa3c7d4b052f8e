"""What the replies behind the ledger and the report cost, as stored with each reply.

Each cost is ``{usd, estimated, reported, later, text}`` (``text`` as shown:
``~$0.012``; ``later``: priced after it arrived, by ``archive reprice``), or
None where no price is known — never $0.00 for unknown.
"""

from __future__ import annotations


def _cost(usd, estimated: bool, reported: bool, later: bool = False) -> dict:
    from ..send.prices import format_usd

    return {"usd": usd, "estimated": estimated, "reported": reported, "later": later,
            "text": format_usd(usd, estimated)}


def reply_costs(archive, reply_ids) -> dict[int, dict | None]:
    """Each reply's cost, by id."""
    return {i: None if r["cost_usd"] is None else
            _cost(r["cost_usd"], bool(r["cost_estimated"]), r["cost_source"] == "reported", bool(r["cost_priced_at"]))
            for i, r in archive.costs_of(list(reply_ids)).items()}


def document_cost(archive, reply_ids: dict[str, set]) -> dict:
    """Per model, the replies the report draws on for one document; and their total.

    ``{"models": {model: cost or None}, "total": cost or None, "unpriced": [models]}``:
    the total adds what is known and names the models whose cost is not.
    """
    costs = reply_costs(archive, [i for ids in reply_ids.values() for i in ids])
    models, unpriced = {}, []
    for model, ids in sorted(reply_ids.items()):
        known = [costs.get(i) for i in ids]
        if any(c is None for c in known):
            models[model] = None
            unpriced.append(model)
            continue
        models[model] = _cost(sum(c["usd"] for c in known), any(c["estimated"] for c in known),
                              all(c["reported"] for c in known), any(c["later"] for c in known))
    priced = [c for c in models.values() if c is not None]
    total = (_cost(sum(c["usd"] for c in priced), any(c["estimated"] for c in priced),
                   all(c["reported"] for c in priced), any(c["later"] for c in priced)) if priced else None)
    return {"models": models, "total": total, "unpriced": unpriced}
