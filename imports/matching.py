"""The units, teams, products and goals a file names, matched to the registry's by name (case and
white space ignored) and, where the mapping says so, created: never twice, so a second import of the
same file finds what the first created.

A team is placed under its unit, or at the end of its path of units (the registry's own export). Team names are unique across the registry, yet registers repeat
them under different units ("Office of the Secretary" in many departments): a team of that name
under another unit is not this one, so this one is created as "Office of the Secretary (Unit)".
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.history import history_context
from imports.mapping import fold
from imports.models import CREATED_BY_IMPORT
from portfolio.choices import TeamKind
from portfolio.models import Product, StrategicGoal, Team
from portfolio.naming import unique_slug

NAME_LIMIT = 120
# Between the units of a team's path, as the registry's export writes it.
PATH_SEPARATOR = "›"


class NotFound(Exception):
    """A name the registry has no row for, and may not create. ``str()`` says which."""


def _named(name: str) -> str:
    return " ".join(name.split())[:NAME_LIMIT]


class Names:
    """Resolves names for one import. ``create``: units, teams and products not found are created
    (only while ``writing``; a preview reports them as to be created). Caches what it resolved, so
    a file naming one team in a thousand rows looks it up once."""

    def __init__(self, *, create: bool, writing: bool):
        self.create, self.writing = create, writing
        self.teams: dict[str, Team | None] = {}
        self.products: dict[str, Product | None] = {}
        self.goals: dict[str, StrategicGoal | None] = {}
        self.to_create: dict[str, set[str]] = {"unit": set(), "team": set(), "product": set()}
        self._loaded = False

    def _load_teams(self) -> None:
        if not self._loaded:
            for team in Team.objects.all():
                self.teams.setdefault(fold(team.name), team)
            self._loaded = True

    def team(self, unit_name: str = "", team_name: str = "") -> Team | None:
        """The team a row goes into: ``team_name`` under ``unit_name``; only a unit: the unit
        itself; only a team: that team wherever it sits. None in a preview for what is still to be
        created. Raises NotFound."""
        self._load_teams()
        if not unit_name and PATH_SEPARATOR in team_name:
            path = [part.strip() for part in team_name.split(PATH_SEPARATOR) if part.strip()]
            return self._team_at(path)
        unit = self._unit(unit_name) if unit_name else None
        if not team_name or (unit_name and fold(team_name) == fold(unit_name)):
            return unit
        found = self.teams.get(fold(team_name))
        if found is not None and (not unit_name or found.parent_id == getattr(unit, "pk", -1)):
            return found
        if unit_name:
            qualified = _named(f"{team_name} ({unit_name})")
            if fold(qualified) in self.teams:
                return self.teams[fold(qualified)]
            name = qualified if found is not None else _named(team_name)
        else:
            name = _named(team_name)
        return self._new_team(name, unit, "team")

    def _team_at(self, path: list[str]) -> Team | None:
        """The team a path of units names ("Department › Agency › Team", as the registry's
        export writes it): each level matched under the one before, or created there."""
        team = None
        for depth, name in enumerate(path):
            above, found = team, self.teams.get(fold(name))
            if found is not None and (depth == 0 or found.parent_id == getattr(above, "pk", -1)):
                team = found
                continue
            if found is not None:  # a team of this name sits under another unit
                name = _named(f"{name} ({path[depth - 1]})")
                if fold(name) in self.teams:
                    team = self.teams[fold(name)]
                    continue
            team = self._new_team(_named(name), above, "team" if depth else "unit")
        return team

    def _unit(self, unit_name: str) -> Team | None:
        found = self.teams.get(fold(unit_name))
        if found is not None:
            return found
        return self._new_team(_named(unit_name), None, "unit")

    def _new_team(self, name: str, parent: Team | None, noun: str) -> Team | None:
        if not self.create:
            raise NotFound(f"No {noun} is named “{name}”; tick “create what is missing”.")
        if not self.writing:
            self.to_create[noun].add(name)
            return None
        for attempt in range(3):
            try:
                with transaction.atomic(), history_context(service=CREATED_BY_IMPORT):
                    team = Team.objects.create(
                        name=name,
                        slug=unique_slug(Team, name),
                        kind=TeamKind.BUSINESS,
                        parent=parent,
                    )
                break
            except IntegrityError:
                # Created meanwhile (another import, an admin): that one, found as names are
                # compared here; or a slug taken meanwhile: try again with a fresh one.
                self._loaded = False
                self._load_teams()
                if fold(name) in self.teams:
                    return self.teams[fold(name)]
                if attempt == 2:
                    raise
        self.teams[fold(name)] = team
        return team

    def products_named(self, names: list[str], team: Team | None) -> list[Product]:
        found = []
        for name in names:
            key = fold(name)
            if key not in self.products:
                self.products[key] = Product.objects.filter(name__iexact=_named(name)).first()
            product = self.products[key]
            if product is None:
                product = self._new_product(_named(name), team)
            if product is not None and product not in found:
                found.append(product)
        return found

    def _new_product(self, name: str, team: Team | None) -> Product | None:
        if not self.create:
            raise NotFound(f"No product is named “{name}”; tick “create what is missing”.")
        if not self.writing or team is None:
            self.to_create["product"].add(name)
            return None
        for attempt in range(3):
            try:
                with transaction.atomic(), history_context(service=CREATED_BY_IMPORT):
                    product = Product.objects.create(
                        name=name, slug=unique_slug(Product, name), team=team
                    )
                break
            except IntegrityError:  # created meanwhile: that one; or a slug taken: a fresh one
                product = Product.objects.filter(name__iexact=name).first()
                if product is not None:
                    break
                if attempt == 2:
                    raise
        self.products[fold(name)] = product
        return product

    def goals_named(self, titles: list[str]) -> list[StrategicGoal]:
        found = []
        for title in titles:
            key = fold(title)
            if key not in self.goals:
                self.goals[key] = StrategicGoal.objects.filter(title__iexact=title.strip()).first()
            if self.goals[key] is None:
                raise NotFound(f"No strategic goal is titled “{title}”; goals are not created.")
            found.append(self.goals[key])
        return found
