"""The dashboard's rows written in Python say what the template partials said: the same links
(each built from a row's encoded filters plus the cell's own parameter, exactly as ``urlencode``
writes the merged filters, in the same order), the same escaping, the same accessibility
attributes; whitespace between table cells aside."""

import re

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch
from django.utils.http import urlencode

from tests.factories import GoalFactory, ProductFactory, TeamFactory
from usecases.dashboard.counts import Counts
from usecases.dashboard.rows import QueryURL, detail_url, encode_query, url_with_query
from usecases.dashboard.tables import Cell, EvidenceRow, RollupRow
from usecases.templatetags.dashboard_rows import count_cells, evidence_rows, rollup_rows

LIST = "usecases:usecase_list"

PARAMS = [
    {},
    {"team": "claims-processing"},
    {"team": "claims-processing", "subunits": "none", "product": "claimflow"},
    {"goal": "12", "subgoals": "on"},
    {"team": "équipe des données", "product": "a&b=c?d#e", "goal": "7"},
    {"team": "naïve café", "subunits": "none", "goal": "3", "subgoals": "on"},
    {"evidence_area": "none", "product": "x+y z/ü"},
    {"status": "draft", "team": "t"},  # a cell's parameter already present: replaced in place
]
EXTRAS = [
    {},
    {"status": "in_review"},
    {"show": "signed"},
    {"show": "overdue"},
    {"evidence": "no_data"},
    {"stage": "in_production"},
    {"status": "déjà vu & co"},
    {"not_reportable": "us-omb 2025"},
    {"status": "active", "show": "overdue"},
]


@pytest.mark.parametrize("params", PARAMS)
def test_a_cell_url_is_urlencode_of_the_merged_filters_byte_for_byte(params):
    base = QueryURL(LIST, params)
    for extra in EXTRAS:
        merged = {**params, **extra}
        expected = url_with_query(LIST, merged)
        assert base(**extra) == expected
        path = expected.partition("?")[0]
        assert expected == (f"{path}?{urlencode(merged)}" if merged else path)


def test_the_encoded_query_keeps_order_and_non_text_values_as_urlencode():
    for params in [*PARAMS, {"goal": 5, "subgoals": True}, {"b": "2", "a": "1"}]:
        assert encode_query(params) == urlencode(params)
    with pytest.raises(TypeError):
        encode_query({"team": None})


# The partials the tags replace, as the dashboard template had them.
OLD = Template(
    """{% load partials %}{% partialdef count-cell %}
<td class="num" data-label="{{ cell.label }}">{% if cell.count %}<a href="{{ cell.url }}">{{ cell.shown }}</a>{% else %}<span class="muted">0</span>{% endif %}</td>
{% endpartialdef %}{% partialdef rollup-row %}
<tr{% if row.muted %} class="archived"{% endif %}>
  <th scope="row">{% if row.depth %}<span class="indent indent-{{ row.depth }}"></span>{% endif %}{% if row.url %}<a href="{{ row.url }}">{{ row.name }}</a>{% else %}{{ row.name }}{% endif %}{% if row.note %} <span class="muted">({{ row.note|lower }})</span>{% endif %}</th>
  {% with cell=row.total %}{% partial count-cell %}{% endwith %}
  {% for cell in row.cells %}{% partial count-cell %}{% endfor %}
  <td class="num" data-label="Owned and signed">{% if row.counts.signed_share is not None %}{{ row.counts.signed_share }}%{% if row.signed.count %} <a href="{{ row.signed.url }}" class="muted">({{ row.signed.shown }})</a>{% endif %}{% else %}—{% endif %}</td>
  {% with cell=row.overdue %}{% partial count-cell %}{% endwith %}
</tr>
{% endpartialdef %}{% partialdef evidence-row %}
<tr{% if row.muted %} class="archived"{% endif %}>
  <th scope="row">{% if row.url %}<a href="{{ row.url }}">{{ row.name }}</a>{% else %}{{ row.name }}{% endif %}{% if row.note %} <span class="muted">({{ row.note|lower }})</span>{% endif %}</th>
  {% for cell in row.cells %}{% partial count-cell %}{% endfor %}
</tr>
{% endpartialdef %}<R>{% for row in rollups %}{% partial rollup-row %}{% endfor %}</R>
<E>{% for row in evidence %}{% partial evidence-row %}{% endfor %}</E>
<S>{% for cell in stages %}{% partial count-cell %}{% endfor %}</S>"""
)
NEW = Template(
    """{% load dashboard_rows %}<R>{% rollup_rows rollups %}</R>
<E>{% evidence_rows evidence %}</E>
<S>{% count_cells stages %}</S>"""
)
TABLE_TAG = re.compile(r"\s*(</?(?:tr|td|th|tbody|tfoot|thead)\b[^>]*>)\s*")


def normalised(html: str) -> str:
    """Whitespace around table rows and cells removed (a browser ignores it), other runs one space."""
    return re.sub(r"\s+", " ", TABLE_TAG.sub(r"\1", html)).strip()


def cell(count: int, label: str = "Draft", url: str = "/usecases/?team=a&status=draft") -> Cell:
    return Cell(count, url, label)


def rollup(name, *, active=0, signed=0, **fields) -> RollupRow:
    counts = Counts.zero() | {"active": active, "signed": signed}
    return RollupRow(
        counts=Counts(counts),
        total=cell(active + 3, "All", "/usecases/?team=x%C3%A9&amp;y"),
        cells=(cell(0), cell(1_234, "In review"), cell(active, "Active")),
        signed=cell(signed, "Owned and signed", "/usecases/?show=signed&team=<b>"),
        overdue=cell(2, "Attestation overdue", '/usecases/?show="overdue"'),
        name=name,
        **fields,
    )


ROLLUPS = [
    rollup("Claims <Processing> & \"Co\" 'Ltd'", active=7, signed=4, url="/teams/c&p/"),
    rollup("Bureau", active=3, signed=0, url="/teams/bureau/", depth=2),
    rollup("Dropped goal", muted=True, note="Dropped", depth=1, url="/goals/3/"),
    rollup("Archived <team>", muted=True, note="ARCHIVED <old>", active=1, signed=1),
    rollup("All teams"),
]
EVIDENCE = [
    EvidenceRow(name="Current Value", cells=(cell(0, "On track"), cell(5, "At risk"))),
    EvidenceRow(
        name="Payments & <Hub>",
        cells=(cell(12_345, "Off track", "/usecases/?product=p&evidence=off_track"),),
        url="/products/p&q/",
        muted=True,
        note="Paused",
    ),
]
STAGES = [cell(0, "Idea"), cell(1, "Pilot <x>", "/usecases/?stage=pilot&a=b")]


def test_the_rows_say_what_the_partials_said():
    context = {"rollups": ROLLUPS, "evidence": EVIDENCE, "stages": STAGES}
    old = OLD.render(Context(context))
    new = NEW.render(Context(context))
    assert normalised(new) == normalised(old)
    assert "Claims &lt;Processing&gt; &amp; &quot;Co&quot; &#x27;Ltd&#x27;" in new
    assert 'href="/usecases/?team=a&amp;status=draft"' in new
    assert '<span class="indent indent-2"></span>' in new


def test_the_tags_write_nothing_for_no_rows():
    assert rollup_rows([]) == evidence_rows([]) == count_cells([]) == ""


@pytest.mark.django_db
def test_a_row_links_to_the_page_its_model_names():
    rows = [
        TeamFactory(slug="claims-processing_2"),
        TeamFactory(slug="2147483647"),
        ProductFactory(slug="payments-hub"),
        GoalFactory(),
    ]
    for row in rows:
        assert detail_url(row) == row.get_absolute_url()
    # Not a plain slug: reversed as the model does it, which refuses it alike.
    for row in (TeamFactory(slug="équipe"), ProductFactory(slug="a b")):
        with pytest.raises(NoReverseMatch):
            row.get_absolute_url()
        with pytest.raises(NoReverseMatch):
            detail_url(row)
