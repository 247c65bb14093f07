from django import template

from core.people import person_name as _person_name

register = template.Library()


@register.filter
def person_name(user, empty: str = "") -> str:
    """``{{ person|person_name }}``: the one way a page names a person (``core.people``)."""
    return _person_name(user, empty)
