"""Exceptions raised by the domain layer.

The tree, so callers can catch at the depth they care about::

    AdvisorError                 anything the domain refuses
     └── InvalidInput            a value from a user or client is not acceptable
          ├── UnknownStage       the stage is not I..V (or 1..5)
          ├── UnknownQuestion    a question id does not exist, or not in that stage
          └── InvalidAnswer      an answer is not yes / no / unknown

Every `InvalidInput` names the offending parameter and value and lists the valid ones, so the CLI can
print a useful message and the API can fill the OpenAI-shaped error's ``param``.
"""

from __future__ import annotations

from collections.abc import Iterable


class AdvisorError(Exception):
    """Base class of every error the domain raises on purpose."""


class InvalidInput(AdvisorError):
    """A value given by a user or client is not acceptable."""

    def __init__(self, message: str, *, param: str | None, value: object = None, valid: Iterable[str] = ()) -> None:
        self.param = param
        self.value = value
        self.valid = tuple(valid)
        full = message
        if self.valid:
            full = f"{message}; valid: {', '.join(self.valid)}"
        super().__init__(full)

    @property
    def message(self) -> str:
        """The human-readable message, including the valid values."""
        return str(self)


class UnknownStage(InvalidInput):
    """The stage is not one of I..V."""


class UnknownQuestion(InvalidInput):
    """The question id does not exist, or is not asked in the given stage."""


class InvalidAnswer(InvalidInput):
    """An answer value is not yes / no / unknown."""
