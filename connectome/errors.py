"""One exception hierarchy; each error carries the exit code the CLI maps it to."""

from __future__ import annotations


class ConnectomeError(Exception):
    """Base of every error the library raises on purpose; `exit_code` is the CLI's exit status."""

    exit_code = 1


class InputError(ConnectomeError):
    """Bad input or usage: a file, a field, an argument (exit code 2)."""

    exit_code = 2


class ReferenceNotFound(InputError):
    """A topology reference that names no version, or more than one (exit code 2)."""


class ResourceError(InputError):
    """A run that cannot fit in the memory this machine has (exit code 2)."""


class DatabaseError(ConnectomeError):
    """The database cannot be used as it is: schema behind, ahead or foreign (exit code 3)."""

    exit_code = 3


class VerificationFailed(ConnectomeError):
    """Stored content no longer matches its content hash: tampered with, or written by a faulty tool (exit code 4)."""

    exit_code = 4


def located(source: object, where: str, message: str) -> InputError:
    """Build the one-line `SOURCE: WHERE: MESSAGE` error every reader raises."""
    prefix = f"{source}: " if source else ""
    return InputError(f"{prefix}{where}: {message}" if where else f"{prefix}{message}")


class ConnectomeWarning(UserWarning):
    """Something a reader or writer did that the user should know of (the CLI prints it as `warning: …`)."""
