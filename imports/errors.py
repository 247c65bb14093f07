"""The one error the reading layer raises: a file it will not read, with a text for the user."""


class ReadError(Exception):
    """The file cannot be read as a register. ``str(error)`` is a message for the person who
    uploaded it: what is wrong and what to do instead; nothing has been read or written."""
