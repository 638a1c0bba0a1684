"""``roles:`` applies on the next command: transcripts whose turns depend on changed settings are
derived again, without ``import --force``.

Why: roles decide whose words are data. A researcher who finds the interviewer counted as a
participant fixes ``roles:`` and expects the next ``summary``, ``suggest`` or ``agreement`` to
use it. Every transcript records the settings that produced its turns
(:attr:`~piri_qual.core.corpus.Transcript.turn_settings`: the ``roles:`` entry of each label
found, and ``--speakers``); when the study's ``roles:`` now says something else for one of those
labels, the transcript is derived again from its kept source exactly as an import would do it,
and every coder's codings on it are re-anchored from their quotes through the store (or reported
as orphaned). A source that is gone or has changed since the import is not read again behind the
researcher's back: the roles alone are assigned again over the stored turns, which moves no text.
A transcript from before turn settings were recorded (corpus format 1) is derived again only when
``roles:`` names one of its labels with a role other than the one it has.

The check is cheap on the common path: a stamp of ``roles:`` and the corpus files' sizes and
times in ``.piri-cache/turn-settings.json`` says nothing changed since the last check, and the
transcripts are not opened at all. When it does not (the cache was cleaned, an import wrote
files), the corpus index (:mod:`piri_qual.ingest.corpus_index`) says which ``roles:`` each
transcript's turns were made with (for format 1, which speakers with which roles its turns
have), so only the transcripts it does not vouch for, and those a change concerns, are opened.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.core.cache import write_cache_file
from piri_qual.core.corpus import Transcript
from piri_qual.core.locking import study_lock
from piri_qual.core.study import corpus_ids
from piri_qual.errors import PiriQualError
from piri_qual.ingest.findings import UNLABELLED

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder

STAMP_FILE = "turn-settings.json"
CACHED_INDEX = "corpus-index"  # a read-only command's copy of the corpus index (ingest/corpus_index.py)


@dataclass
class Refreshed:
    """One transcript derived again: why, how (``re-read`` or ``roles``), what moved."""

    transcript: str
    reason: str
    how: str
    roles_changed: int = 0
    reanchored: int = 0
    orphaned: list[str] = field(default_factory=list)
    note: str = ""


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def stale_reason(transcript: Transcript, roles: dict[str, str]) -> str | None:
    """Why the transcript's turns no longer match ``roles:`` (None when they do)."""
    table = {_key(k): v for k, v in roles.items()}
    stamp = transcript.turn_settings.get("roles")
    if isinstance(stamp, dict):
        return _roles_changed(stamp, table)
    # format 1: compare with the roles the turns have
    return _turn_roles_changed(dict.fromkeys((t.speaker, t.role) for t in transcript.turns if t.speaker), table)


def _turn_roles_changed(pairs: Iterable[tuple[str, str]], table: dict[str, str]) -> str | None:
    """How ``roles:`` now differs from the roles that (speaker label, role) ``pairs`` of a
    transcript's turns have, for a transcript without a recorded ``roles`` stamp (corpus format
    1): a label ``roles:`` names with another role. None when none does."""
    for speaker, role in pairs:
        now = table.get(_key(speaker))
        if now is not None and now != role:
            return f"roles: {_key(speaker)!r} {role} -> {now}"
    return None


def _roles_changed(stamp: dict[str, Any], table: dict[str, str]) -> str | None:
    """How ``roles:`` (keyed as :func:`_key` keys) now differs for the labels a transcript's
    turns were made with (its recorded ``roles`` stamp); None when it does not."""
    for key, was in sorted(stamp.items()):
        now = table.get(key)
        if now != was:
            return f"roles: {key!r} {was or '(not set)'} -> {now or '(not set)'}"
    return None


def _maybe_stale(study: StudyFolder, roles: dict[str, str], *, remember: bool = True) -> list[str]:
    """The transcripts whose turns may no longer match ``roles:``, from the corpus index: the
    transcripts are not opened, except those the index does not know as they are now
    (:mod:`piri_qual.ingest.corpus_index`)."""
    from piri_qual.ingest.corpus_index import load_index

    kept = study.cache_dir / CACHED_INDEX
    index, _ = load_index(study.corpus_dir, load=lambda path: study.transcript(path.stem, remember=remember),
                          also=kept)
    if index.read_again:  # keep what was read in the cache: corpus/ is the import's to write
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            index.save(kept)
        except (OSError, PiriQualError):
            # a study on a read-only share or a full disk (atomic writes say so as a
            # PiriQualError): the cache is only a saving, and the next command reads the files again
            pass
    table = {_key(k): v for k, v in roles.items()}
    out = []
    for tid, entry in index.entries.items():
        if entry.roles is not None:
            if _roles_changed(entry.roles, table) is not None:
                out.append(tid)
        elif entry.found:
            # format 1: the speakers the index found, each label with the role its turns have
            # (the example study's corpus is format 1, so this is not a rare path)
            if _turn_roles_changed(((label, role) for label, role, _ in entry.found if label != UNLABELLED),
                                   table) is not None:
                out.append(tid)
        elif stale_reason(study.transcript(tid, remember=remember), roles) is not None:
            out.append(tid)
    return out


def _stamp(study: StudyFolder) -> str:
    """The corpus files' names, times and sizes and the ``roles:`` setting, as one hash."""
    files = []
    for name in sorted(f"{tid}.json" for tid in corpus_ids(study.corpus_dir)):
        st = os.stat(os.path.join(study.corpus_dir, name))
        files.append((name, st.st_mtime_ns, st.st_size))
    roles = sorted((_key(k), v) for k, v in study.settings.roles.items())
    return hashlib.sha256(json.dumps([roles, files]).encode()).hexdigest()


def refresh_turns(study: StudyFolder, *, remember: bool = True) -> list[Refreshed]:
    """Derive again every transcript whose turns depend on settings that changed; say which.

    Nothing is locked or written when nothing is stale (a study on a read-only share opens as
    before); the stamp that saves the next check is written when the cache folder can be.
    """
    if not study.corpus_dir.is_dir():
        return []
    stamp_path = study.cache_dir / STAMP_FILE
    checked = _stamp(study)
    if _read(stamp_path) == checked:
        return []
    roles = dict(study.settings.roles)
    # remember=False: a command that streams the corpus (suggest) keeps no transcript from this check
    stale = _maybe_stale(study, roles, remember=remember)
    done: list[Refreshed] = []
    if stale:
        study.cache_dir.mkdir(parents=True, exist_ok=True)
        # the study's lock, as an import takes: re-deriving rewrites corpus files and moves codings
        with study_lock(study.root, "re-deriving turns after a settings change"):
            for tid in stale:  # checked again under the lock: another command may have done it
                transcript = study.transcript(tid)
                reason = stale_reason(transcript, roles)
                if reason is not None:
                    done.append(_rederive(study, transcript, reason, roles))
    try:
        study.cache_dir.mkdir(parents=True, exist_ok=True)
        # a cache file (regenerable): written without fsync, and never the reason a command fails
        # the state checked, unless this rewrote files (a later change is then checked next time)
        stamp = _stamp(study) if done else checked
        write_cache_file(stamp_path, (json.dumps({"stamp": stamp}) + "\n").encode("utf-8"))
    except OSError:
        pass  # a read-only study or a full disk: checked again next time, which costs only time
    return done


def _read(path: Path) -> str | None:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("stamp") if isinstance(data, dict) else None


def _rederive(study: StudyFolder, old: Transcript, reason: str, roles: dict[str, str]) -> Refreshed:
    from piri_qual.ingest.derive import derive, relabel, turn_settings
    from piri_qual.ingest.study_import import _reanchor, sha256_file

    source = study.root / old.source if old.source else None
    speakers = old.turn_settings.get("speakers")
    if source is not None and source.is_file() and sha256_file(source) == old.source_sha256:
        try:
            derived = derive(source, roles, speakers)
        except PiriQualError as exc:
            note = f"its source could not be read again ({exc}); roles assigned again over the stored turns"
        else:
            new = Transcript(
                id=old.id, participant=old.participant, group=old.group, text=derived.text,
                turns=derived.turns, source=old.source, source_sha256=old.source_sha256,
                format=derived.document.format, imported_at=old.imported_at,
                metadata=derived.metadata, nonspeech=derived.nonspeech,
                turn_settings=derived.turn_settings,
            )
            out = Refreshed(old.id, reason, "re-read", _changed(old, new))
            if new.text != old.text:
                out.reanchored, out.orphaned = _reanchor(study, old, new)
            new.save(study.corpus_dir / f"{old.id}.json")
            return out
    else:
        note = ("its source has changed since it was imported; roles assigned again over the stored "
                "turns (import it again to re-read it)") if source is not None and source.is_file() else (
                "its source is no longer in the study; roles assigned again over the stored turns")
    turns = relabel(old.turns, old.text, roles)
    labels = list(dict.fromkeys(t.speaker for t in turns if t.speaker))
    new = Transcript(
        id=old.id, participant=old.participant, group=old.group, text=old.text, turns=turns,
        source=old.source, source_sha256=old.source_sha256, format=old.format,
        imported_at=old.imported_at, metadata=old.metadata, nonspeech=old.nonspeech,
        turn_settings=turn_settings(labels, roles, speakers),
    )
    out = Refreshed(old.id, reason, "roles", _changed(old, new), note=note)
    new.save(study.corpus_dir / f"{old.id}.json")
    return out


def _changed(old: Transcript, new: Transcript) -> int:
    """Turns whose role differs (compared by position when the turns line up)."""
    if len(old.turns) != len(new.turns):
        return abs(len(old.turns) - len(new.turns)) + sum(
            1 for a, b in zip(old.turns, new.turns, strict=False) if a.role != b.role)
    return sum(1 for a, b in zip(old.turns, new.turns, strict=True) if a.role != b.role)
