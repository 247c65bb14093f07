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


def form_values(html: str, action: str) -> dict[str, list[str]]:
    """What a browser posts from the form whose ``action`` is given, left as rendered: each
    input's value, each checked box, each select's selected options (its first, if none is
    marked), each textarea's text. Submit buttons are left out, as a browser leaves out all but
    the one clicked."""
    form = Markup(html).one("form", action=action)
    values: dict[str, list[str]] = {}

    def add(name, value):
        if name:
            values.setdefault(name, []).append(value)

    for node in find_all(form):
        name = attr(node, "name")
        if node.name == "input":
            kind = attr(node, "type") or "text"
            if kind in ("checkbox", "radio"):
                if "checked" in dict(node.attributes):
                    add(name, attr(node, "value") or "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                add(name, attr(node, "value") or "")
        elif node.name == "textarea":
            add(name, text(node))
        elif node.name == "select":
            options = find_all(node, "option")
            chosen = [o for o in options if "selected" in dict(o.attributes)]
            if not chosen and options and "multiple" not in dict(node.attributes):
                chosen = options[:1]
            for option in chosen:
                add(
                    name,
                    attr(option, "value") if attr(option, "value") is not None else text(option),
                )
    return values
