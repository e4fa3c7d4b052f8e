"""Small helpers every stage may use: terminal-safe text, secrets out of text, proxies, guarded files, bounded
JSON, a deadline watchdog. They import no stage."""
