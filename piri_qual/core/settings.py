"""The study folder: finding it, creating it, and reading ``piri-qual.yaml``.

A study is found the way git finds a repository: from the current folder upwards until a folder
holds ``piri-qual.yaml``. ``init`` creates a new study readable by its owner only, because
transcripts are sensitive health data (``permissions: group`` or ``umask`` relaxes that for a
shared drive; :mod:`piri_qual.core.permissions`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piri_qual.core.atomic import atomic_write_text
from piri_qual.core.locking import STUDY_LOCK
from piri_qual.core.permissions import (
    DEFAULT_PERMISSIONS,
    PERMISSIONS,
    apply_permissions,
    current_umask,
)
from piri_qual.core.yamlfile import LineDict, dump_yaml, load_yaml
from piri_qual.errors import PiriQualError

SETTINGS_FILE = "piri-qual.yaml"
CACHE_DIR = ".piri-cache"
STUDY_FOLDERS = ("frameworks", "codebooks", "transcripts", "corpus", "codings", "memos", "exports")

DEFAULT_ATTRIBUTION = "{participant}, {group}"


DEFAULT_SUGGESTION_PRECISION = 0.6  # suggestions are thresholded per theme to be right this often


@dataclass
class Settings:
    """What ``piri-qual.yaml`` says, with defaults for everything optional."""

    title: str = "Untitled study"
    framework: str | None = None
    codebook: str | None = None
    coders: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    pipeline: str | None = None
    attribution: str = DEFAULT_ATTRIBUTION
    candidates_include_interviewer: bool = False
    suggestion_precision: float = DEFAULT_SUGGESTION_PRECISION
    keys: dict[str, str] = field(default_factory=dict)
    pseudonyms: dict[str, str] = field(default_factory=dict)
    permissions: str = DEFAULT_PERMISSIONS
    extra: dict[str, Any] = field(default_factory=dict)

    KNOWN = (
        "title", "framework", "codebook", "coders", "roles", "pipeline", "attribution",
        "candidates_include_interviewer", "suggestion_precision", "keys", "pseudonyms", "permissions",
    )

    @classmethod
    def load(cls, path: Path) -> Settings:
        data = load_yaml(path)
        if data is None:
            data = LineDict()
        if not isinstance(data, dict):
            raise PiriQualError("study settings must be a mapping of names to values", path=path)
        problems: list[str] = []

        def want(key: str, kind: type | tuple[type, ...], label: str) -> Any:
            value = data.get(key)
            if value is not None and not isinstance(value, kind):
                line = data.line_of(key) if isinstance(data, LineDict) else None
                problems.append(f"{path}:{line}: {key!r} must be {label}")
                return None
            return value

        settings = cls(
            title=str(data.get("title") or cls.title),
            framework=want("framework", str, "a path"),
            codebook=want("codebook", str, "a path"),
            coders=[str(c) for c in (want("coders", list, "a list of coder names") or [])],
            roles={str(k).casefold(): str(v) for k, v in (want("roles", dict, "a mapping of speaker label to role") or {}).items()},
            pipeline=want("pipeline", str, "a spaCy pipeline name"),
            attribution=str(want("attribution", str, "a text template") or DEFAULT_ATTRIBUTION),
            candidates_include_interviewer=bool(data.get("candidates_include_interviewer", False)),
            suggestion_precision=_precision(data, path, problems),
            keys={str(k): str(v) for k, v in (want("keys", dict, "a mapping of action to key") or {}).items()},
            pseudonyms=_pseudonyms(data.get("pseudonyms"), path, problems),
            permissions=str(want("permissions", str, f"one of {', '.join(PERMISSIONS)}") or DEFAULT_PERMISSIONS),
            extra={k: v for k, v in data.items() if k not in cls.KNOWN},
        )
        for label, role in settings.roles.items():
            if role not in ("interviewer", "participant", "other"):
                line = data.line_of("roles") if isinstance(data, LineDict) else None
                problems.append(
                    f"{path}:{line}: role {role!r} for speaker {label!r} must be interviewer, participant or other"
                )
        if settings.permissions not in PERMISSIONS:
            line = data.line_of("permissions") if isinstance(data, LineDict) else None
            problems.append(f"{path}:{line}: permissions {settings.permissions!r} must be one of "
                            f"{', '.join(PERMISSIONS)}")
        if problems:
            raise PiriQualError("problems in study settings:\n  " + "\n  ".join(problems))
        return settings


def _precision(data: Any, path: Path, problems: list[str]) -> float:
    """``suggestion_precision``: the share of suggestions that should be right (0 < p < 1)."""
    value = data.get("suggestion_precision")
    if value is None:
        return DEFAULT_SUGGESTION_PRECISION
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        line = data.line_of("suggestion_precision") if isinstance(data, LineDict) else None
        problems.append(f"{path}:{line}: 'suggestion_precision' must be a number between 0 and 1, such as 0.6")
        return DEFAULT_SUGGESTION_PRECISION
    return float(value)


def _pseudonyms(value: Any, settings_path: Path, problems: list[str]) -> dict[str, str]:
    """The pseudonym map: inline in piri-qual.yaml, or a YAML file it names (for long maps)."""
    if value is None:
        return {}
    if isinstance(value, str):
        path = settings_path.parent / value
        loaded = load_yaml(path)
        if not isinstance(loaded, dict):
            problems.append(f"{path}: the pseudonym map must be a mapping of name to pseudonym")
            return {}
        value = loaded
    if not isinstance(value, dict):
        problems.append(f"{settings_path}: 'pseudonyms' must be a mapping or the name of a YAML file")
        return {}
    return {str(k): str(v) for k, v in value.items()}


def find_study_root(start: Path | None = None) -> Path:
    """Walk up from ``start`` to the folder holding ``piri-qual.yaml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise PiriQualError(
        f"no study here: neither {here} nor any folder above it holds {SETTINGS_FILE}",
        hint="Run `piri-qual init DIR` to create one, or pass --study DIR.",
    )


STARTER_SETTINGS = """\
# piri-qual study settings. Paths are relative to this folder.
title: {title}
framework: frameworks/{framework}.yaml
codebook: codebooks/{codebook}.yaml
# Coders whose logs live in codings/<name>.jsonl
coders: []
# How speaker labels map to roles (interviewer | participant | other); common labels
# such as Interviewer, INT, Q, P07, R are recognised without this.
roles: {{}}
# How quotes are attributed in exports: fields are participant, group, role and any
# column of participants.csv.
attribution: "{{participant}}, {{group}}"
# Names replaced in every exported quote (person, place, organisation -> pseudonym).
pseudonyms: {{}}
# An installed spaCy pipeline to use instead of the built-in one, e.g. en_core_web_sm.
pipeline: null
# The share of suggestions meant to be right: once the model has learned from your decisions,
# each theme's cut-off aims at it where your decisions show it can be reached.
suggestion_precision: 0.6
# Who may read the files piri-qual writes (transcripts are health data): private (you alone),
# group (your Unix group too, for a shared drive) or umask (as your umask says).
permissions: {permissions}
"""

STARTER_FRAMEWORK = """\
id: {framework}
label: Analytical framework
description: Replace with your framework's domains and constructs.
domains:
  - id: general
    label: General
    description: A starting domain; rename or replace it.
    constructs:
      - id: experiences
        label: Experiences
        description: What participants describe of their experience.
"""

STARTER_CODEBOOK = """\
id: {codebook}
label: Codebook
framework: {framework}
themes: []
"""


def init_study(folder: Path, title: str | None = None, *, framework: bool = True,
               permissions: str = DEFAULT_PERMISSIONS) -> Path:
    """Create a study folder with settings, folders, git attributes and a starter codebook.

    Without ``framework`` the study has none (inductive analysis: codes first, themes later,
    and a framework only if one is wanted) and its codebook starts empty. ``permissions`` is the
    study's policy for the files written in it (private unless a shared drive needs otherwise).
    """
    apply_permissions(permissions)
    folder = folder.resolve()
    if (folder / SETTINGS_FILE).exists():
        raise PiriQualError(
            f"a study already exists here ({SETTINGS_FILE} is present)",
            path=folder,
            hint="Use it as it is, or choose another folder.",
        )
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o777 & ~current_umask())
    for name in STUDY_FOLDERS:
        (folder / name).mkdir(exist_ok=True)
    name = "main"
    settings = STARTER_SETTINGS.format(title=dump_yaml(title or folder.name).strip().removesuffix("...").strip(),
                                       framework=name, codebook=name, permissions=permissions)
    if not framework:
        settings = settings.replace(f"framework: frameworks/{name}.yaml", "framework: null  # none: inductive coding")
    atomic_write_text(folder / SETTINGS_FILE, settings)
    if framework and not (folder / "frameworks" / f"{name}.yaml").exists():
        atomic_write_text(folder / "frameworks" / f"{name}.yaml", STARTER_FRAMEWORK.format(framework=name))
    if not (folder / "codebooks" / f"{name}.yaml").exists():
        atomic_write_text(
            folder / "codebooks" / f"{name}.yaml",
            STARTER_CODEBOOK.format(codebook=name, framework=name) if framework
            else STARTER_CODEBOOK.format(codebook=name, framework=name).replace(f"framework: {name}\n", ""),
        )
    if not (folder / "participants.csv").exists():
        atomic_write_text(folder / "participants.csv", "id,group\n")
    atomic_write_text(folder / ".gitignore",
                      f"{CACHE_DIR}/\nexports/\ncodings/.*.lock\ncodebooks/.*.lock\n{STUDY_LOCK}*\n"
                      # the corpus index vouches for files by inode: a clone's must be rebuilt anyway
                      "corpus/.import-index\ncorpus/.*.staged\ntranscripts/.*.staged\n")
    # the coder logs and the codebook history are append-only: git's union driver merges them
    atomic_write_text(folder / ".gitattributes", "codings/*.jsonl merge=union\ncodebooks/*.history.jsonl merge=union\n")
    return folder
