"""How the registry names a person: the one rule every page, e-mail and history entry uses."""

from django.contrib.auth import get_user_model

# What ``person_name`` reads of a user: a page that only names people may load just these.
NAME_FIELDS = ("username", "first_name", "last_name")


def named_person(people: dict, values: tuple):
    """A person read as values, ``(id, *NAME_FIELDS)``, by a page that only names them: built
    once however many rows name them (``people`` keeps them by id), loaded as ``only()`` would
    load them; None for nobody. Long lists name a few people many times over."""
    if values[0] is None:
        return None
    if (person := people.get(values[0])) is None:
        user_model = get_user_model()
        fields = ("id", *NAME_FIELDS)
        person = people[values[0]] = user_model.from_db(user_model.objects.db, fields, values)
    return person


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
