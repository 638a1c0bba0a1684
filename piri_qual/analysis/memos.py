"""Memos as notes in their own right: every memo of the study, what it is about, and its links.

Memos are written while coding (``m`` in the coding screen, ``codings add --memo``,
``memos add``) and live as ``memo`` events in the coder logs, one current text per target: an
excerpt, a theme, a participant x theme cell, a transcript, a participant or the study. Notes
kept as Markdown files in the study's ``memos/`` folder (a reflexive journal, notes imported
from another QDA tool) are memos too. :func:`collect_memos` gathers them all, each with a
*handle* that names its target and stays the same between runs (``theme:bonding``,
``cell:P07:bonding``, ``excerpt:1a2b3c4d``, ``note:journal.md``), and the links a reader
follows: the coding and quote an excerpt memo is about, how many codings a theme memo's theme
has, the excerpts in a cell.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.codings import Event, FoldResult
    from piri_qual.core.study import StudyFolder

#: Kinds in the order a memo report reads them; ``note`` is a Markdown file in memos/.
KINDS = ("study", "theme", "cell", "participant", "transcript", "excerpt", "note")
KIND_TITLES = {"study": "Study memos", "theme": "Theme memos", "cell": "Participant x theme memos",
               "participant": "Participant memos", "transcript": "Transcript memos", "excerpt": "Excerpt memos",
               "note": "Notes in memos/"}
_SPAN = re.compile(r"^(?P<t>.+):(?P<s>\d+)-(?P<e>\d+)$")


@dataclass
class MemoNote:
    """One memo: its kind, target, text, author and time, and what it links to."""

    kind: str
    handle: str
    target: str  # what it is about, for people: "theme Bonding (bonding)", "P07 x Bonding", ...
    text: str
    coder: str
    time: str
    links: list[str] = field(default_factory=list)
    quote: str = ""  # an excerpt memo's excerpt
    order: tuple[object, ...] = ()  # sorts memos of one kind as a report reads them
    theme: str | None = None
    participant: str | None = None
    transcript: str | None = None

    @property
    def first_line(self) -> str:
        """The text on one line (a note's headings left out: its title is the target)."""
        lines = self.text.splitlines()
        return " ".join(" ".join(line for line in lines if not line.startswith("#")).split())


def _memo_events(fold: FoldResult) -> dict[tuple[str, tuple[str, ...]], Event]:
    """The latest memo event of each target, for the fields the fold's Memo does not keep."""
    from piri_qual.core.codings import memo_key

    latest: dict[tuple[str, tuple[str, ...]], Event] = {}
    for event in fold.effective:
        if event.op == "memo":
            latest[(event.scope or "excerpt", memo_key(event))] = event
    return latest


def collect_memos(study: StudyFolder, coders: Sequence[str] | None = None, *, notes: bool = True) -> list[MemoNote]:
    """Every current memo of ``coders`` (default: every coder with a log), and the Markdown notes
    in memos/ (with ``notes``), in report order: by kind, then by what they are about."""
    names = list(coders) if coders is not None else [c for c in study.coders() if study.log(c).path.exists()]
    try:
        codebook = study.codebook
    except PiriQualError:
        codebook = None
    theme_rank: dict[str, int] = {}
    if codebook is not None:
        from piri_qual.analysis.theme_names import framework_order

        theme_rank = {t.id: i for i, t in enumerate(framework_order(codebook, study.framework))}
    transcript_ids = study.transcript_ids()
    known = set(transcript_ids)
    participant_rank = {pid: i for i, pid in enumerate(study.participant_table())}
    participants: dict[str, str] = {}

    def participant(tid: str) -> str:
        """The participant of a transcript (a transcript no longer in the study stands for itself)."""
        if tid not in participants:
            participants[tid] = study.transcript(tid).participant if tid in known else tid
        return participants[tid]

    def label(theme: str) -> str:
        found = codebook.lookup(theme) if codebook is not None else None
        return found.label if found else theme

    out: list[MemoNote] = []
    for coder in names:
        fold = study.fold(coder)
        events = _memo_events(fold)
        theme_counts = Counter(c.theme for c in fold.codings.values())
        cell_counts = Counter((participant(c.transcript), c.theme) for c in fold.codings.values())
        for (scope, key), memo in fold.memos.items():
            event = events.get((scope, key))
            note = MemoNote(kind=scope, handle="", target="", text=memo.text, coder=coder, time=memo.time)
            if scope == "theme":
                theme = key[0]
                note.handle, note.theme = f"theme:{theme}", theme
                note.target = f"theme {label(theme)} ({theme})"
                note.links.append(f"{theme_counts[theme]} coding{'s' if theme_counts[theme] != 1 else ''} of "
                                  f"{theme} by {coder}: piri-qual quotes {theme} --coder {coder}")
                note.order = (theme_rank.get(theme, len(theme_rank)), theme)
            elif scope == "cell":
                pid, theme = key
                note.handle, note.theme, note.participant = f"cell:{pid}:{theme}", theme, pid
                note.target = f"{pid} x {label(theme)} ({theme})"
                n = cell_counts[(pid, theme)]
                note.links.append(f"{n} excerpt{'s' if n != 1 else ''} of {pid} coded {theme} by {coder}: "
                                  f"piri-qual quotes {theme} --participant {pid} --coder {coder}")
                note.order = (participant_rank.get(pid, len(participant_rank)), pid,
                              theme_rank.get(theme, len(theme_rank)))
            elif scope == "participant":
                pid = key[0]
                note.handle, note.participant = f"participant:{pid}", pid
                note.target = f"participant {pid}"
                mine = [t for t in transcript_ids if participant(t) == pid]
                note.links.append(f"transcript{'s' if len(mine) != 1 else ''} {', '.join(mine) or '(none)'}")
                note.order = (participant_rank.get(pid, len(participant_rank)), pid)
            elif scope == "transcript":
                tid = key[0]
                note.handle, note.transcript = f"transcript:{tid}", tid
                note.target = f"transcript {tid}"
                note.links.append(f"piri-qual show {tid}" if tid in transcript_ids else "transcript no longer in the study")
                note.order = (tid,)
            elif scope == "excerpt":
                _excerpt(study, note, key[0], fold, event, known, participant, label)
            else:
                note.handle, note.target = "study", "the study"
                note.order = (memo.time,)
            out.append(note)
    if notes:
        out.extend(_files(study))
    rank = {k: i for i, k in enumerate(KINDS)}
    out.sort(key=lambda n: (rank.get(n.kind, len(rank)), n.order, n.coder, n.time))
    return out


def _excerpt(study: StudyFolder, note: MemoNote, ref: str, fold: FoldResult, event: Event | None,
             known: set[str], participant: Callable[[str], str], label: Callable[[str], str]) -> None:
    """An excerpt memo's handle, target and links: its coding if it still exists, else its span."""
    coding = fold.codings.get(ref)
    span = _SPAN.match(ref)
    if coding is not None:
        tid, start, end, quote = coding.transcript, coding.start, coding.end, coding.quote
        note.handle = f"excerpt:{ref[:8]}"
        note.theme = coding.theme
        note.links.append(f"coding {ref[:8]}: {coding.theme} ({label(coding.theme)}) on {tid} [{start}, {end})")
    elif span is not None:
        tid, start, end = span.group("t"), int(span.group("s")), int(span.group("e"))
        quote = study.transcript(tid).text[start:end] if tid in known else (event.quote or "" if event else "")
        note.handle = f"excerpt:{tid}:{start}-{end}"
        note.links.append(f"{tid} [{start}, {end}) (not coded)")
    else:
        tid = (event.transcript if event else None) or ""
        start, end = (event.start or 0, event.end or 0) if event else (0, 0)
        quote = (event.quote if event else None) or ""
        note.handle = f"excerpt:{ref[:8]}"
        note.links.append(f"coding {ref[:8]} (since deleted)" + (f" on {tid} [{start}, {end})" if tid else ""))
    note.transcript, note.quote = tid or None, quote
    note.participant = participant(tid) if tid else None
    note.target = f"excerpt of {tid} [{start}, {end})" if tid else "an excerpt no longer in the study"
    if tid in known:
        note.links.append(f"piri-qual show {tid}")
    note.order = (tid, start, end)


def _files(study: StudyFolder) -> list[MemoNote]:
    """Markdown notes in memos/ (any depth), each titled by its first heading."""
    folder = study.root / "memos"
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        relative = path.relative_to(folder).as_posix()
        title = next((line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")), relative)
        when = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        out.append(MemoNote(kind="note", handle=f"note:{relative}", target=f"{title} (memos/{relative})",
                            text=text.strip(), coder="", time=when, order=(relative,)))
    return out


def find_memos(memos: list[MemoNote], handle: str) -> list[MemoNote]:
    """The memos a handle names (one per coder), or a clear error listing close handles."""
    wanted = handle.strip()
    found = [m for m in memos if m.handle == wanted]
    if not found:  # an excerpt handle may be given with more of the coding id
        found = [m for m in memos if m.kind == "excerpt" and wanted.startswith(m.handle)]
    if found:
        return found
    import difflib

    handles = list(dict.fromkeys(m.handle for m in memos))
    close = difflib.get_close_matches(wanted, handles, n=3)
    raise PiriQualError(f"no memo {wanted!r}",
                        hint=f"Did you mean {', '.join(close)}?" if close else "List them with `piri-qual memos`.")


def memo_fields(study: StudyFolder, coder: str, *, theme: str | None = None, participant: str | None = None,
                transcript: str | None = None, excerpt: str | None = None) -> dict[str, Any]:
    """The fields of a memo event on the target these options name (see ``memos add``):
    theme and participant together make a cell; an excerpt is a coding id (or its first
    characters); nothing at all is the study."""
    given = [n for n, v in (("theme", theme), ("participant", participant), ("transcript", transcript),
                            ("excerpt", excerpt)) if v]
    if excerpt:
        if len(given) > 1:
            raise PiriQualError("--excerpt names the target alone", hint="Drop the other target options.")
        matches = [c for cid, c in study.fold(coder).codings.items() if cid.startswith(excerpt.strip())]
        if len(matches) != 1:
            raise PiriQualError(
                f"{'no' if not matches else 'more than one'} coding of {coder} has an id starting {excerpt!r}",
                hint="Copy the id from `piri-qual codings list --json` or `piri-qual memos`.",
            )
        c = matches[0]
        return {"scope": "excerpt", "target": c.id, "transcript": c.transcript, "start": c.start, "end": c.end,
                "quote": c.quote}
    if transcript and (theme or participant):
        raise PiriQualError("--transcript names the target alone", hint="Drop --theme/--participant.")
    theme_id = study.codebook.resolve(theme, source=study.codebook_path).id if theme else None
    if participant:
        known = {study.transcript(t).participant for t in study.transcript_ids()} | set(study.participant_table())
        if participant not in known:
            raise PiriQualError(f"no participant {participant!r}", path=study.participants_path,
                                hint=f"Participants: {', '.join(sorted(known)[:15])}.")
    if theme_id and participant:
        return {"scope": "cell", "theme": theme_id, "participant": participant}
    if theme_id:
        return {"scope": "theme", "theme": theme_id}
    if participant:
        return {"scope": "participant", "participant": participant}
    if transcript:
        study.transcript(transcript)
        return {"scope": "transcript", "transcript": transcript}
    return {"scope": "study"}

