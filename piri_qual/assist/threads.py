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
them (:func:`fitting_blas`). Without it liblinear's primal solver (the n-gram models once the
labelled sentences outnumber the n-grams) ran its vector products on two spinning threads: the
last retrain of ``evaluate`` on the generated 100-interview study took 57 s instead of 9 s.
"""

from __future__ import annotations

from typing import Any

from threadpoolctl import threadpool_limits


def one_blas_thread() -> Any:
    """Limit BLAS to one thread now; usable as a context manager that restores the old limit."""
    return threadpool_limits(limits=1, user_api="blas")


def fitting_blas() -> Any:
    """:func:`one_blas_thread` for scikit-learn's solvers: imports them first, so the limit covers
    the BLAS they load with them. A context manager, like :func:`one_blas_thread`."""
    import sklearn.linear_model  # noqa: F401  (loads scipy's OpenBLAS, which liblinear calls)

    return one_blas_thread()
