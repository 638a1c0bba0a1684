"""Who may read what piri-qual writes: private to its owner unless the study says otherwise.

A study holds health data (transcripts in ``corpus/*.json``, quotes in exports; a .qdpx export
holds every transcript whole, before pseudonyms), so every file and folder the tool writes is
owner-only by default, exports outside the study included. The policy is a process umask, set
once when the command line starts (:func:`apply_permissions` in ``piri_qual.cli.main``) and again
when a study is opened with its own setting (``permissions:`` in ``piri-qual.yaml``):

* ``private`` (the default): files 0600, folders 0700;
* ``group``: files 0660, folders 0770, for a team sharing a drive through a Unix group;
* ``umask``: whatever the user's own umask says (a shared drive whose access is managed by ACLs).

A umask rather than a chmod after each write, because it also covers what libraries create on
our behalf (folders, lock files, caches) and the instant between creating and renaming a file.
"""

from __future__ import annotations

import os

from piri_qual.errors import PiriQualError

PERMISSIONS = ("private", "group", "umask")
DEFAULT_PERMISSIONS = "private"
_UMASKS = {"private": 0o077, "group": 0o007}

_user_umask: int | None = None  # the user's own umask, before we changed it
_ours: int | None = None  # the umask we last set


def apply_permissions(policy: str | None = DEFAULT_PERMISSIONS) -> int:
    """Set the process umask for ``policy``; return the umask now in force."""
    global _user_umask, _ours
    policy = policy or DEFAULT_PERMISSIONS
    if policy not in PERMISSIONS:
        raise PiriQualError(
            f"unknown permissions {policy!r}",
            hint=f"Use one of {', '.join(PERMISSIONS)} under `permissions:` in piri-qual.yaml.",
        )
    previous = os.umask(0o077)
    if _user_umask is None or previous != _ours:
        _user_umask = previous  # not one we set: the user's (or their program's) own
    mask = _user_umask if policy == "umask" else _UMASKS[policy]
    os.umask(mask)
    _ours = mask
    return mask


def current_umask() -> int:
    """The process umask (read by setting and restoring it: POSIX has no other way)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets under the umask in force (0600 when private)."""
    return 0o666 & ~current_umask()
