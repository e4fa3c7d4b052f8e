"""Stage 3, send: ``Prompt`` → reply, many at once, to one model or several.

``run`` orchestrates (claims in the archive, retries, events), ``job`` holds what a
run passes around, ``client`` makes one attempt under its deadline, ``protocols``
speak each wire format, ``concurrency`` finds the level the server bears, ``faults``
decides what to retry, and ``endpoint`` holds where and how to send.
"""
