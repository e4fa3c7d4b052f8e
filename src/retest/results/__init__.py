"""Stage 6, results: the claims ledger across models and time, and the HTML report."""
