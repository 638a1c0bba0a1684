"""Nothing orphaned silently: codings whose theme the codebook no longer explains, reported.

A theme id can disappear from the codebook YAML while codings still use it (a hand edit, a
branch that renamed it merged with one that did not), and two branches can rename one theme to
two different ids. Every command that reads codings for figures or documents (``codebook``,
``summary``, ``agreement``, every export) calls :func:`warn_theme_problems`, which says what is
wrong and the command that fixes it, one warning line each.
"""

from __future__ import annotations

import difflib
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from piri_qual.errors import PiriQualError, PiriQualWarning

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder

MAX_SUGGESTED = 20  # unknown theme ids given a "did you mean" rename


def theme_problems(study: StudyFolder, coders: Iterable[str] | None = None) -> list[str]:
    """One sentence per problem: unknown theme ids in use, rename conflicts, splits awaiting review."""
    try:
        book = study.codebook
    except PiriQualError:
        return []  # the codebook's own error is reported by whoever needs it
    names = [c for c in (coders if coders is not None else study.coders()) if study.log(c).path.exists()]
    history = study.history
    replay = history.final
    unknown: dict[str, Counter[str]] = {}
    pending: dict[str, Counter[str]] = {}
    for coder in names:
        for coding in study.fold(coder).codings.values():
            theme = coding.theme
            if theme in replay.split and book.get(theme) is None:
                pending.setdefault(theme, Counter())[coder] += 1
            elif book.lookup(theme) is None:
                unknown.setdefault(theme, Counter())[coder] += 1
    out = [c.message(replay.current) for c in replay.open_conflicts()]
    for theme, counts in sorted(pending.items()):
        targets = ", ".join(replay.split[theme])
        for coder, n in sorted(counts.items()):
            out.append(f"{n} coding{'s' if n != 1 else ''} of {coder} under {theme!r} (split into {targets}) "
                       f"await review: `piri-qual code --coder {coder} --split {theme}`")
    used = {c.theme for coder in names for c in study.fold(coder).codings.values()}
    spare = [t.id for t in book.themes if t.id not in used]
    for number, (theme, counts) in enumerate(sorted(unknown.items())):
        who = ", ".join(f"{coder} {n}" for coder, n in sorted(counts.items()))
        # a close match costs a comparison with every spare theme: suggest one for the first
        # few only, so thousands of unknown ids against thousands of themes stay cheap
        close = difflib.get_close_matches(theme, spare, n=1, cutoff=0.5) if number < MAX_SUGGESTED else []
        fix = (f"`piri-qual codebook rename {theme} {close[0]}` if it was renamed by hand, or "
               if close else f"`piri-qual codebook rename {theme} NEW` if it was renamed by hand, or ")
        out.append(
            f"{sum(counts.values())} codings ({who}) use theme {theme!r}, which is neither in "
            f"{book.path.name if book.path else 'the codebook'} nor renamed by its history: fix with "
            f"{fix}`piri-qual codebook add {theme} --label ...` to bring it back"
        )
    return out


def warn_theme_problems(study: StudyFolder, coders: Iterable[str] | None = None) -> list[str]:
    """Warn (one PiriQualWarning each) about :func:`theme_problems`; return them."""
    found = theme_problems(study, coders)
    for message in found:
        warnings.warn(message, PiriQualWarning, stacklevel=2)
    return found
