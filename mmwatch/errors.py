"""Errors a user can hit: each says what was wrong and what to do."""


class MmwatchError(Exception):
    """A user-facing error; the CLI prints its message and exits with status 2."""


class ConfigError(MmwatchError):
    """The configuration names something that does not exist or has a bad value."""


class CaptureError(MmwatchError):
    """A capture file cannot be read at all (not JSON Lines, missing)."""
