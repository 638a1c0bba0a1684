"""The assistance cache under ``.piri-cache/assist/``: features, models, statistics, suggestions.

Each file records the key it was computed for (a hash of everything its content depends on:
transcript text and turns, codebook, pipeline and vectors version, model version), so a stale
file is simply recomputed; deleting the folder loses nothing but time. The keyed array files and
their writer are shared with the sentence index and live in :mod:`piri_qual.core.cache`; this
module adds the assistant's folder and its small JSON files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from piri_qual.core.cache import write_cache_file


def assist_dir(cache_dir: Path, *parts: str) -> Path:
    return cache_dir.joinpath("assist", *parts)


def save_json(path: Path, data: Any) -> None:
    write_cache_file(path, (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))


def load_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
