"""``Record``: equality, hash and repr from ``__slots__``, for the small value classes of the light commands.

``validate`` and ``explain`` must start fast (#16); ``dataclasses`` imports ``inspect`` (~10 ms) and ``typing``
(for ``NamedTuple``) costs ~3 ms, so the records those commands create subclass this instead: each writes its own
``__init__`` (fields marked ``Final``, so mypy refuses any assignment after it) and lists its fields in
``__slots__``, in the order equality, hash and repr use them.
"""

from __future__ import annotations


class Record:
    __slots__: tuple[str, ...] = ()

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if type(other) is type(self) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"
