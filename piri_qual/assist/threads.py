"""One BLAS thread per process while the engine works.

Why: the engine's matrix products are small (one transcript's sentences against a few dozen
themes, one batch of token vectors), far too small for OpenBLAS's threads to help, and its idle
threads spin waiting for work rather than sleep. Measured on the generated 100-interview study
(808,000 words): ``suggest --jobs 1`` used 16.7 s of CPU for 9.2 s of wall time, 9.1 s with one
thread; with two worker processes each one's spinning threads took the other's core, 11.2 s of
wall time against 5.6 s with one thread each. ``threadpoolctl`` (BSD, already installed with
scikit-learn) sets the limit at run time, after numpy has loaded, and restores it on the way out,
so a notebook that calls the engine keeps its own setting afterwards.

A limit covers only the libraries loaded when it is set, and scikit-learn brings its own
OpenBLAS (scipy's, beside numpy's) when it is first imported, which the engine does late, at its
first retrain: so code that fits scikit-learn models sets the limit again once it has imported
them (:func:`fitting_blas`). Without it liblinear's primal solver ran its vector products on
two spinning threads: the last retrain of ``evaluate`` on the generated 100-interview study took 57 s instead of 9 s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")


def one_blas_thread() -> Any:
    """Limit BLAS to one thread now; usable as a context manager that restores the old limit."""
    return threadpool_limits(limits=1, user_api="blas")


def fitting_blas() -> Any:
    """:func:`one_blas_thread` for scikit-learn's solvers: imports them first, so the limit covers
    the BLAS they load with them. A context manager, like :func:`one_blas_thread`."""
    import sklearn.linear_model  # noqa: F401  (loads scipy's OpenBLAS, which liblinear calls)

    return one_blas_thread()


_AT_MOST: ContextVar[int | None] = ContextVar("piri_fit_threads_at_most", default=None)


def fit_threads() -> int:
    """How many per-theme fits run at once: the cores this process may use, or fewer within
    :func:`fit_threads_at_most`."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        cores = max(1, os.cpu_count() or 1)
    cap = _AT_MOST.get()
    return min(cores, cap) if cap else cores


@contextmanager
def fit_threads_at_most(jobs: int | None) -> Iterator[None]:
    """Within the block, the fits of :func:`each_theme` use at most ``jobs`` threads (None: no
    cap): ``suggest --jobs 1`` and ``evaluate(..., jobs=1)`` mean one core, their retrains
    included."""
    token = _AT_MOST.set(jobs)
    try:
        yield
    finally:
        _AT_MOST.reset(token)


def each_theme(fit: Callable[[int], T], n_themes: int, threads: int | None = None) -> list[T]:
    """``[fit(0), ..., fit(n_themes - 1)]``, the fits run on ``threads`` threads (default
    :func:`fit_threads`), each under one BLAS thread.

    Why threads: a retrain is one logistic regression per theme, and liblinear's primal solver
    spends nearly all of a fit with the GIL released (65 ms of a 68 ms fit on 20,000 sentences),
    so on two cores the themes' fits take half the time, in the coding screen's retrain as in
    ``evaluate``. The results do not depend on the threads: the primal solver (a trust-region
    Newton method) draws no random numbers, unlike liblinear's dual solvers, whose draws come
    from one generator per process (see :mod:`piri_qual.assist.sidecar`); a test compares one
    thread with several, bit for bit.

    A matrix the fits share must be in canonical form first (``x.sum_duplicates()``):
    scikit-learn's ``fit`` puts a CSR matrix with unsorted indices in order in place, and two
    threads doing so at once corrupt it.
    """
    workers = max(1, min(threads or fit_threads(), n_themes))
    with fitting_blas():
        if workers == 1:
            return [fit(theme) for theme in range(n_themes)]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="piri-fit") as pool:
            return list(pool.map(fit, range(n_themes)))
