"""The count tables of a goal's or product's own dashboard (``usecases.models.summary``): each
row keyed by a goal served (directly or through a goal beneath it) or a product run on as well,
kept by the same triggers as the tables they follow (migration ``0024_scope_counts``); their team
tallies, by statement triggers on the scope counts (``0026_scope_tallies``)."""

from django.db import models

from usecases.models.summary import (
    AreaColumns,
    AreaCount,
    CountRow,
    GoalCount,
    GoalEvidenceCount,
    ProductColumns,
    ProductCount,
    ProfileColumns,
    ProfileCount,
    TallyColumns,
    TeamColumns,
    TeamCount,
    TeamTally,
    UseCaseFact,
    keyed,
)

# A goal filter with its sub-goals reads the goal's rows of these, as the dashboard unfiltered
# reads the tables they follow: each row is keyed by a goal as well, and counts the use cases
# serving that goal or any goal beneath it (each once per goal).


class GoalScopeCount(TeamColumns):
    """``TeamCount`` per goal served: the dashboard filtered by a goal with its sub-goals reads
    that goal's rows as the unfiltered one reads the team counts, whatever share of the registry
    the goal holds."""

    goal_id = models.BigIntegerField()

    class Meta(TeamColumns.Meta):
        constraints = keyed("goalscopecount", "goal_id", *TeamColumns.KEY)


class GoalScopeTally(TallyColumns):
    """``TeamTally`` per goal served: the goal's dashboard reads a row per team and slot of its
    own instead of filtering its team counts 22 times (kept from ``GoalScopeCount`` by statement
    triggers, migration ``0026_scope_tallies``)."""

    goal_id = models.BigIntegerField()

    class Meta(TallyColumns.Meta):
        constraints = keyed("goalscopetally", "goal_id", "team_id")


class GoalProductCount(ProductColumns):
    """``ProductCount`` per goal served."""

    goal_id = models.BigIntegerField()

    class Meta(ProductColumns.Meta):
        constraints = keyed("goalproductcount", "goal_id", *ProductColumns.KEY)


class GoalAreaCount(AreaColumns):
    """``AreaCount`` per goal served."""

    goal_id = models.BigIntegerField()

    class Meta(AreaColumns.Meta):
        constraints = keyed("goalareacount", "goal_id", *AreaColumns.KEY)


class GoalProfileCount(ProfileColumns):
    """``ProfileCount`` per goal served."""

    goal_id = models.BigIntegerField()

    class Meta(ProfileColumns.Meta):
        constraints = keyed("goalprofilecount", "goal_id", *ProfileColumns.KEY)


# A product filter alone reads the product's rows of these: the team counts per team (the team
# table), the rest for the whole organisation (``team_id`` 0 only; with a team filter as well,
# the facts are counted).


class ProductScopeCount(TeamColumns):
    """``TeamCount`` per product run on."""

    product_id = models.BigIntegerField()

    class Meta(TeamColumns.Meta):
        constraints = keyed("productscopecount", "product_id", *TeamColumns.KEY)


class ProductScopeTally(TallyColumns):
    """``TeamTally`` per product run on (kept from ``ProductScopeCount``, as ``GoalScopeTally``)."""

    product_id = models.BigIntegerField()

    class Meta(TallyColumns.Meta):
        constraints = keyed("productscopetally", "product_id", "team_id")


class ProductGoalCount(CountRow):
    """``GoalCount`` per product run on, for the whole organisation."""

    product_id = models.BigIntegerField()
    goal_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    signable = models.BooleanField()
    phase = models.CharField(max_length=10, blank=True)

    class Meta(CountRow.Meta):
        constraints = keyed(
            "productgoalcount", "product_id", "team_id", "goal_id", "status", "signable", "phase"
        )


class ProductGoalEvidenceCount(CountRow):
    """``GoalEvidenceCount`` per product run on, for the whole organisation."""

    product_id = models.BigIntegerField()
    goal_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    evidence_status = models.CharField(max_length=20)

    class Meta(CountRow.Meta):
        constraints = keyed(
            "productgoalevidencecount", "product_id", "team_id", "goal_id", "evidence_status"
        )


class ProductAreaCount(AreaColumns):
    """``AreaCount`` per product run on, for the whole organisation."""

    product_id = models.BigIntegerField()

    class Meta(AreaColumns.Meta):
        constraints = keyed("productareacount", "product_id", *AreaColumns.KEY)


class ProductProfileCount(ProfileColumns):
    """``ProfileCount`` per product run on, for the whole organisation."""

    product_id = models.BigIntegerField()

    class Meta(ProfileColumns.Meta):
        constraints = keyed("productprofilecount", "product_id", *ProfileColumns.KEY)


SUMMARY_MODELS = (
    UseCaseFact,
    TeamCount,
    TeamTally,
    GoalCount,
    GoalEvidenceCount,
    ProductCount,
    AreaCount,
    ProfileCount,
    GoalScopeCount,
    GoalScopeTally,
    GoalProductCount,
    GoalAreaCount,
    GoalProfileCount,
    ProductScopeCount,
    ProductScopeTally,
    ProductGoalCount,
    ProductGoalEvidenceCount,
    ProductAreaCount,
    ProductProfileCount,
)
