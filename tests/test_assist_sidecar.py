"""The side process ``evaluate`` replays its baselines in: calls run in the order posted, in a
process of their own on Linux, and a failure comes back to the caller."""

from __future__ import annotations

import os
import sys

import pytest

from piri_qual.assist.sidecar import SidecarError, sidecar


class Tally:
    """Appends what it is posted; reports it, and which process it lives in."""

    def __init__(self) -> None:
        self.items: list[int] = []

    def add(self, value: int) -> None:
        if value < 0:
            raise ValueError(f"negative value {value}")
        self.items.append(value)

    def seen(self) -> tuple[list[int], int]:
        return self.items, os.getpid()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks only on Linux")
def test_posted_calls_run_in_order_in_a_process_of_their_own() -> None:
    tally = Tally()
    with sidecar(tally) as side:
        assert side.forked
        for value in range(50):
            side.post("add", value)
        items, pid = side.ask("seen")
    assert items == list(range(50))
    assert pid != os.getpid()
    assert tally.items == []  # the caller's copy was never touched


def test_without_fork_the_calls_run_here_in_the_same_order() -> None:
    tally = Tally()
    with sidecar(tally, fork=False) as side:
        assert not side.forked
        for value in (3, 1, 2):
            side.post("add", value)
        items, pid = side.ask("seen")
    assert (items, pid) == ([3, 1, 2], os.getpid())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks only on Linux")
def test_a_failed_post_is_raised_when_the_caller_asks_and_stops_later_calls() -> None:
    with sidecar(Tally()) as side:
        side.post("add", 1)
        side.post("add", -5)
        side.post("add", 2)  # skipped: the side process stopped at the failure
        with pytest.raises(SidecarError, match="negative value -5"):
            side.ask("seen")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks only on Linux")
def test_the_side_process_ends_as_soon_as_the_caller_is_done() -> None:
    import time

    started = time.perf_counter()
    for _ in range(3):
        with sidecar(Tally()) as side:
            side.post("add", 1)
            assert side.ask("seen")[0] == [1]
    # each ends when it reads the end of its input, not by the caller's timeout and a kill
    assert time.perf_counter() - started < 5


class Niceness:
    def value(self) -> int:
        return os.nice(0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks only on Linux")
def test_the_side_process_yields_the_cores_to_the_caller_when_asked() -> None:
    with sidecar(Niceness(), nice=5) as side:
        theirs = side.ask("value")
    assert theirs == min(os.nice(0) + 5, 19)
