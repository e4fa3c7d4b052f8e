"""Stage 5, check: what a reply cites, whether those papers are real, and its verdicts on claims.

``citations`` finds arXiv IDs and the dates stated beside them, ``verdicts`` reads a
reply's ``retest_verdicts`` block, ``reply`` weighs a reply against the claims it was
sent, and ``arxiv_api`` asks arXiv, politely and cached.
"""
