"""The portfolio's one service error. Administration's services (``administration.services``)
write teams, memberships, people, products and goals; the task queue refuses with it too."""


class AdminError(Exception):
    """An administration rule refused the change; the message is for the person who asked."""
