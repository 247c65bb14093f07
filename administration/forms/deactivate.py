"""The guided deactivation's form: one successor for everything, and per row someone else."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from administration.selectors import Holdings, successor_choices
from core.people import person_label
from portfolio.models import Membership
from usecases.forms.fields import PersonField

User = get_user_model()


class UsernameField(forms.CharField):
    """Someone other than the default successor for one row, by username (a browser offers the
    names in the row's team from a ``<datalist>``; no JavaScript needed). ``DeactivateForm.clean``
    looks every typed username up at once."""

    def __init__(self, *, suggestions: str = "", **kwargs):
        attrs = {"autocomplete": "off", "spellcheck": "false", "placeholder": "username"}
        if suggestions:
            attrs["list"] = suggestions
        super().__init__(
            required=False, max_length=200, widget=forms.TextInput(attrs=attrs), **kwargs
        )


# "Name (username)", as a datalist shows a choice, is taken as the username in brackets.
_LABELLED = re.compile(r"\(([^()]+)\)\s*$")

NO_LEAD = "none"

# The rows that need someone when no successor for everything is chosen, and what to ask.
WANTED_ROWS = [
    ("usecase", "Choose a new owner for {} — or one for everything."),
    ("author", "Choose a new author for {} — or one person for everything."),
    ("handover", "Choose who takes {} if the new owner declines — or one person for everything."),
]


def datalist_id(team_id) -> str:
    return f"team-{team_id}-people"


def _involved_teams(holdings: Holdings) -> set:
    """The teams every row belongs to, for the suggestions and the lead choices."""
    return (
        {u.team_id for u in holdings.owned}
        | {u.team_id for u in holdings.authored}
        | {t.usecase.team_id for t in holdings.handing_over}
        | {p.team_id for p in holdings.products}
        | {team.pk for team in holdings.led_teams}
    )


class DeactivateForm(forms.Form):
    """One successor for everything, and per row someone else by username.

    The page stays small whatever the person holds and however many people there are: a chooser
    for the default (``usecases.choosers.widgets``), one suggestion list per team involved, and a
    text field per row; never a list of everyone.
    """

    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=300,
        help_text="Shown to the new owners and kept in the history.",
    )

    def __init__(self, *args, holdings: Holdings, **kwargs):
        super().__init__(*args, **kwargs)
        self.holdings = holdings
        # A chooser: a few people on the page and a search for the rest, never everyone.
        self.fields["default_owner"] = PersonField(
            queryset=successor_choices(holdings.person),
            required=False,
            empty_label="---------",
            label="New owner for everything below",
            help_text="Takes over whatever you leave empty below: use cases, authorship, "
            "handovers, products, goals and the lead of the teams they alone lead.",
        )
        self.order_fields(["default_owner", "reason"])
        self.team_people = self._team_people()
        self.rows = {"usecase": [], "author": [], "handover": [], "product": [], "goal": []}
        self._add_rows()
        self.lead_rows = [(team, self._add_lead_row(team)) for team in holdings.led_teams]

    def _team_people(self) -> dict[int, list]:
        """The active people of each team involved, but the leaver, by team pk."""
        team_ids = _involved_teams(self.holdings)
        team_people: dict[int, list] = {team_id: [] for team_id in team_ids}
        for membership in (
            Membership.objects.filter(team_id__in=team_ids, user__is_active=True)
            .exclude(user=self.holdings.person)
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "user__username")
        ):
            team_people[membership.team_id].append(membership.user)
        return team_people

    def _row(self, kind, item, key, label, team_id=None) -> None:
        name = f"{kind}_{key}"
        self.fields[name] = UsernameField(
            label=label, suggestions=datalist_id(team_id) if team_id else ""
        )
        self.rows[kind].append((item, name))

    def _add_rows(self) -> None:
        holdings = self.holdings
        for usecase in holdings.owned:
            self._row(
                "usecase", usecase, usecase.pk, f"New owner of {usecase.key}", usecase.team_id
            )
        for usecase in holdings.authored:
            self._row(
                "author", usecase, usecase.pk, f"New author of {usecase.key}", usecase.team_id
            )
        for transfer in holdings.handing_over:
            usecase = transfer.usecase
            self._row(
                "handover",
                transfer,
                usecase.pk,
                f"Who takes {usecase.key} if {person_label(transfer.to_owner)} declines",
                usecase.team_id,
            )
        for product in holdings.products:
            self._row(
                "product", product, product.pk, f"New manager of {product.name}", product.team_id
            )
        for goal in holdings.goals:
            self._row("goal", goal, goal.pk, f"New owner of goal {goal.title}")

    def _add_lead_row(self, team) -> str:
        name = f"lead_{team.pk}"
        self.fields[name] = forms.ChoiceField(
            label=f"New lead of {team}",
            required=False,
            choices=[
                ("", "The new owner chosen above (added to the team if need be)"),
                *((str(user.pk), person_label(user)) for user in self.team_people[team.pk]),
                (NO_LEAD, "Nobody for now: the team has no lead until you choose one"),
            ],
        )
        return name

    def _row_names(self) -> list[str]:
        return [name for rows in self.rows.values() for _, name in rows]

    def datalists(self):
        """``(id, people)`` of each suggestion list a row refers to."""
        used = {self.fields[name].widget.attrs.get("list") for name in self._row_names()}
        return [
            (datalist_id(team_id), people)
            for team_id, people in self.team_people.items()
            if datalist_id(team_id) in used
        ]

    def clean(self):
        cleaned = super().clean()
        self._clean_typed_people(cleaned)
        self._clean_leads(cleaned)
        if not self.errors and cleaned.get("default_owner") is None:
            self._require_someone_per_row(cleaned)
        return cleaned

    def _clean_typed_people(self, cleaned: dict) -> None:
        """Each row's typed username (or "Name (username)") as the active person it names, all
        looked up at once; None where nothing was typed."""
        typed = {}
        for name in self._row_names():
            text = (cleaned.get(name) or "").strip()
            if text:
                labelled = _LABELLED.search(text)
                typed[name] = (labelled.group(1) if labelled else text).strip()
        wanted = {username.lower() for username in typed.values()}
        found = {
            user.lowered: user
            for user in User.objects.annotate(lowered=Lower("username")).filter(
                lowered__in=wanted, is_active=True
            )
        }
        for name, username in typed.items():
            user = found.get(username.lower())
            if user is None:
                self.add_error(name, f"Nobody active has the username “{username}”.")
            elif user.pk == self.holdings.person.pk:
                self.add_error(name, "Choose someone other than the person leaving.")
            else:
                cleaned[name] = user
        for name in self._row_names():
            if name not in typed:
                cleaned[name] = None

    def _clean_leads(self, cleaned: dict) -> None:
        for team, name in self.lead_rows:
            value = cleaned.get(name) or ""
            if value == NO_LEAD:
                cleaned[name] = NO_LEAD
            elif value:
                members = {str(user.pk): user for user in self.team_people[team.pk]}
                cleaned[name] = members[value]  # the choices allow nothing else
            else:
                cleaned[name] = None

    def _require_someone_per_row(self, cleaned: dict) -> None:
        """Without a successor for everything, each use case, authorship, handover and led team
        needs its own."""
        for kind, message in WANTED_ROWS:
            missing = [
                self._row_key(kind, item)
                for item, name in self.rows[kind]
                if cleaned.get(name) is None
            ]
            if missing:
                self.add_error(None, message.format(", ".join(missing)))
        leaderless = [str(team) for team, name in self.lead_rows if cleaned.get(name) is None]
        if leaderless:
            self.add_error(
                None,
                f"Choose a new lead for {', '.join(leaderless)} — or one new owner for "
                "everything, who becomes lead — or say the team has no lead for now.",
            )

    @staticmethod
    def _row_key(kind, item) -> str:
        return item.usecase.key if kind == "handover" else item.key

    def successors(self) -> dict:
        """The keyword arguments of ``person_deactivate`` (the person and actor aside)."""

        def chosen(kind):
            return {
                self._pk(kind, item): self.cleaned_data[name]
                for item, name in self.rows[kind]
                if self.cleaned_data.get(name) is not None
            }

        leads = {}
        for team, name in self.lead_rows:
            value = self.cleaned_data.get(name)
            if value == NO_LEAD:
                leads[team.pk] = None
            elif value is not None:
                leads[team.pk] = value
        return {
            "successor": self.cleaned_data.get("default_owner"),
            "usecase_owners": chosen("usecase"),
            "authors": chosen("author"),
            "handovers": chosen("handover"),
            "product_managers": chosen("product"),
            "goal_owners": chosen("goal"),
            "team_leads": leads,
            "reason": self.cleaned_data.get("reason", ""),
        }

    @staticmethod
    def _pk(kind, item):
        return item.usecase_id if kind == "handover" else item.pk
