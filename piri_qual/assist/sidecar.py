"""Calls on one object, run in order in a forked process of their own, beside the caller.

Why: ``piri-qual evaluate`` replays a TF-IDF + logistic-regression coder beside the engine
(:mod:`piri_qual.assist.baselines`), and that coder's refits were a third of the replay's time,
spent while the other core idled. Its work never feeds back into the engine's replay (the engine
decides what is confirmed and rejected; the baseline is only scored), so it can run in a process
of its own: the caller posts each call (:meth:`Sidecar.post`) and goes on, the process runs them
in the order posted, and the caller collects a result once, at the end (:meth:`Sidecar.ask`).

Why a process and not threads: the baseline's replay is mostly Python (vectorising sentences,
turning chosen cells into suggestions, scoring), which holds the GIL; in a process of its own it
runs beside the engine's replay instead of taking turns with it. (Its fits, and the engine's,
then run on threads within each process: :func:`piri_qual.assist.threads.each_theme`.) The side
process can run at a lower priority (``nice``), so that work with slack never delays the
caller's.

The process is forked, so it starts with the object and everything it refers to (a whole study's
features) without copying or pickling them; only the posted arguments and the final result cross
the pipe, so arguments should name what the process already holds rather than carry it. Where
``fork`` is not available (Windows, macOS by default) the calls run in the caller's process, in the
same order, with the same results.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from typing import Any

from piri_qual.assist.threads import one_blas_thread


def follow_parent() -> None:
    """For a worker process: leave Ctrl-C to the parent, one BLAS thread, and exit when the parent
    is gone (a parent killed outright, by SIGKILL or a crash, cannot stop its workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    one_blas_thread()  # for the life of the worker (docstring of assist/threads.py)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    wait([sentinel])
    os._exit(1)


class SidecarError(RuntimeError):
    """A posted call failed in the side process; the message carries its traceback."""


class Sidecar:
    """``target``'s methods, called in the order posted; in a forked process when there is one."""

    def __init__(self, target: Any, process: multiprocessing.process.BaseProcess | None = None,
                 conn: Connection | None = None) -> None:
        self._target = target
        self._process = process
        self._conn = conn

    @property
    def forked(self) -> bool:
        return self._process is not None

    def post(self, method: str, *args: Any) -> None:
        """Run ``target.method(*args)`` after every call posted before it; do not wait for it."""
        if self._conn is None:
            getattr(self._target, method)(*args)
        else:
            self._conn.send((method, args, False))

    def ask(self, method: str, *args: Any) -> Any:
        """Run ``target.method(*args)`` after every call posted before it and return its result;
        a posted call that failed raises :class:`SidecarError` here."""
        if self._conn is None:
            return getattr(self._target, method)(*args)
        self._conn.send((method, args, True))
        ok, value = self._conn.recv()
        if not ok:
            raise SidecarError(value)
        return value


def _serve(target: Any, conn: Connection, callers: Connection, nice: int) -> None:
    """The side process: run each call as it arrives; after a failure, report it when asked."""
    callers.close()  # its copy of the caller's end: the pipe then ends when the caller closes theirs
    follow_parent()
    if nice:
        os.nice(nice)
    failed: str | None = None
    while True:
        try:
            method, args, reply = conn.recv()
        except EOFError:  # the caller closed its end: nothing more will come
            return
        value: Any = None
        if failed is None:
            try:
                value = getattr(target, method)(*args)
            except Exception:  # sent back to the caller, who raises it
                failed = traceback.format_exc()
        if reply:
            conn.send((False, failed) if failed is not None else (True, value))


@contextmanager
def sidecar(target: Any, fork: bool = True, nice: int = 0) -> Iterator[Sidecar]:
    """A :class:`Sidecar` for ``target``: forked on Linux when ``fork``, else the caller's own
    process. The process is stopped on the way out, whatever happened.

    ``nice`` lowers the side process's priority by that much (``os.nice``), for work that has
    slack: the caller's own work then has a core whenever it can use one, and the side process
    takes what the caller leaves idle."""
    if not fork or not sys.platform.startswith("linux"):
        yield Sidecar(target)
        return
    context = multiprocessing.get_context("fork")
    mine, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(target, theirs, mine, nice), daemon=True)
    process.start()
    theirs.close()
    try:
        yield Sidecar(target, process, mine)
    finally:
        mine.close()  # the process sees the end of its input and returns
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join()
