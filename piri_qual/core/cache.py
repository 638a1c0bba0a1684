"""Derived files under ``.piri-cache/``: regenerable, keyed by content, written without fsync.

Why here: the sentence index (:mod:`piri_qual.core.sentences`) and the assistant's features and
models (:mod:`piri_qual.assist.cache`) are caches of the same kind, and ``core`` is the layer both
may import. Each file records the key it was computed for (a hash of everything its content
depends on), so a stale file is simply recomputed and deleting the folder loses nothing but time.
User files never come here: they go through :mod:`piri_qual.core.atomic`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def content_key(*parts: Any) -> str:
    """A stable hash of JSON-serialisable parts."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def write_cache_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically (temp file + rename), without fsync.

    Cache files are regenerable and carry their own key, so a crash can cost at most a
    recomputation; skipping fsync saves a disk flush per transcript.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def save_arrays(path: Path, key: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write arrays plus a JSON header (with the key) as one .npz, atomically."""
    import numpy as np  # here, not at the top: commands that only write stamps never load numpy

    buffer = io.BytesIO()
    header = np.frombuffer(json.dumps({"key": key, **meta}, ensure_ascii=False).encode("utf-8"), np.uint8)
    # mypy checks **arrays against savez's keyword-only allow_pickle: bool as well (see
    # python/mypy#17642); no array is ever named allow_pickle
    np.savez(buffer, __header__=header, **arrays)  # type: ignore[arg-type]
    write_cache_file(path, buffer.getvalue())


def load_arrays(path: Path, key: str | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The arrays and header of ``path`` if it exists, is readable and has ``key``; else None."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["__header__"]).decode("utf-8"))
            if key is not None and meta.get("key") != key:
                return None
            arrays = {name: data[name] for name in data.files if name != "__header__"}
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None
    return arrays, meta


def stored_key(path: Path) -> str | None:
    """The key recorded in the header of ``path``, reading nothing else of it (a .npz is a zip:
    its other arrays stay on disk); None when it is missing or unreadable. What a pass over a
    whole study asks first, so a file still valid is never loaded just to be found valid."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            key = json.loads(bytes(data["__header__"]).decode("utf-8")).get("key")
    except (OSError, ValueError, KeyError, json.JSONDecodeError, AttributeError):
        return None
    return key if isinstance(key, str) else None
