"""The import pages' forms: the upload, and the mapping (each column's field, the key, the value
translations, what to create, and a name to save it under)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from imports.mapping import (
    IGNORE,
    NAMED_TARGETS,
    Mapping,
    fold,
    target_groups,
    target_kind,
)
from imports.models import SavedMapping
from imports.permissions import may_import_into, may_name_teams
from imports.preview import values_found
from imports.reading import ReadError
from imports.running import open_run_file
from imports.runs import new_run, read_upload
from portfolio.models import Team
from portfolio.permissions import is_admin, led_team_ids
from usecases.choices import AssessmentKind, Source
from usecases.custom_fields.values import active_fields
from usecases.models import UseCase


class UploadForm(forms.Form):
    file = forms.FileField(label="Register file")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The limit as it is now (a setting), not as it was when this module was imported.
        self.fields["file"].help_text = (
            f"CSV, XLSX or JSON, up to {filesizeformat(settings.IMPORT_MAX_BYTES)}: a "
            "spreadsheet, a tool's export, or a public inventory as it was published."
        )
        team = self.fields["team"]
        if is_admin(user):
            team.queryset = Team.objects.active()
            team.empty_label = "The units and teams the file names"
            team.label = "Put the use cases in"
        else:
            team.queryset = Team.objects.active().filter(pk__in=led_team_ids(user))
            team.required = True
            team.label = "Put every use case in the team"
            team.error_messages["required"] = "Choose the team you lead to import into."
        team.error_messages["invalid_choice"] = (
            "Choose a team you lead." if not is_admin(user) else "Choose a team that is active."
        )
        self.register = None
        self.file_bytes = b""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"{upload.name} is {filesizeformat(upload.size)}; the import takes files up to "
                f"{filesizeformat(settings.IMPORT_MAX_BYTES)}. Split it, or ask an operator to "
                "import it with manage.py import_register."
            )
        data = upload.read()
        try:
            self.register = read_upload(data, upload.name)
            # Read to the end: a fault deep in the file (a byte of another encoding, a broken
            # quote) is refused now, with its line, instead of stopping the mapping or the run.
            for _record in self.register.records():
                pass
        except ReadError as error:
            raise forms.ValidationError(str(error)) from None
        self.file_bytes = data
        return upload

    def new_run(self, actor):
        """The run that keeps the valid upload, its mapping suggested (``runs.new_run``)."""
        return new_run(
            data=self.file_bytes,
            name=self.cleaned_data["file"].name,
            register=self.register,
            actor=actor,
            team=self.cleaned_data.get("team"),
        )

    def clean_team(self):
        team = self.cleaned_data.get("team")
        if not may_import_into(self.user, team):
            raise forms.ValidationError("Choose a team you lead.")
        return team


def value_choices(target: str) -> list[tuple[str, str]]:
    kind = target_kind(target)
    if kind == "boolean":
        choices = [("true", "Yes"), ("false", "No")]
    elif kind == "assessments":
        choices = list(AssessmentKind.choices)
    else:
        model_field = UseCase._meta.get_field(target)
        base = getattr(model_field, "base_field", model_field)
        choices = [(str(value), str(label)) for value, label in base.choices]
    return [("", "— keep empty —"), *choices]


class MappingForm(forms.Form):
    """One select per source column; the key; for each choice field mapped, the values the file
    holds with what each becomes; and the run's options."""

    key = forms.MultipleChoiceField(
        label="Key columns",
        help_text="What tells one row from another, release after release (e.g. agency and id).",
    )
    key_fallback = forms.MultipleChoiceField(
        label="Where those are empty, key by",
        required=False,
        help_text="E.g. agency and title, for rows that have no id.",
    )
    create_missing = forms.BooleanField(
        label="Create the units, teams and products the file names that the registry lacks",
        required=False,
    )
    fallback_team = forms.CharField(
        label="Rows that name no team go into",
        max_length=120,
        required=False,
        help_text="A team by name (created if missing, when the box above is ticked).",
    )
    date_order = forms.ChoiceField(
        label="Dates such as 03/04/2024 mean",
        choices=[("mdy", "month/day/year (US)"), ("dmy", "day/month/year")],
    )
    register = forms.CharField(
        label="Name of this register",
        max_length=80,
        required=False,
        help_text="Keys are kept per register: two spreadsheets may both number rows from 1.",
    )
    save_as = forms.CharField(
        label="Save this mapping as",
        max_length=120,
        required=False,
        help_text="Optional: the next release of the same register starts from it.",
    )

    def __init__(
        self,
        *args,
        columns,
        mapping: Mapping,
        custom_fields,
        found,
        names_allowed,
        samples=None,
        user=None,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.user = user
        self.columns, self.mapping, self.found = columns, mapping, found
        self.samples = samples or {}
        groups = [
            (label, options) if label else options[0]
            for label, options in target_groups(custom_fields)
        ]
        self.column_fields = []
        for index, column in enumerate(columns):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=column,
                choices=groups,
                required=False,
                initial=mapping.columns.get(column, IGNORE),
            )
            self.column_fields.append(name)
        column_choices = [(c, c) for c in columns]
        self.fields["key"].choices = column_choices
        self.fields["key_fallback"].choices = column_choices
        self.initial.update(
            key=mapping.key,
            key_fallback=mapping.key_fallback,
            create_missing=mapping.create_missing,
            fallback_team=mapping.fallback_team,
            date_order=mapping.date_order,
            register=mapping.register,
        )
        if not names_allowed:
            for name in ("create_missing", "fallback_team"):
                del self.fields[name]
        if mapping.source != Source.FILE:
            del self.fields["register"]
        self.value_fields = {}
        for target, values in found.items():
            rows = []
            for index, (text, count, current) in enumerate(values):
                name = f"val_{target}_{index}"
                self.fields[name] = forms.ChoiceField(
                    label=text, choices=value_choices(target), required=False, initial=current
                )
                rows.append((name, count))
            self.value_fields[target] = rows

    def column_rows(self):
        """(select, an example value from the file) per column."""
        return [(self[name], self.samples.get(self[name].label, "")) for name in self.column_fields]

    def option_rows(self):
        names = (
            "key",
            "key_fallback",
            "create_missing",
            "fallback_team",
            "date_order",
            "register",
            "save_as",
        )
        return [self[name] for name in names if name in self.fields]

    def value_rows(self):
        labels = {**NAMED_TARGETS}
        for target, rows in self.value_fields.items():
            label = labels.get(target) or str(UseCase._meta.get_field(target).verbose_name)
            yield label, [(self[name], count) for name, count in rows]

    def clean_save_as(self):
        name = " ".join(self.cleaned_data.get("save_as", "").split())
        taken = SavedMapping.objects.filter(name=name).first()
        theirs = taken is not None and taken.created_by_id != getattr(self.user, "pk", None)
        if name and theirs and not is_admin(self.user):
            raise forms.ValidationError(
                f"A mapping named “{name}” is someone else's (scheduled imports may use it); "
                "choose another name."
            )
        return name

    def clean(self):
        cleaned = super().clean()
        targets = {cleaned.get(name) for name in self.column_fields}
        if "title" not in targets:
            raise forms.ValidationError("Map a column to the title: every use case needs one.")
        if self.mapping.source == Source.FILE and not cleaned.get("register", "").strip():
            self.add_error("register", "Name the register, so its keys stay its own.")
        return cleaned

    def mapped(self) -> Mapping:
        data = self.cleaned_data
        values = {}
        for target, rows in self.value_fields.items():
            chosen = {fold(self.fields[name].label): data.get(name, "") for name, _ in rows}
            values[target] = {**self.mapping.values.get(target, {}), **chosen}
        return Mapping(
            columns={c: data.get(f"col_{i}") or IGNORE for i, c in enumerate(self.columns)},
            key=list(data["key"]),
            key_fallback=list(data.get("key_fallback") or []),
            values=values,
            source=self.mapping.source,
            register=" ".join(data.get("register", self.mapping.register).split()),
            create_missing=data.get("create_missing", False),
            date_order=data["date_order"],
            format=self.mapping.format,
            fallback_team=" ".join(data.get("fallback_team", "").split()),
        )


def mapping_form(run, mapping: Mapping, *, user, data=None, register=None, samples=None):
    """The mapping form of ``run`` starting from ``mapping``: its columns, the values its file
    holds, and the units and teams to create only when ``user`` may name them and the run has
    no team of its own. ``data``: as submitted; ``"confirmed"``: as it starts, every select as
    suggested (what confirming the page unchanged sends, so a mapping taken without the page
    passes the page's checks)."""
    register = register or open_run_file(run)
    arguments = {
        "samples": samples,
        "columns": register.columns,
        "mapping": mapping,
        "custom_fields": active_fields(),
        "found": values_found(run, mapping),
        "names_allowed": may_name_teams(user) and run.team is None,
        "user": user,
    }
    if data == "confirmed":
        unbound = MappingForm(None, **arguments)
        data = {name: unbound[name].value() for name in unbound.fields}
        data = {name: value for name, value in data.items() if value is not None}
    return MappingForm(data, **arguments)
