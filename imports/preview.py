"""What the mapping and preview pages show before anything is written: the values a file holds
for each choice field (with what each will become), and the plan of every row: the first rows as
they will be stored, every row's issues, the counts, and the names to be created."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from imports.converting import Converter
from imports.mapping import (
    NAMED_TARGETS,
    VALUE_KINDS,
    Mapping,
    field_targets,
    fold,
    target_kind,
)
from imports.models import Outcome
from imports.running import Planned, open_run_file, plan_batches, planner_for
from usecases.choices import AssessmentKind
from usecases.custom_fields.values import active_fields
from usecases.models import UseCase

VALUES_SHOWN = 60
ROWS_SHOWN = 20
ISSUES_SHOWN = 2000


def values_found(run, mapping: Mapping) -> dict[str, list[tuple[str, int, str]]]:
    """For each choice, yes/no or assessment field a column fills: the values the file holds
    (the most frequent first, at most ``VALUES_SHOWN``), how often, and what each becomes now."""
    converter = Converter(mapping, active_fields(), team_fixed=run.team is not None)
    targets = {t: cols for t, cols in converter.targets.items() if target_kind(t) in VALUE_KINDS}
    counts: dict[str, Counter] = {target: Counter() for target in targets}
    first_spelling: dict[tuple[str, str], str] = {}
    for record in open_run_file(run).records():
        for target, columns in targets.items():
            for column in columns:
                text = record.get(column, "")
                for item in converter.items(target, text):
                    key = fold(item)
                    counts[target][key] += 1
                    first_spelling.setdefault((target, key), item)
    return {
        target: [
            (
                first_spelling[(target, key)],
                count,
                converter.guess(target, first_spelling[(target, key)]),
            )
            for key, count in counter.most_common(VALUES_SHOWN)
        ]
        for target, counter in counts.items()
        if counter
    }


@dataclass
class Preview:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Outcome.values, 0))
    first: list[Planned] = field(default_factory=list)
    issues: list[tuple[int, str, str, str, bool]] = field(
        default_factory=list
    )  # row, column, value, why, fails
    more_issues: int = 0
    to_create: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def shown_fields(mapping: Mapping) -> list[tuple[str, str]]:
    """(target, label) of the fields the mapping fills, in the form's order (the title first),
    for the preview."""
    filled = mapping.targets()
    return [
        (target, str(UseCase._meta.get_field(target).verbose_name))
        for target in field_targets()
        if target in filled and target not in NAMED_TARGETS
    ]


def shown_value(target: str, value) -> str:
    """A value as the preview shows it: a choice by its label, a list as its items, yes or no,
    an assessment by its kind; never a Python repr or a stored code."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    model_field = UseCase._meta.get_field(target)
    labels = dict(getattr(model_field, "base_field", model_field).choices or ())
    if target == "impact_assessments":
        labels = dict(AssessmentKind.choices)
        value = [item["kind"] for item in value]
    items = value if isinstance(value, list | tuple) else [value]
    return "; ".join(str(labels.get(item, item)) for item in items)


def build_preview(run, mapping: Mapping) -> Preview:
    preview = Preview()
    planner = planner_for(run, mapping, writing=False)
    for batch in plan_batches(planner, run):
        for item in batch:
            preview.counts[item.outcome] += 1
            if len(preview.first) < ROWS_SHOWN:
                preview.first.append(item)
            found = [(i.column, i.value, i.why, not i.kept_empty) for i in item.issues]
            if item.why:
                found.append(("", "", item.why, False))
            for column, value, why, fails in found:
                if len(preview.issues) < ISSUES_SHOWN:
                    preview.issues.append((item.row.number, column, value, why, fails))
                else:
                    preview.more_issues += 1
    preview.to_create = {
        noun: sorted(names) for noun, names in planner.names.to_create.items() if names
    }
    return preview
