"""The refusals of the services: each a ``UseCaseError`` whose message is for the person who asked."""

from __future__ import annotations

from usecases.models import UseCase


class UseCaseError(Exception):
    """A domain rule refused the change; the message is for the person who asked."""


class EditConflict(UseCaseError):
    """Someone saved the use case after the editor loaded it."""

    def __init__(self, current: UseCase, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        super().__init__(f"{current.key} was changed by someone else after you opened it.")


class StaleVersion(EditConflict):
    """A decision taken on a text that has moved on since the person saw it: nothing is done, so
    nobody approves, signs or retires a version they never read."""

    def __init__(self, current: UseCase, expected_version: int):
        super().__init__(current, expected_version)
        self.args = (
            f"{current.key} changed after you opened it (you saw version {expected_version}; it "
            f"is at version {current.version} now), so nothing was done. See what changed, then "
            "decide again.",
        )


class InvalidValue(UseCaseError):
    """A value the use case can't hold; ``errors`` maps each field to a refusal that names it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


class NotEditable(UseCaseError):
    pass


class InvalidTransition(UseCaseError):
    """The use case is not in a state the action starts from (often: someone was quicker)."""


class NotAllowed(UseCaseError):
    """A workflow rule forbids this person from taking this action."""


class Incomplete(UseCaseError):
    """The use case lacks what a review needs; ``missing`` names each gap."""

    def __init__(self, usecase: UseCase, missing: list[str]):
        self.missing = missing
        super().__init__(f"{usecase.key} can't go to review yet. Missing: {', '.join(missing)}.")
