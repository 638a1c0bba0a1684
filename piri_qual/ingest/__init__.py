"""Reading transcripts (.docx, .odt, .rtf, .doc, .pdf, .vtt, .srt, .txt, .md, .html) into the
study's corpus.

``readers.read_source`` turns one file into speaker turns; ``derive.derive`` lays them out under
the study's settings (roles, stage directions, what was found); ``study_import.import_files``
decides ids and participants, writes ``corpus/<id>.json`` and keeps codings anchored across
re-imports; ``rederive.refresh_turns`` applies a changed ``roles:`` on the next command.
"""
