"""Reading transcripts (.docx, .vtt, .txt, .md) into the study's corpus.

``readers.read_source`` turns one file into speaker turns; ``study_import.import_files`` decides
ids and participants, writes ``corpus/<id>.json`` and keeps codings anchored across re-imports.
"""
