"""One BLAS thread per process while the engine works.

Why: the engine's matrix products are small (one transcript's sentences against a few dozen
themes, one batch of token vectors), far too small for OpenBLAS's threads to help, and its idle
threads spin waiting for work rather than sleep. Measured on the generated 100-interview study
(808,000 words): ``suggest --jobs 1`` used 16.7 s of CPU for 9.2 s of wall time, 9.1 s with one
thread; with two worker processes each one's spinning threads took the other's core, 11.2 s of
wall time against 5.6 s with one thread each. ``threadpoolctl`` (BSD, already installed with
scikit-learn) sets the limit at run time, after numpy has loaded, and restores it on the way out,
so a notebook that calls the engine keeps its own setting afterwards.
"""

from __future__ import annotations

from typing import Any

from threadpoolctl import threadpool_limits


def one_blas_thread() -> Any:
    """Limit BLAS to one thread now; usable as a context manager that restores the old limit."""
    return threadpool_limits(limits=1, user_api="blas")
