"""Stage 3, batch: many prompts through a provider's Batch API, or through request files.

``api`` speaks the Batch API (files and batches); ``runner`` submits, reconciles,
collects and imports, recording every remote step in the archive first.
"""
