"""Exchange with other qualitative analysis tools.

Reading REFI-QDA projects (``.qdpx``) and codebooks (``.qdc``) written by NVivo, ATLAS.ti,
MAXQDA, QualCoder and others, and turning Word comments into codings. The writers live in
:mod:`piri_qual.exchange.qdpx_writer` and :mod:`piri_qual.exchange.qdc_writer`.

Files from elsewhere are treated as hostile until read: archives are checked before anything
is decompressed (:mod:`.safezip`), XML is parsed without entities, DTDs or network
(:mod:`.safexml`), and an import is planned whole in memory before anything is written.
"""
