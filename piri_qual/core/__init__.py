"""The data model: a study folder, its settings, framework and codebook, transcripts,
participants, sentence index and coder logs, and the one store every decision is written through.

Nothing in ``core`` imports from a layer above it (``make test`` checks this with import-linter).
"""
