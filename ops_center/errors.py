"""User-facing errors: each carries one line that names what is wrong and where."""


class OpsError(Exception):
    """An error an operator can act on; its message is printed as one line, without a traceback."""


class ConfigError(OpsError):
    """The site configuration is invalid: the message names the file, the key path and the problem."""


class InputError(OpsError):
    """A command-line or API input is invalid (a zone string, a video path, a field)."""


class ModelUnavailable(OpsError):
    """The detection model could not be loaded."""


class SourceUnavailable(OpsError):
    """A frame source (file, stream, webcam) cannot be opened or read."""
