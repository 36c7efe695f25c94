"""``memo`` and ``cached``: ``functools.lru_cache`` and ``functools.cached_property`` without importing ``functools``.

``functools`` imports ``collections``, ``operator``, ``reprlib`` and ``types``: about 2 ms of the pre-commit hook's
``validate`` and of ``explain`` (#16), spent only on these two decorators. mypy reads them as the ``functools``
originals (same call shapes, ``cache_clear`` included); ``tests/test_memo.py`` holds the runtime ones to the same
behaviour. ``memo`` forgets everything when it is full rather than its least recently used entry: every memoised
function here is pure, so only the cost of a recomputation is at stake.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate and explain start without importing typing (#16)
if TYPE_CHECKING:
    from functools import cached_property as cached
    from functools import lru_cache as memo
else:

    def memo(maxsize: int = 128):
        """``@memo(maxsize=N)``: the function's results by its arguments, at most ``maxsize`` of them."""

        def decorate(function):
            results = {}

            def remembered(*args, **kwargs):
                key = (args, tuple(kwargs.items())) if kwargs else args
                try:
                    return results[key]
                except KeyError:
                    pass
                value = function(*args, **kwargs)
                if len(results) >= maxsize:
                    results.clear()
                results[key] = value
                return value

            remembered.cache_clear = results.clear
            remembered.__wrapped__ = function
            remembered.__name__ = function.__name__
            remembered.__qualname__ = function.__qualname__
            remembered.__doc__ = function.__doc__
            remembered.__module__ = function.__module__
            return remembered

        return decorate

    class cached:
        """``@cached`` on a method: computed at the first read, then an ordinary attribute of the instance."""

        def __init__(self, function):
            self.function = function
            self.name = function.__name__
            self.__doc__ = function.__doc__

        def __set_name__(self, owner, name):
            self.name = name

        def __get__(self, instance, owner=None):
            if instance is None:
                return self
            value = self.function(instance)
            instance.__dict__[self.name] = value
            return value


__all__ = ["cached", "memo"]
