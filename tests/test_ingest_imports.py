"""The transcript readers and their dispatcher import each other in one direction only.

Each reader (docx, txt, vtt) builds a SourceDocument, and ``readers.read_source`` dispatches to
them; the shared type lives in ``ingest/source.py`` so that no reader imports the dispatcher and
the dispatcher can import its readers at the top instead of inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import piri_qual.ingest as ingest

INGEST = Path(ingest.__file__).parent


def imports(name: str) -> tuple[set[str], set[str]]:
    """piri_qual modules ``ingest/<name>.py`` imports at module level, and inside functions."""
    tree = ast.parse((INGEST / f"{name}.py").read_text(encoding="utf-8"))
    top = {n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.module}
    nested = {
        n.module
        for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(f) if isinstance(n, ast.ImportFrom) and n.module
    }
    return {m for m in top if m.startswith("piri_qual")}, {m for m in nested if m.startswith("piri_qual")}


def test_readers_import_the_shared_type_not_the_dispatcher() -> None:
    for reader in ("docx", "txt", "vtt"):
        top, nested = imports(reader)
        assert "piri_qual.ingest.readers" not in top | nested, reader
        assert "piri_qual.ingest.source" in top, reader


def test_the_dispatcher_imports_its_readers_at_the_top() -> None:
    top, nested = imports("readers")
    assert {"piri_qual.ingest.docx", "piri_qual.ingest.txt", "piri_qual.ingest.vtt"} <= top
    assert not nested
    from piri_qual.ingest.readers import SourceDocument
    from piri_qual.ingest.source import SourceDocument as Shared

    assert SourceDocument is Shared
