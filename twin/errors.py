"""Errors that twin reports to a person, not a traceback."""


class TwinError(Exception):
    """Base class of every error twin shows as a one-line message to the user."""


class DataError(TwinError):
    """Input data that twin cannot use: bad file, unknown format, missing CRS, empty layer...

    The message is written for a planner: it names the file (and layer, row or field where
    known) and says what is wrong and, where possible, what to do.
    """


class ProjectError(TwinError):
    """A project file that cannot be opened or saved."""


class CancelledError(TwinError):
    """A long job was cancelled by the user through its feedback object."""


class DataWarning(UserWarning):
    """Input twin could use only in part (features lost, a value guessed); the CLI prints it
    as one ``warning:`` line on stderr."""
