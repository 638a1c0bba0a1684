"""The memo report: every memo of the study in one document, .md or .docx.

Memos are the analytic audit trail of a thematic analysis (why a theme was split, what a
participant's account adds, what the team agreed), and reporting guidelines ask for that trail
to be kept. The report reads kind by kind (study, themes in framework order, participant x theme
cells, participants, transcripts, excerpts in text order, then the notes kept in memos/), each
memo under what it is about, with its author, date and links. The study's pseudonym map is
applied to memo texts and excerpts unless the caller passes none, like every other export.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from piri_qual.core.output_path import OutputKind

if TYPE_CHECKING:
    from piri_qual.analysis.memos import MemoNote

MEMOS = OutputKind("a memo report", ("md", "docx"), "memos")


def _sections(memos: list[MemoNote]) -> list[tuple[str, list[MemoNote]]]:
    from piri_qual.analysis.memos import KIND_TITLES, KINDS

    return [(KIND_TITLES[kind], [m for m in memos if m.kind == kind]) for kind in KINDS
            if any(m.kind == kind for m in memos)]


def _byline(memo: MemoNote) -> str:
    who = memo.coder or "file"
    return f"{who}, {memo.time[:10]}" if memo.time else who


def intro(title: str, memos: list[MemoNote], pseudonyms: int) -> str:
    coders = sorted({m.coder for m in memos if m.coder})
    text = (f"{len(memos)} memo{'s' if len(memos) != 1 else ''} of {title}"
            + (f" by {', '.join(coders)}" if coders else "") + ". ")
    if pseudonyms:
        text += f"Names replaced from the study's pseudonym map ({pseudonyms} entries). "
    return text + f"Exported {date.today().isoformat()} by piri-qual."


def memo_markdown(memos: list[MemoNote], title: str, about: str,
                  clean: Callable[[str], str] = lambda text: text) -> str:
    from piri_qual.export.csv_markdown import md_escape

    out = [f"# Memos: {md_escape(title)}", "", about, ""]
    if not memos:
        out += ["No memos yet. Write them while coding (m) or with `piri-qual memos add`.", ""]
    for heading, part in _sections(memos):
        out += [f"## {heading}", ""]
        for memo in part:
            out += [f"### {md_escape(clean(memo.target))}", "", f"*{md_escape(_byline(memo))}; {memo.handle}*", ""]
            if memo.quote:
                out += ["> " + md_escape(clean(" ".join(memo.quote.split()))), ""]
            if memo.kind == "note":
                out += [line if not line.startswith("#") else "#" * 3 + line for line in clean(memo.text).splitlines()]
            else:
                out += [clean(memo.text).replace("\n", "  \n")]
            out.append("")
            for link in memo.links:
                out.append(f"- {md_escape(clean(link))}")
            if memo.links:
                out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def memo_docx(memos: list[MemoNote], path: Path, title: str, about: str,
              clean: Callable[[str], str] = lambda text: text) -> None:
    from piri_qual.export.docx_writer import new_document
    from piri_qual.export.word_stream import streamed_docx
    from piri_qual.export.word_xml import Run

    with streamed_docx(new_document(f"Memos: {title}"), path) as body:
        body.paragraph(about)
        if not memos:
            body.paragraph("No memos yet. Write them while coding (m) or with `piri-qual memos add`.")
        for heading, part in _sections(memos):
            body.heading(heading, 1)
            for memo in part:
                body.heading(clean(memo.target), 2)
                body.runs(Run(f"{_byline(memo)}; {memo.handle}", italic=True, size=9))
                if memo.quote:
                    body.paragraph(f"\u201c{clean(' '.join(memo.quote.split()))}\u201d", "Quote")
                for block in clean(memo.text).split("\n\n"):
                    body.paragraph(block.strip())
                for link in memo.links:
                    text = clean(link)
                    body.paragraph("", left_indent=12, runs=[Run(text, size=8)] if text else [])


def write_memo_report(memos: list[MemoNote], path: Path, fmt: str, title: str,
                      clean: Callable[[str], str] | None = None, pseudonyms: int = 0) -> Path:
    """Write the report as ``fmt`` (md or docx); ``clean`` pseudonymises every text shown."""
    from piri_qual.export.csv_markdown import write_markdown

    fix = clean or (lambda text: text)
    about = intro(title, memos, pseudonyms)
    if fmt == "docx":
        memo_docx(memos, path, title, about, fix)
    else:
        write_markdown(memo_markdown(memos, title, about, fix), path)
    return path
