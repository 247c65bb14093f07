"""``UseCase.goal_ids`` and ``product_ids`` follow the links whoever writes them: the services, the
ORM outside them, bulk writes, updates of link rows, raw SQL, TRUNCATE. The dashboard groups by these columns, so a stale array
would be a wrong count on a leader's screen."""

import pgtrigger
import pytest
from django.db import connection

from tests.conftest import make_usecase
from tests.factories import GoalFactory, ProductFactory
from usecases import dashboard
from usecases.filters import UseCaseFilter
from usecases.models.history import UseCaseHistory
from usecases.models.link_sets import LINK_SET_TRIGGERS, repair_link_sets
from usecases.models.usecase import UseCase

pytestmark = pytest.mark.django_db


def stored(usecase):
    return UseCase.objects.values_list("goal_ids", "product_ids").get(pk=usecase.pk)


def test_a_new_use_case_stores_the_ids_of_its_goals_and_products(org):
    second = GoalFactory()
    usecase = make_usecase(org=org, goals=[second, org.goal])
    assert stored(usecase) == (sorted([org.goal.pk, second.pk]), [org.product.pk])


def test_links_changed_outside_the_services_are_followed(org, usecase):
    goal, product = GoalFactory(), ProductFactory(team=org.team)
    usecase.goals.add(goal)
    usecase.products.set([product])
    assert stored(usecase) == (sorted([org.goal.pk, goal.pk]), [product.pk])

    usecase.goals.remove(org.goal)
    UseCase.products.through.objects.filter(usecase=usecase).delete()
    assert stored(usecase) == ([goal.pk], [])

    UseCase.goals.through.objects.bulk_create(
        [UseCase.goals.through(usecase_id=usecase.pk, strategicgoal_id=org.goal.pk)]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM usecases_usecase_goals WHERE usecase_id = %s AND strategicgoal_id = %s",
            [usecase.pk, goal.pk],
        )
    assert stored(usecase) == ([org.goal.pk], [])


def test_saving_a_stale_instance_cannot_write_old_ids(org, usecase):
    stale = UseCase.objects.get(pk=usecase.pk)
    goal = GoalFactory()
    usecase.goals.set([goal])
    stale.title = "Renamed"
    stale.save()  # the instance still holds the old goal_ids
    assert stored(usecase)[0] == [goal.pk]


def test_keeping_the_ids_adds_no_use_case_history(org, usecase):
    before = UseCaseHistory.objects.filter(pgh_obj=usecase).count()
    usecase.goals.add(GoalFactory())
    usecase.products.clear()
    assert UseCaseHistory.objects.filter(pgh_obj=usecase).count() == before


def test_the_dashboard_counts_a_goal_linked_outside_the_services(org, usecase):
    """A use case serving no goal, then linked to one in the shell: the "no goal" tile and the goal
    tree follow at once."""
    usecase.goals.clear()

    def scope():
        filterset = UseCaseFilter(dashboard.scope_data({}), queryset=UseCase.objects.all())
        return dashboard.DashboardScope.from_filter(filterset)

    assert scope().totals["no_goal"] == 1
    usecase.goals.add(org.goal)
    fresh = scope()
    assert fresh.totals["no_goal"] == 0
    row = next(row for row in dashboard.goal_tree_panel(fresh) if row.goal == org.goal)
    assert row.total.count == 1


def test_a_link_row_moved_to_another_goal_or_use_case_is_followed(org, usecase):
    """Merging goals in the shell moves link rows with an UPDATE, not an insert and a delete."""
    other = make_usecase(org=org, title="Another", products=[])
    merged = GoalFactory()
    UseCase.goals.through.objects.filter(strategicgoal=org.goal).update(strategicgoal=merged)
    assert stored(usecase)[0] == [merged.pk]
    UseCase.products.through.objects.filter(usecase=usecase).update(usecase=other)
    assert stored(usecase)[1] == []
    assert stored(other)[1] == [org.product.pk]


def test_truncating_a_link_table_empties_the_arrays(org, usecase):
    with connection.cursor() as cursor:
        # The test's transaction still holds deferred foreign-key checks, which TRUNCATE refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE usecases_usecase_goals")
    assert stored(usecase) == ([], [org.product.pk])


def test_links_written_around_the_triggers_are_repaired(org, usecase):
    """A data migration runs before the link tables' triggers are installed; the repair after
    ``migrate`` brings the arrays in line."""
    goal = GoalFactory()
    with pgtrigger.ignore(*LINK_SET_TRIGGERS):
        usecase.goals.add(goal)
    assert stored(usecase)[0] == [org.goal.pk]  # behind
    assert repair_link_sets() == 1
    assert stored(usecase)[0] == sorted([org.goal.pk, goal.pk])
    assert repair_link_sets() == 0  # nothing left to fix
