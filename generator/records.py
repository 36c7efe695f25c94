"""``Record``: small immutable value classes for the records the light commands create (start-up, #16).

``validate`` and ``explain`` must start fast: ``dataclasses`` imports ``inspect`` (~10 ms) and ``typing.NamedTuple``
needs ``typing`` (~3 ms) plus building each class. A record lists its fields in ``_fields`` (that order is used
for equality, hash, ordering, repr and pickling, like a dataclass's field order) and sets ``__slots__ = _fields``,
declares their types in the class body for mypy, and writes an ordinary ``__init__`` taking every field in that
order and ending in ``self._set(<every field, in order>)``. Assigning a field afterwards raises ``AttributeError``,
as with a frozen dataclass.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the light commands start without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable
    from operator import attrgetter
    from typing import Any, Self
else:
    try:  # the C module: ``operator`` is a Python module more at every start (#16); attrgetter is the same type
        from _operator import attrgetter
    except ImportError:  # pragma: no cover - a Python without it
        from operator import attrgetter


class Record:
    _fields: tuple[str, ...] = ()
    __slots__ = _fields
    if TYPE_CHECKING:  # not a runtime annotation: typing.get_type_hints() of a record must not evaluate it
        _values: attrgetter[tuple[object, ...]]  # every field's value, in order (per class; hashing is hot in analysis)

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if len(cls._fields) == 1:  # attrgetter of one name returns the value itself, not a tuple
            raise TypeError(f"{cls.__name__}: a Record has no field or two or more")
        if cls._fields:
            cls._values = attrgetter(*cls._fields)

    def _set(self, *values: object) -> None:
        for name, value in zip(self._fields, values, strict=True):
            object.__setattr__(self, name, value)

    def _key(self) -> tuple[object, ...]:
        return self._values(self)

    def __reduce__(self) -> tuple[type[Self], tuple[object, ...]]:
        """Pickled (worker processes) and copied as a call of the class with every field, in order."""
        return type(self), self._values(self)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (``dataclasses.replace``)."""
        values = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        return type(self)(**values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a {type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if type(other) is type(self) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"


class OrderedRecord(Record):
    """A record ordered field by field (``@dataclass(order=True)``)."""

    __slots__ = ()

    def __lt__(self, other: Self) -> bool:
        return self._key() < other._key() if type(other) is type(self) else NotImplemented

    def __le__(self, other: Self) -> bool:
        return self._key() <= other._key() if type(other) is type(self) else NotImplemented

    def __gt__(self, other: Self) -> bool:
        return self._key() > other._key() if type(other) is type(self) else NotImplemented

    def __ge__(self, other: Self) -> bool:
        return self._key() >= other._key() if type(other) is type(self) else NotImplemented


class Bound:
    """``functools.partial(function, *args, **keywords)`` for a module-level ``function``: callable, and picklable
    (worker processes), without importing ``functools`` (``collections``, ``types``...) on a warm ``check`` (#16)."""

    __slots__ = ("args", "function", "keywords")

    def __init__(self, function: Callable[..., Any], *args: Any, **keywords: Any) -> None:
        self.function, self.args, self.keywords = function, args, keywords

    def __call__(self, *args: Any, **keywords: Any) -> Any:
        return self.function(*self.args, *args, **self.keywords, **keywords)

    def __reduce__(self) -> tuple[Callable[..., Bound], tuple[object, ...]]:
        return _bound, (self.function, self.args, self.keywords)


def _bound(function: Callable[..., Any], args: tuple[Any, ...], keywords: dict[str, Any]) -> Bound:
    return Bound(function, *args, **keywords)
