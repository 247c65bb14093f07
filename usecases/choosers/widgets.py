"""The chooser: a plain select (or tick boxes) that carries at most ``SHOWN`` options and the
chosen ones, and past that a search box.

Why a bounded native control and not a JavaScript combobox: the select and the tick boxes stay
what every form posts today (a pk, a slug or a username), keyboard-operable and read by screen
readers as they are, and a small organisation sees every option exactly as before. With
JavaScript the search box asks the server (``usecases.views.choosers``) and the answer replaces
the options; without it, what is typed into the box is posted and read here: a username or slug,
a "Name (username)" label, or words that name exactly one row (``usecases.choosers.kinds.find_typed``);
anything else is refused with a message that says so.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from core.compiled import compiled_instances
from core.html import as_formatted, as_text
from usecases.choosers.kinds import (
    KINDS,
    SHOWN,
    chooser_order,
    find_typed,
    first_and_chosen,
    keys_only,
    typed_error,
)

SEARCH_BOX = (
    '<div class="chooser-search">'
    '<label for="{id}_search">{label}</label>'
    '<input type="search" name="{name}_search" id="{id}_search" value="{typed}" '
    'autocomplete="off" spellcheck="false" data-chooser-search="{id}" aria-controls="{id}" '
    'aria-describedby="{id}_searchhelp" hx-get="{url}" '
    'hx-trigger="input changed delay:250ms, search" hx-target="#{id}" hx-swap="innerHTML" '
    'hx-include="#{id}" hx-sync="this:replace">'
    '<p class="help" id="{id}_searchhelp">{help}</p>'
    "</div>"
)


class Typed(str):
    """Text typed into a chooser's search box and posted (no JavaScript): not yet a value."""


def _search_help(kind) -> str:
    words = {"people": "a name or username", "goals": "words of its title"}
    return (
        f"The list shows the first {SHOWN}. Type {words.get(kind.name, 'a name')} to list the "
        "matches instead (then press ↓ to choose them), or type it whole and save."
    )


def value_key(field) -> str:
    """What ``field`` posts: "pk", or the field its ``to_field_name`` names (a slug, a username)."""
    key = field.to_field_name or "pk"
    return "pk" if key == field.queryset.model._meta.pk.name else key


def _first_and_chosen(field, chosen: list[str], first=None) -> tuple[list, list, bool]:
    """One query, whatever the numbers: the first ``SHOWN`` rows of ``field``'s queryset in its
    order, the chosen rows past them, and whether there are more than ``SHOWN``.

    The first rows are a LIMITed subquery in the queryset's order, so an index in that order
    (people's: ``portfolio`` migration 0006) reads those rows alone; numbering every row
    instead sorted thousands of people on each page that offers them."""
    queryset = field.queryset
    key = value_key(field)
    keys = keys_only(queryset.model, key, chosen)
    if not keys:  # nothing chosen (most filters): the first rows alone
        if first is not None:  # the same rows, by SQL compiled once (``kinds.first_rows``)
            rows = compiled_instances(first)
        else:
            rows = list(queryset.order_by(*chooser_order(queryset))[: SHOWN + 1])
        return rows[:SHOWN], [], len(rows) > SHOWN
    # The first rows drawn are the first rows themselves, the chosen ones past them after them.
    rows = list(first_and_chosen(queryset, queryset.filter(**{f"{key}__in": keys})))
    beyond = [row for row in rows[SHOWN:] if _value(field, row) in keys]
    # The rows drawn are some of the queryset's, and all of them if it has ``SHOWN`` or fewer.
    return rows[:SHOWN], beyond, len(rows) > SHOWN


def _value(field, row) -> str:
    return str(field.prepare_value(row))


def bounded_choices(choices, value: list, offered=None, first=None) -> tuple[list, bool]:
    """The empty choice, the chosen ones past the first ``SHOWN`` and those first ``SHOWN`` of
    ``choices`` (a model field's choices, or a list), and whether there are more than that.
    ``offered``: every option but the empty one, as (value, label) pairs in the chooser's order,
    where the page holds them already; then they are taken from these, not from a query."""
    chosen = [str(item) for item in value if item not in ("", None)]
    if not isinstance(choices, ModelChoiceIterator):
        choices = list(choices)  # read once: a lazy one would be read again below
    empty = _empty(choices)
    if offered is not None:
        rest = list(offered)
    elif isinstance(choices, ModelChoiceIterator):
        shown, beyond, more = _first_and_chosen(choices.field, chosen, first)
        return [*empty, *map(choices.choice, [*beyond, *shown])], more
    else:
        rest = [choice for choice in choices if choice[0] not in ("", None)]
    extra = [choice for choice in rest[SHOWN:] if str(choice[0]) in chosen]
    return [*empty, *extra, *rest[:SHOWN]], len(rest) > SHOWN


def _empty(choices) -> list:
    """The empty choice of ``choices`` (a model field's, or a list's), if it has one."""
    if isinstance(choices, ModelChoiceIterator):
        label = choices.field.empty_label
        return [] if label is None else [("", label)]
    return [choice for choice in choices if choice[0] in ("", None)]


class ChooserMixin:
    """A choice widget that carries a bounded number of options and a search box past that.
    ``kind``: a key of ``usecases.choosers.kinds.KINDS``; ``scope``: which rows the search offers.

    ``offered``: every option but the empty one as (value, label) pairs, in the order the
    chooser draws them (its queryset's; a unit chooser's, the tree's, each unit named by its
    path), or a function returning them when the widget is drawn (None: the first ones are read
    from the queryset). A page that has read every row already (the dashboard's
    teams, products and goals) offers them, and the chooser sends no query of its own; the
    options drawn are the same either way."""

    offered = None
    # What else the search asks with: a scope of one use case's (``recorders``) names it here.
    search_params: dict | None = None
    # The search box above the options, not below: where the options are a long list of which
    # only the first show, and the box is the way to the rest.
    search_first = False

    def __init__(self, attrs=None, choices=(), *, kind: str, scope: str, first=None):
        """``first``: how its first rows are read when nothing past them is chosen, where its
        field offers the rows of a function of no arguments (``kinds.first_rows``). It stands in
        for the field's queryset: a form that gives the field other rows must not give its
        widget ``first``."""
        super().__init__(attrs, choices)
        self.kind = KINDS[kind]
        self.scope = scope
        self.first = first
        self.searchable = False

    def optgroups(self, name, value, attrs=None):
        offered = self.offered() if callable(self.offered) else self.offered
        shown, self.searchable = bounded_choices(self.choices, value, offered, self.first)
        every, self.choices = self.choices, shown
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = every

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        typed = (data.get(f"{name}_search") or "").strip()
        if not typed:
            return value
        return [*value, Typed(typed)] if self.allow_multiple_selected else Typed(typed)

    def _render(self, template_name, context, renderer=None):
        """The widget's options drawn in Python (``draw``), in the markup of Django's own template
        for it: a page's choosers carry some forty options each, and a template render per option
        (three per tick box) was a good part of a list's or the use-case form's time. Options in
        groups, which no chooser has, and single options are left to the template."""
        widget = context["widget"]
        # One option alone (a template looping over the field's options) has no optgroups.
        if "optgroups" not in widget or any(name for name, _, _ in widget["optgroups"]):
            return super()._render(template_name, context, renderer)
        return self.draw(
            widget, [option for _, group, _ in widget["optgroups"] for option in group]
        )

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        html = self._render(self.template_name, context, renderer)
        typed = [item for item in _as_list(value) if isinstance(item, Typed)]
        if context["widget"]["attrs"].get("disabled") or not (self.searchable or typed):
            return html  # a disabled field (an owner that moves by transfer) has nothing to find
        box = format_html(SEARCH_BOX, **self._search_box(name, context, typed))
        return box + html if self.search_first else html + box

    def _search_box(self, name, context, typed) -> dict:
        element_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        query = {
            "name": name,
            "id": element_id,
            "key": self._value_key(),
            "scope": self.scope,
            **(self.search_params or {}),
        }
        if self.allow_multiple_selected:
            query["multiple"] = "1"
        elif isinstance(self.choices, ModelChoiceIterator):
            empty = self.choices.field.empty_label
        else:
            empty = next((label for key, label in self.choices if key in ("", None)), None)
        if not self.allow_multiple_selected and empty is not None:
            query["empty"] = empty
        url_name = {"people": "person", "teams": "team", "products": "product", "goals": "goal"}
        url = reverse(f"usecases:{url_name[self.kind.name]}_choices")
        return {
            "id": element_id,
            "name": name,
            "label": self.kind.search_help,
            "help": _search_help(self.kind),
            "typed": typed[0] if typed else "",
            "url": f"{url}?{urlencode(query)}",
        }

    def _value_key(self) -> str:
        if isinstance(self.choices, ModelChoiceIterator):
            return value_key(self.choices.field)
        return getattr(self, "value_key", "pk")


def _as_list(value) -> list:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


class ChooserSelect(ChooserMixin, forms.Select):
    """One of many: a select. ``value_key`` names what a list of choices posts (a model field's
    choices say it themselves)."""

    def __init__(
        self, attrs=None, choices=(), *, kind: str, scope: str, value_key: str = "pk", first=None
    ):
        super().__init__(attrs, choices, kind=kind, scope=scope, first=first)
        self.value_key = value_key

    def draw(self, widget: dict, options: list[dict]) -> str:
        """Django's ``select.html`` markup."""
        items = "".join(
            [
                f'\n  <option value="{as_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{as_text(option['label'])}</option>"
                for option in options
            ]
        )
        return mark_safe(  # noqa: S308 - every part escaped
            f'<select name="{as_text(widget["name"])}"{_attrs(widget["attrs"])}>{items}\n</select>'
        )


def _attrs(attrs: dict) -> str:
    """HTML attributes as Django's ``attrs.html`` writes them: ``True`` bare, ``False`` left out."""
    return "".join(
        [
            f" {as_text(name)}" if value is True else f' {as_text(name)}="{as_formatted(value)}"'
            for name, value in attrs.items()
            if value is not False
        ]
    )


class ChooserCheckboxSelectMultiple(ChooserMixin, forms.CheckboxSelectMultiple):
    """Several of many: tick boxes."""

    def draw(self, widget: dict, options: list[dict]) -> str:
        """Django's ``checkbox_select.html`` markup."""
        boxes = "".join([f"<div>\n    {_tick_box(option)}</div>" for option in options])
        element_id, css_class = widget["attrs"].get("id"), widget["attrs"].get("class")
        id_attr = f' id="{as_text(element_id)}"' if element_id else ""
        class_attr = f' class="{as_text(css_class)}"' if css_class else ""
        return mark_safe(f"<div{id_attr}{class_attr}>{boxes}\n</div>")  # noqa: S308 - escaped


def _tick_box(option: dict) -> str:
    """One option as Django's ``input_option.html`` and ``input.html`` write it."""
    value = "" if option["value"] is None else f' value="{as_formatted(option["value"])}"'
    box = (
        f'<input type="{as_text(option["type"])}" name="{as_text(option["name"])}"'
        f"{value}{_attrs(option['attrs'])}>"
    )
    if not option["wrap_label"]:
        return box
    element_id = option["attrs"].get("id")
    label_for = f' for="{as_text(element_id)}"' if element_id else ""
    return f"<label{label_for}>{box} {as_text(option['label'])}</label>"


class ChooserFieldMixin:
    """Reads what was typed into the chooser's box (``Typed``) as the value it names, with a
    message of its own when it names nobody or more than one; posted values as before."""

    def _read_typed(self, value):
        if not isinstance(value, Typed):
            return value
        kind = self.widget.kind
        matches = find_typed(kind, self.queryset, value)
        if len(matches) != 1:
            raise ValidationError(typed_error(kind, value, matches), code="typed")
        return str(self.prepare_value(matches[0]))

    def to_python(self, value):
        return super().to_python(self._read_typed(value))


class ChooserMultipleFieldMixin(ChooserFieldMixin):
    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [self._read_typed(item) for item in value]
        return super().clean(value)


class ChooserChoiceField(ChooserFieldMixin, forms.ModelChoiceField):
    """One row by a chooser (give it a ``ChooserSelect``)."""


class ChooserMultipleChoiceField(ChooserMultipleFieldMixin, forms.ModelMultipleChoiceField):
    """Several rows by a chooser (give it ``ChooserCheckboxSelectMultiple``)."""
