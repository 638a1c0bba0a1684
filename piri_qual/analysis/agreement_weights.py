"""Agreement weights for ordered categories: how far two different labels still count as agreeing.

Why this module exists: on a rating scale (a 1-5 severity, "none / some / a lot") two coders
who answer 3 and 4 disagree less than two who answer 1 and 5. Weighted coefficients (Cohen
1968; Gwet 2014, Handbook of Inter-Rater Reliability, 4th ed., chapter 3) give each pair of
categories k, l an *agreement weight* w_kl between 0 (complete disagreement) and 1 (w_kk = 1),
and count a pair of ratings as that fraction of an agreement. Every weighted coefficient in
:mod:`piri_qual.analysis.agreement` takes its q x q matrix from :func:`weight_matrix`.

The named weights follow Gwet (2014, section 3.2), on the category values x_1 < ... < x_q when
the categories are numbers and on their positions 1..q when they are text in a given order:

* ``identity`` -- 1 on the diagonal, 0 elsewhere (the unweighted coefficients);
* ``linear`` -- 1 - |x_k - x_l| / (x_max - x_min);
* ``quadratic`` -- 1 - (x_k - x_l)^2 / (x_max - x_min)^2;
* ``ordinal`` -- on positions: with M = |k - l| + 1, 1 - M (M - 1) / 2 divided by its largest value;
* ``radical`` -- 1 - sqrt|x_k - x_l| / sqrt(x_max - x_min);
* ``ratio`` -- 1 - ((x_k - x_l) / (x_k + x_l))^2 / ((x_max - x_min) / (x_max + x_min))^2
  (non-negative values only).

A custom matrix is accepted too: q x q, symmetric, every weight in [0, 1] and 1 on the
diagonal, rows and columns in the order of the categories. Cohen's (1968) *disagreement*
weights v_kl (0 on the diagonal) convert as w_kl = 1 - v_kl / max(v).

Value-based and position-based weights differ when numeric categories are unevenly spaced or a
category of the scale was never used: pass every category of the scale (``categories=``) so the
weights do not depend on which ones happened to occur. R's ``irr::kappa2`` always uses the
positions of the levels observed; give text labels in order to reproduce it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from piri_qual.errors import PiriQualError

__all__ = ["WEIGHTS", "weight_matrix", "weights_name"]

#: The named weights, in the order the CLI offers them.
WEIGHTS: tuple[str, ...] = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio")


def weights_name(weights: Any) -> str:
    """How a result names its weights: the name given, ``identity`` for none, else ``custom``."""
    if weights is None:
        return "identity"
    if isinstance(weights, str):
        return weights
    return "custom"


def _coordinates(categories: np.ndarray, numeric: bool) -> np.ndarray:
    if numeric:
        return categories.astype(np.float64)
    return np.arange(1, categories.size + 1, dtype=np.float64)


def weight_matrix(weights: Any, categories: np.ndarray, numeric: bool) -> np.ndarray | None:
    """The q x q agreement weights for ``categories`` (ordered), or None for identity weights.

    ``weights`` is None, one of :data:`WEIGHTS`, or a q x q matrix. ``categories`` are the
    category values in scale order (numbers ascending, or text in the order the caller gave)
    and ``numeric`` says which. Returning None for identity lets callers keep their faster
    unweighted path (label equality) and never build a q x q table for many nominal labels.
    """
    if weights is None or (isinstance(weights, str) and weights == "identity"):
        return None
    q = int(categories.size)
    if isinstance(weights, str):
        if weights not in WEIGHTS:
            raise PiriQualError(
                f"unknown weights {weights!r}",
                hint=f"Choose one of: {', '.join(WEIGHTS)}, or pass a q x q matrix.",
            )
        if q < 2:
            return np.ones((q, q))
        x = np.arange(1, q + 1, dtype=np.float64) if weights == "ordinal" else _coordinates(categories, numeric)
        diff = np.abs(x[:, None] - x[None, :])
        span = float(x.max() - x.min())
        if weights == "linear":
            return 1.0 - diff / span
        if weights == "quadratic":
            return 1.0 - (diff / span) ** 2
        if weights == "radical":
            return 1.0 - np.sqrt(diff) / np.sqrt(span)
        if weights == "ordinal":
            size = diff + 1.0
            steps = size * (size - 1.0) / 2.0
            return 1.0 - steps / steps.max()
        # ratio
        if bool((x < 0).any()):
            raise PiriQualError(
                "ratio weights need non-negative category values",
                hint="Use linear or quadratic weights for scales with negative values.",
            )
        total = x[:, None] + x[None, :]
        safe = np.where(total > 0, total, 1.0)
        relative = np.where(total > 0, diff / safe, 0.0)
        top, bottom = float(x.max()), float(x.min())
        return 1.0 - relative**2 / ((top - bottom) / (top + bottom)) ** 2
    return _custom(weights, q)


def _custom(weights: Any, q: int) -> np.ndarray:
    try:
        matrix = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PiriQualError(
            "custom weights must be a square matrix of numbers",
            hint="Give one row and one column per category, e.g. [[1, .5, 0], [.5, 1, .5], [0, .5, 1]].",
        ) from exc
    if matrix.shape != (q, q):
        raise PiriQualError(
            f"custom weights are {'x'.join(map(str, matrix.shape)) or 'a single number'} but there "
            f"are {q} categories, so they must be {q}x{q}",
            hint="Give one row and one column per category, in the order of the categories "
            "(pass categories=[...] to fix that order and include unused categories).",
        )
    if not bool(np.isfinite(matrix).all()) or bool((matrix < 0).any()) or bool((matrix > 1).any()):
        raise PiriQualError(
            "custom agreement weights must lie between 0 (no agreement) and 1 (full agreement)",
            hint="Convert disagreement weights v as w = 1 - v / max(v).",
        )
    if not bool(np.all(np.diag(matrix) == 1.0)):
        raise PiriQualError(
            "custom agreement weights need 1 on the diagonal (a category agrees fully with itself)",
            hint="Convert disagreement weights v as w = 1 - v / max(v).",
        )
    if not bool(np.allclose(matrix, matrix.T)):
        raise PiriQualError(
            "custom agreement weights must be symmetric (w[k][l] == w[l][k])",
            hint="The coders are interchangeable, so a 3-vs-4 pair agrees as much as a 4-vs-3 pair.",
        )
    return matrix
