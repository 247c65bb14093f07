"""Read a page's HTML as elements, for tests that assert what a screen reader or a link relies on:
ids, attributes and the text inside. Built on Django's own test parser (``parse_html``)."""

from django.test.html import Element, parse_html


class Markup:
    def __init__(self, html: str):
        self.root = parse_html(html)

    def all(self, tag: str | None = None, **attrs) -> list[Element]:
        return find_all(self.root, tag, **attrs)

    def one(self, tag: str | None = None, **attrs) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag or '*'} {attrs}>, found {len(found)}"
        return found[0]

    def by_id(self, id_: str) -> Element:
        return self.one(id=id_)


def find_all(node, tag: str | None = None, **attrs) -> list[Element]:
    """Every element inside ``node`` with ``tag`` (any, if None) whose attributes include
    ``attrs`` (``class_`` for class, which matches one of the element's classes; pass names
    with dashes through ``**{"data-x": ...}``)."""
    wanted = {name.rstrip("_"): value for name, value in attrs.items()}
    return [child for child in _walk(node) if _matches(child, tag, wanted)]


def attr(node: Element, name: str) -> str | None:
    return dict(node.attributes).get(name)


def text(node: Element) -> str:
    """The text inside ``node``, whitespace collapsed."""
    parts = []
    for child in node.children:
        parts.append(child if isinstance(child, str) else text(child))
    return " ".join(" ".join(parts).split())


def _walk(node):
    for child in getattr(node, "children", ()):
        if isinstance(child, Element):
            yield child
            yield from _walk(child)


def _matches(node: Element, tag, wanted: dict) -> bool:
    if tag and node.name != tag:
        return False
    have = dict(node.attributes)
    for name, value in wanted.items():
        if name == "class":
            if value not in (have.get("class") or "").split():
                return False
        elif have.get(name) != value:
            return False
    return True
