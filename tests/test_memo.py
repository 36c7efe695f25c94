"""``generator.memo``: the runtime stand-ins for ``functools.lru_cache`` and ``functools.cached_property`` (#16)
behave as the originals do where the schedule engine relies on them."""

from __future__ import annotations

import functools

from hypothesis import given
from hypothesis import strategies as st

from generator.memo import cached, memo


def test_memo_returns_what_the_function_returns_and_calls_it_once_per_arguments() -> None:
    calls: list[tuple[object, ...]] = []

    @memo(maxsize=8)
    def add(a: int, b: int = 0) -> int:
        calls.append((a, b))
        return a + b

    assert [add(1, 2), add(1, 2), add(3), add(3), add(1, b=2), add(1, b=2)] == [3, 3, 3, 3, 3, 3]
    assert calls == [(1, 2), (3, 0), (1, 2)]  # keyword calls are their own key, as with lru_cache
    add.cache_clear()
    assert add(1, 2) == 3 and calls[-1] == (1, 2) and len(calls) == 4
    assert add.__name__ == "add" and add.__wrapped__(5, 5) == 10


@given(st.lists(st.integers(0, 40), max_size=300), st.integers(1, 16))
def test_memo_equals_lru_cache_in_results_and_stays_within_its_size(args: list[int], size: int) -> None:
    mine_calls: list[int] = []

    @memo(maxsize=size)
    def mine(x: int) -> tuple[int, int]:
        mine_calls.append(x)
        return (x, x * x)

    theirs = functools.lru_cache(maxsize=size)(lambda x: (x, x * x))
    for x in args:
        assert mine(x) == theirs(x)
    assert len(set(mine_calls)) == len(set(args))  # every distinct argument computed, none wrongly shared
    assert len(mine_calls) - len(set(args)) <= len(args)  # recomputations only after a forgetting


def test_memo_forgets_when_full() -> None:
    calls: list[int] = []

    @memo(maxsize=2)
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    for x in (1, 2, 3, 1):
        square(x)
    assert calls == [1, 2, 3, 1]  # the third distinct argument found the memo full: it was emptied


def test_cached_computes_once_and_becomes_the_instance_attribute() -> None:
    class Thing:
        def __init__(self) -> None:
            self.computed = 0

        @cached
        def value(self) -> int:
            """The docstring."""
            self.computed += 1
            return 42

    a, b = Thing(), Thing()
    assert (a.value, a.value, b.value) == (42, 42, 42)
    assert (a.computed, b.computed) == (1, 1)
    assert a.__dict__["value"] == 42
    descriptor = Thing.__dict__["value"]
    assert Thing.value is descriptor and descriptor.__doc__ == "The docstring."  # type: ignore[comparison-overlap]
