"""How the registry names a person: the one rule every page, e-mail and history entry uses."""

# What ``person_name`` reads of a user: a page that only names people may load just these.
NAME_FIELDS = ("username", "first_name", "last_name")


def person_name(user, empty: str = "") -> str:
    """``user``'s full name, or their username when they have none; ``empty`` for nobody."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


def person_label(user) -> str:
    """How a person appears where namesakes must stay apart (choice lists, confirmations):
    their name and username, or the username alone when they have no name."""
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username
