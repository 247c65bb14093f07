"""The administration services' one error."""


class AdminError(Exception):
    """An administration rule refused the change; the message is for the person who asked."""
