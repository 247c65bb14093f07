"""One record of a file, through its mapping, as the values a use case will hold.

Each value is read by its target's kind (``imports.mapping.target_kind``). What cannot be read is
an :class:`Issue`: either the row fails (no title, no key, a text longer than its field holds) or
the field is kept empty and the row goes in (``kept_empty``: a stage no rule recognises, a date
that is not a date, a contact that holds no e-mail address). A value the file leaves empty, or
fills with a placeholder ("Unknown", "N/A"), stays empty: it never becomes a real value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

from imports.mapping import CUSTOM_PREFIX, Mapping, fold, target_kind
from imports.reading import Record
from usecases.choices import AssessmentKind, LifecycleStage, Source, Technique
from usecases.models import CustomFieldType, UseCase
from usecases.numbers import parse_decimal
from usecases.register import parse_assessments, web_address

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_LIST_SPLIT = re.compile(r"\s*(?:;|\n|,|/|\band\b|\bor\b)\s*")
KEY_SEPARATOR = "/"
# Sources of use cases entered in a registry itself: its export keys them by their use-case key.
LOCAL_SOURCES = {Source.MANUAL, Source.DEMO}
# One part of an assessment as the JSON reader writes a {kind, date, link} object, in any order
# (the database keeps an object's keys in its own order).
_ASSESSMENT_PART = re.compile(r"(kind: \w+|date: \d{4}-\d\d-\d\d|link: https?://[^\s;,]+)")
# A cell holding a formula (``=HYPERLINK("…")``, ``=SUM(A1:A3)``) rather than a value.
_FORMULA = re.compile(r"^=\s*[A-Za-z][A-Za-z0-9_.]*\s*\(")

# Stage words, tried in order: a text's first rule with a word in it decides. The specific phrases
# come first ("pre-deployment" holds "deploy"; "not in production" holds "production").
STAGE_RULES = (
    (LifecycleStage.IDEA, ("planned", "planning", "idea", "idee", "verkenning", "initiation")),
    (LifecycleStage.IN_DEVELOPMENT, ("pre-deployment", "not in production", "not yet in produc")),
    (LifecycleStage.RETIRED, ("retired", "gestopt", "buiten gebruik", "decommission", "stopped")),
    (LifecycleStage.PILOT, ("pilot", "proef")),
    (
        LifecycleStage.IN_PRODUCTION,
        (
            "production",
            "productie",
            "deployed",
            "deployment",
            "in use",
            "in-use",
            "in gebruik",
            "actief",
            "in werking",
            "operation",
            "operational",
            "in mission",
            "live",
        ),
    ),
    (
        LifecycleStage.IN_DEVELOPMENT,
        (
            "develop",
            "ontwikkel",
            "acquisition",
            "implementation",
            "test",
            "proof of concept",
            "proof-of-concept",
            "prototype",
            "research",
            "initial",
            "acceptance",
            "refinement",
        ),
    ),
)
TECHNIQUE_RULES = (
    (Technique.AGENTIC_AI, ("agentic", "ai agent")),
    (Technique.GENERATIVE_AI, ("generative", "genai", "llm", "large language", "gpt")),
    (Technique.REINFORCEMENT_LEARNING, ("reinforcement",)),
    (Technique.NLP, ("natural language", "nlp", "language processing", "speech", "text analytic")),
    (Technique.COMPUTER_VISION, ("vision", "image", "object detection", "ocr", "video")),
    (
        Technique.CLASSICAL_ML,
        (
            "machine learning",
            "classical",
            "regression",
            "classification",
            "random forest",
            "neural",
            "deep learning",
            "clustering",
            "predictive",
            "ml",
        ),
    ),
)
RULES = {"lifecycle_stage": STAGE_RULES, "techniques": TECHNIQUE_RULES}
TRUE_WORDS = {"yes", "y", "true", "1", "ja", "j", "oui", "x"}
FALSE_WORDS = {"no", "n", "false", "0", "nee", "non"}


@dataclass
class Issue:
    column: str
    value: str
    why: str
    kept_empty: bool = False  # the row goes in with this field empty

    def to_json(self) -> dict:
        return {
            "column": self.column,
            "value": self.value[:500],
            "why": self.why,
            "kept_empty": self.kept_empty,
        }


@dataclass
class Converted:
    number: int
    key: str = ""
    plain_key: str = ""  # the key before rows sharing it were told apart (see Converter.key)
    whole_key: str = ""  # the key as it is when rows share it: made whole with the fallback's
    local_key: str = ""  # the key the mapping gives, whatever source the row names
    source: str = ""  # where the row says it came from (the registry's own export), else ""
    data: dict = field(default_factory=dict)  # field -> value, as the services take it
    names: dict = field(default_factory=dict)  # unit, team -> name; products, goals -> [names]
    issues: list[Issue] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(not issue.kept_empty for issue in self.issues)

    @property
    def title(self) -> str:
        return str(self.data.get("title", ""))[:200]


def by_rules(target: str, text: str) -> str | None:
    folded = fold(text)
    for choice, words in RULES.get(target, ()):
        if any(re.search(rf"(?<![a-z]){re.escape(word)}", folded) for word in words):
            return choice.value
    return None


class Converter:
    """Reads records through ``mapping`` (``team_fixed``: every row goes into one team, so the
    file's unit and team columns are not read)."""

    def __init__(self, mapping: Mapping, custom_fields: dict, *, team_fixed: bool = False):
        self.mapping = mapping
        self.custom_fields = custom_fields
        self.targets = mapping.targets()
        if team_fixed:
            self.targets.pop("unit", None)
            self.targets.pop("team", None)
        self.kinds = {target: target_kind(target) for target in self.targets}

    def key(self, record: Record, shared: frozenset = frozenset()) -> str:
        """The row's key: its key columns' values, or its fallback columns' where one is empty.
        A key ``shared`` by rows of different content (an agency numbering two use cases alike)
        is made whole with the fallback columns' values, the same way in every release."""
        for columns in (self.mapping.key, self.mapping.key_fallback):
            parts = [record.get(column, "") for column in columns]
            if columns and all(parts):
                key = KEY_SEPARATOR.join(" ".join(part.split()) for part in parts)
                if key in shared:
                    more = [
                        record.get(c, "") for c in self.mapping.key_fallback if c not in columns
                    ]
                    key = KEY_SEPARATOR.join([key, *(" ".join(p.split()) for p in more if p)])
                return key
        return ""

    def convert(self, record: Record, shared: frozenset = frozenset()) -> Converted:
        plain = self.key(record)
        row = Converted(
            record.number,
            key=self.key(record, shared),
            plain_key=plain,
            whole_key=self.key(record, frozenset({plain})),
        )
        row.local_key = row.key
        self._origin(row, record)
        for target, columns in self.targets.items():
            given = [(column, record.get(column, "")) for column in columns]
            given = [(column, text) for column, text in given if text]
            for column, text in given:
                if _FORMULA.match(text):
                    why = "A spreadsheet formula, not a value: it is not stored."
                    row.issues.append(Issue(column, text, why, True))
            given = [(column, text) for column, text in given if not _FORMULA.match(text)]
            if given:
                self._read(row, target, given)
        if "lifecycle_stage" in self.targets and "lifecycle_stage" not in row.data:
            why = "No stage the registry knows; stored as “idea”, the first, until someone sets it."
            row.issues.append(Issue(self._column("lifecycle_stage"), "", why, True))
        if not row.data.get("title"):
            row.issues.append(Issue(self._column("title"), "", "It has no title."))
        if not row.key:
            shown = " + ".join(self.mapping.key_fallback or self.mapping.key) or "a key column"
            row.issues.append(Issue(shown, "", "It has no key: the key columns are empty."))
        return row

    def _origin(self, row: Converted, record: Record) -> None:
        """A row of the registry's own export that came from elsewhere (another register, a file)
        keeps that source and its external reference as its key, so the register it came from
        still finds it; a row entered in that registry is keyed by its use-case key."""
        if self.mapping.format != "registry":
            return
        source, ref = record.get("source", ""), record.get("external_ref", "")
        if source in Source.values and source not in LOCAL_SOURCES and ref:
            row.source, row.key, row.plain_key, row.whole_key = source, ref, ref, ref

    def items(self, target: str, text: str) -> list[str]:
        """The values ``text`` holds for ``target``: a list field's items, or the text itself."""
        if not text:
            return []
        if target_kind(target) == "choices":
            return [item for item in _LIST_SPLIT.split(text) if item.strip()]
        return [text]

    def guess(self, target: str, text: str) -> str:
        """What one value becomes as the mapping stands ("" for empty); nothing recorded."""
        scratch = Converted(0)
        kind = self.kinds.get(target) or target_kind(target)
        if kind == "choices":
            found = self._choices(scratch, target, "", text)
            return found[0] if found else ""
        if kind == "assessments":
            found = self._assessments(scratch, target, "", text)
            return found[0]["kind"] if found else ""
        if kind == "boolean":
            return {True: "true", False: "false"}.get(self._boolean(scratch, target, "", text), "")
        return self._choice(scratch, target, "", text)

    def _column(self, target: str) -> str:
        return ", ".join(self.targets.get(target, [])) or target

    def _read(self, row: Converted, target: str, given: list[tuple[str, str]]) -> None:
        kind = self.kinds[target]
        if kind == "name":
            row.names[target] = " ".join(given[0][1].split())
        elif kind == "names":
            items = [" ".join(i.split()) for _, t in given for i in re.split(r"[;\n]", t)]
            row.names[target] = [item for item in items if item]
        elif kind == "custom":
            name = target[len(CUSTOM_PREFIX) :]
            text = "\n\n".join(text for _, text in given)
            custom = self.custom_fields.get(name)
            if custom is not None and custom.type == CustomFieldType.MULTIPLE_CHOICE:
                # A list's items as the export joins them ("North; East"), or one a line.
                text = [item.strip() for item in re.split(r"[;\n]", text) if item.strip()]
            row.data.setdefault("custom_values", {})[name] = text
        elif kind in ("text",):
            self._text(row, target, given)
        else:
            reader = getattr(self, f"_{kind}")
            values = [reader(row, target, column, text) for column, text in given]
            if kind in ("choices", "urls", "assessments"):
                merged = []
                for value in values:
                    merged += [item for item in value or [] if item not in merged]
                row.data[target] = merged
            else:
                value = next((v for v in values if v not in (None, "")), values[0])
                if value != "" or UseCase._meta.get_field(target).blank:
                    row.data[target] = value  # a stage kept empty stays the field's default

    def _text(self, row: Converted, target: str, given) -> None:
        text = "\n\n".join(text for _, text in given)
        limit = UseCase._meta.get_field(target).max_length
        if limit and len(text) > limit:
            column, value = given[0]
            why = f"It is {len(text):,} characters long; the first {limit - 1} are kept, then “…”."
            row.issues.append(Issue(column, value, why, True))
            text = text[: limit - 1].rstrip() + "…"
        row.data[target] = text

    def _mapped(self, target: str, text: str) -> str | None:
        return self.mapping.values.get(target, {}).get(fold(text))

    def _choice(self, row, target, column, text):
        mapped = self._mapped(target, text)
        if mapped is None:
            mapped = _choice_of(UseCase._meta.get_field(target).choices, text)
        if mapped is None:
            mapped = by_rules(target, text)
        if mapped is None:
            labels = ", ".join(
                str(label).lower() for _, label in UseCase._meta.get_field(target).choices
            )
            row.issues.append(Issue(column, text, f"Not one of: {labels}; kept empty.", True))
            return ""
        return mapped

    def _choices(self, row, target, column, text):
        mapped = self._mapped(target, text)
        if mapped is not None:
            return [mapped] if mapped else []
        base = UseCase._meta.get_field(target).base_field
        found, rest = _labels_in(base.choices, text)
        unknown = []
        for item in (i for i in _LIST_SPLIT.split(rest) if i.strip()):
            value = self._mapped(target, item)
            if value is None:
                value = _choice_of(base.choices, item) or by_rules(target, item)
            if value and value not in found:
                found.append(value)
            elif value is None:
                unknown.append(item)
        if unknown and not found:
            row.issues.append(
                Issue(column, text, "No known classification in it; kept empty.", True)
            )
        return found

    def _boolean(self, row, target, column, text):
        mapped = self._mapped(target, text)
        word = fold(text).split(" ")[0].strip(".,;:-")
        if mapped is not None:
            return {"true": True, "false": False}.get(mapped)
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        row.issues.append(Issue(column, text, "Not a yes or a no; kept empty.", True))
        return None

    def _assessments(self, row, target, column, text):
        mapped = self._mapped(target, text)
        if mapped is not None:
            return [{"kind": mapped, "date": "", "link": ""}] if mapped else []
        listed = [  # the registry's JSON export: a list of {kind, date, link}, read as text
            {"date": "", "link": "", **item}
            for item in (
                dict(part.split(": ", 1) for part in _ASSESSMENT_PART.findall(one))
                for one in text.split("; ")
            )
            if item.get("kind") in AssessmentKind.values
        ]
        if listed:  # first: the lines' reading takes it too, without its dates
            return listed
        try:  # one a line, as the form and the registry's CSV export write them
            return parse_assessments(text)
        except ValidationError:
            pass
        word = fold(text).split(" ")[0].strip(".,;:-")
        link = (_URL.findall(text) or [""])[0].rstrip(").,;")
        # A yes in a column named after an assessment ("dpia": "Ja") records that assessment.
        named = [k for k in AssessmentKind.values if re.search(rf"\b{k}\b", fold(column))]
        if word in TRUE_WORDS and named:
            return [{"kind": named[0], "date": "", "link": link}]
        kinds = [k for k in AssessmentKind.values if re.search(rf"\b{k}\b", fold(text))]
        if kinds:
            return [{"kind": kinds[0], "date": "", "link": link}]
        if word not in FALSE_WORDS:
            row.issues.append(
                Issue(column, text, "Not an assessment this registry knows; kept empty.", True)
            )
        return []

    def _date(self, row, target, column, text):
        parsed, note = parse_date(text, self.mapping.date_order)
        if parsed is None:
            row.issues.append(Issue(column, text, "Not a date; kept empty.", True))
        elif note:
            row.issues.append(Issue(column, text, note, True))
        return parsed

    def _number(self, row, target, column, text):
        try:
            number = parse_decimal(text)
        except ValueError:
            row.issues.append(Issue(column, text, "Not a number; kept empty.", True))
            return None
        if isinstance(UseCase._meta.get_field(target), models.IntegerField) and number is not None:
            if number != number.to_integral_value():
                row.issues.append(Issue(column, text, "Not a whole number; kept empty.", True))
                return None
            return int(number)
        places = UseCase._meta.get_field(target).decimal_places
        try:
            rounded = None if number is None else round(number, places)
        except InvalidOperation:  # more digits than any field holds: the check refuses it
            return number
        if number != rounded:
            row.issues.append(Issue(column, text, f"Rounded to {places} decimal places.", True))
        return rounded

    def _email(self, row, target, column, text):
        found = _EMAIL.findall(text)
        if not found:
            row.issues.append(Issue(column, text, "Holds no e-mail address; kept empty.", True))
            return ""
        if len(found) > 1:
            row.issues.append(
                Issue(column, text, f"Holds {len(found)} addresses; the first is kept.", True)
            )
        return found[0][:254]

    def _url(self, row, target, column, text):
        found = self._urls(row, target, column, text)
        return found[0] if found else ""

    def _urls(self, row, target, column, text):
        urls = (url.rstrip(").,;'\"]") for url in _URL.findall(text))
        found = [url for url in urls if _is_web_address(url)]
        if not found:
            row.issues.append(Issue(column, text, "Holds no web address; kept empty.", True))
        return found


def _labels_in(choices, text: str) -> tuple[list[str], str]:
    """The choices whose whole label ``text`` holds (a label may hold the words a list is split
    on: "Classical / predictive machine learning"), and the text left without them."""
    found, rest = [], fold(text)
    for value, label in choices:
        folded = fold(str(label))
        if re.search(rf"(?<![a-z]){re.escape(folded)}(?![a-z])", rest):
            found.append(value)
            rest = rest.replace(folded, " ")
    return found, rest


def _is_web_address(url: str) -> bool:
    if len(url) > 500:
        return False
    try:
        web_address(url)
    except ValidationError:
        return False
    return True


def _choice_of(choices, text: str) -> str | None:
    folded = fold(text)
    for value, label in choices:
        if folded in (fold(str(value)), fold(str(label))):
            return value
    return None


_FULL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
_ORDERED_FORMATS = {
    "mdy": (
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y",
        "%m-%d-%Y",
        "%m/%d/%y",
    ),
    "dmy": ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"),
}
_MONTH_FORMATS = ("%b-%y", "%b %Y", "%B %Y", "%m/%Y", "%Y-%m", "%b-%Y")


def parse_date(text: str, order: str = "mdy") -> tuple[date | None, str]:
    """The date ``text`` names and a note where it names less than a day: a month is stored as its
    first day, a year as 1 January, and the note says so."""
    text = " ".join(text.split())
    for pattern in (*_FULL_FORMATS, *_ORDERED_FORMATS.get(order, ())):
        try:
            return datetime.strptime(text, pattern).date(), ""
        except ValueError:
            continue
    for pattern in _MONTH_FORMATS:
        try:
            return datetime.strptime(
                text, pattern
            ).date(), "Only a month is given; stored as its first day."
        except ValueError:
            continue
    if re.fullmatch(r"(19|20)\d\d", text):
        return date(int(text), 1, 1), "Only a year is given; stored as 1 January."
    return None, ""
