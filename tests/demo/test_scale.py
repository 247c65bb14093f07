"""The scale generator (``seed_demo --scale N``): a realistic organisation rather than twenty
people owning everything, every use case linked and with the history its status implies, the
id arrays equal to the links, and the pages reading it as they read the workflow's own rows."""

from collections import Counter
from io import StringIO

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from demo import scale as demo_scale
from demo.scale import seed_scale
from demo.scale_org import SCALE_ADMIN_USERNAME
from portfolio.models import Membership, StrategicGoal, Team
from usecases.choices import EventKind, Status
from usecases.models import (
    Measurement,
    Review,
    SignOff,
    UseCase,
    UseCaseEvent,
    UseCaseHistory,
    repair_link_sets,
)
from usecases.selectors import search_usecases, usecase_timeline

User = get_user_model()
COUNT = 300


@pytest.fixture
def scaled(db):
    return seed_scale(count=COUNT)


def test_the_organisation_has_many_teams_under_units_and_people_spread(scaled):
    teams = Team.objects.filter(usecases__isnull=False).distinct()
    assert teams.count() >= 10
    # Teams sit under divisions, which sit under directorates.
    assert not teams.filter(parent__isnull=True).exists()
    assert not teams.filter(parent__parent__isnull=True).exists()
    assert Membership.objects.filter(role="lead").values("team").distinct().count() >= 12
    authors = Counter(UseCase.objects.values_list("author_id", flat=True))
    assert len(authors) >= 50
    assert max(authors.values()) < COUNT * 0.1
    # Goals form a hierarchy: visions, goals, objectives.
    assert StrategicGoal.objects.filter(parent__parent__isnull=False).count() >= 6
    assert User.objects.get(username=SCALE_ADMIN_USERNAME).is_staff


def test_every_use_case_is_linked_and_its_id_arrays_follow_the_links(scaled):
    assert UseCase.objects.count() == COUNT
    assert not UseCase.objects.filter(products__isnull=True).exists()
    assert not UseCase.objects.filter(goals__isnull=True).exists()
    assert repair_link_sets() == 0  # nothing to fix: the arrays equal the link tables
    usecase = UseCase.objects.order_by("?").first()
    assert usecase.goal_ids == sorted(usecase.goals.values_list("pk", flat=True))
    assert usecase.product_ids == sorted(usecase.products.values_list("pk", flat=True))


def test_history_follows_each_status(scaled):
    statuses = Counter(UseCase.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert UseCaseEvent.objects.filter(kind=EventKind.CREATED).count() == COUNT
    assert Review.objects.filter(decided_at__isnull=True).count() == statuses[Status.IN_REVIEW]
    signed = statuses[Status.ACTIVE] + statuses[Status.RETIRED]
    assert SignOff.objects.filter(superseded_at__isnull=True).count() == signed
    assert not SignOff.objects.filter(material_digest="").exists()
    with connection.cursor() as cursor:  # each binds the text as the insert trigger would
        cursor.execute(
            "SELECT count(*) FROM usecases_signoff s JOIN usecases_usecase u "
            "ON u.id = s.usecase_id WHERE s.material_digest <> usecase_material_digest(u)"
        )
        assert cursor.fetchone()[0] == 0
    assert Measurement.objects.exists()
    assert UseCaseHistory.objects.filter(pgh_label="insert").count() == COUNT
    # Active use cases carry the dates their sign-off left.
    assert not UseCase.objects.filter(status=Status.ACTIVE, signed_off_at__isnull=True).exists()


def test_the_timeline_shows_the_workflow_not_the_load(scaled):
    usecase = UseCase.objects.filter(status=Status.ACTIVE).first()
    entries = usecase_timeline(usecase)
    assert [entry.source for entry in entries] == ["event"] * len(entries)
    assert {entry.title for entry in entries} >= {"Created", "Submitted for review", "Signed off"}
    longest = UseCaseEvent.objects.values("usecase").annotate(n=Count("pk")).order_by("-n").first()
    assert longest["n"] > 60


def test_my_work_and_reviews_read_the_generated_rows(scaled, client):
    lead = Membership.objects.filter(role="lead", team__usecases__isnull=False).first().user
    client.force_login(lead)
    assert client.get("/").status_code == 200
    reviewer = Review.objects.filter(reviewer__isnull=False).first().reviewer
    client.force_login(reviewer)
    response = client.get("/reviews/")
    assert response.status_code == 200
    waiting = UseCase.objects.filter(status=Status.IN_REVIEW).exclude(author=reviewer).first()
    assert waiting.key in response.content.decode()


def test_a_second_run_adds_use_cases_to_the_same_organisation(scaled):
    teams = Team.objects.count()
    seed_scale(count=20)
    assert UseCase.objects.count() == COUNT + 20
    assert Team.objects.count() == teams
    assert repair_link_sets() == 0


def test_the_command_refuses_without_debug_and_reports_its_rows(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"DEBUG off.*--force"):
        call_command("seed_demo", "--scale", "10", stdout=StringIO())
    assert not UseCase.objects.exists()
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", "--scale", "10", stdout=out)
    assert "Added 10 use cases to the scale organisation" in out.getvalue()
    assert UseCase.objects.filter(team__slug__startswith="scale-").count() == 10


def test_the_dashboard_summary_counts_what_the_load_wrote(scaled):
    """The load bypasses the triggers; its last step rebuilds the dashboard's summary, so a second
    rebuild finds nothing to mend and the summary holds every use case."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT usecases_summary_rebuild()")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT coalesce(sum(n), 0) FROM usecases_teamcount")
        assert cursor.fetchone()[0] == UseCase.objects.count()


def _indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "ORDER BY indexname"
        )
        return cursor.fetchall()


# Unique, though not constraints (``UniqueConstraint(condition=...)``): they stay for a load.
PARTIAL_UNIQUE = {
    "review_one_open_per_usecase",
    "signoff_one_current_per_usecase",
    "usecase_unique_external_ref",
}
SUMMARY_GIN = {
    "usecasefact_goal_closure",
    "usecasefact_goals",
    "usecasefact_products",
    # The waiting use cases' goals and products, a status each (``usecases`` migration 0027).
    "usecasefact_review_goals",
    "usecasefact_signoff_goals",
    "usecasefact_review_products",
    "usecasefact_signoff_products",
}


def _seen_at(monkeypatch, name: str, seen: list) -> None:
    """The indexes there are when ``demo.scale.<name>`` is called, kept in ``seen``."""
    real = getattr(demo_scale, name)

    def recording(*args, **kwargs):
        seen.extend(index for index, _ in _indexes())
        return real(*args, **kwargs)

    monkeypatch.setattr(f"demo.scale.{name}", recording)


def test_a_large_load_builds_its_indexes_again_as_they_were(db, monkeypatch):
    """A load past ``INDEXES_REBUILT_FROM`` drops the indexes of the tables it writes (all but
    the unique ones), builds them again before the summary is rebuilt, and builds the summary
    facts' GIN indexes after that: the same indexes, valid, and read (the trigram index finds a
    word inside a token)."""
    before = _indexes()
    names = {name for name, _ in before}
    assert {"usecase_search_trgm", "usecase_search_gin"} | PARTIAL_UNIQUE | SUMMARY_GIN <= names
    monkeypatch.setattr("demo.scale.INDEXES_REBUILT_FROM", 1)
    loading, summarising = [], []
    _seen_at(monkeypatch, "_derived", loading)  # after the rows, before the history rows
    _seen_at(monkeypatch, "rebuild_summary", summarising)
    # No ANALYZE after it: its table sizes outlive the test's transaction (PostgreSQL writes
    # them in place), and later tests' plans are read from them.
    monkeypatch.setattr("demo.scale.after_bulk_load", lambda: None)
    seed_scale(count=120)
    assert _indexes() == before
    away = names - set(loading)
    # B-tree and GIN indexes of the written tables were away during the load; the primary keys,
    # the unique constraints and the partial unique indexes stayed.
    assert {"usecase_search_trgm", "usecase_author_status_updated", "review_open_waiting"} <= away
    assert {"usecases_usecase_pkey", "usecases_usecase_number_key", *PARTIAL_UNIQUE}.isdisjoint(
        away
    )
    # The summary is rebuilt with every index but its facts' GIN ones.
    assert names - set(summarising) == SUMMARY_GIN
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = ANY(%s) AND NOT (i.indisvalid AND i.indisready)",
            [sorted(names)],
        )
        assert cursor.fetchone()[0] == 0
    word = UseCase.objects.order_by("pk").values_list("title", flat=True)[0].split()[-1]
    found = search_usecases(UseCase.objects.order_by(), word)
    assert found.exists()
    sql, params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        assert "usecase_search_trgm" in "\n".join(row[0] for row in cursor.fetchall())


def test_a_load_smaller_than_the_registry_keeps_its_indexes(db, monkeypatch):
    """Fewer use cases than the registry holds: the indexes take the rows as they come (building
    them again would read every row already there); as many as it holds: they are built after.
    The summary, rebuilt whole after any load, is rebuilt without its facts' GIN indexes."""
    monkeypatch.setattr("demo.scale.after_bulk_load", lambda: None)
    seed_scale(count=40)
    monkeypatch.setattr("demo.scale.INDEXES_REBUILT_FROM", 1)
    before, loading, summarising = _indexes(), [], []
    names = {name for name, _ in before}
    _seen_at(monkeypatch, "_derived", loading)
    _seen_at(monkeypatch, "rebuild_summary", summarising)
    seed_scale(count=30)
    assert set(loading) == names
    assert names - set(summarising) == SUMMARY_GIN
    assert _indexes() == before
    loading.clear()
    seed_scale(count=70)  # as many as the registry holds
    assert "usecase_author_status_updated" in names - set(loading)
    assert _indexes() == before


def test_a_database_error_while_loading_is_the_error_reported(db, monkeypatch):
    """The database refusing a chunk aborts the load's transaction: the error raised is that
    refusal, not one from switching the triggers back on in the aborted transaction."""

    def refused(cursor, tables, report):
        cursor.execute("SELECT no_such_column FROM usecases_usecase")

    monkeypatch.setattr("demo.scale._write", refused)
    with pytest.raises(psycopg.errors.UndefinedColumn) as raised:
        seed_scale(count=5)
    assert "no_such_column" in str(raised.value)
    assert raised.value.__context__ is None


@pytest.mark.parametrize("failing", ["_derived", "rebuild_summary"])
def test_a_failed_large_load_leaves_the_indexes_in_place(db, monkeypatch, failing):
    """A load failing while its indexes are away (writing the history rows), or while the
    summary's are (rebuilding it): every index is there as before."""
    before = _indexes()
    monkeypatch.setattr("demo.scale.INDEXES_REBUILT_FROM", 1)
    away = []
    _seen_at(monkeypatch, failing, away)
    recorded = getattr(demo_scale, failing)

    def fail(*args, **kwargs):
        recorded(*args, **kwargs)  # records the indexes there are, then does the work
        raise RuntimeError("the load failed")

    monkeypatch.setattr(f"demo.scale.{failing}", fail)
    with pytest.raises(RuntimeError):
        seed_scale(count=50)
    assert {name for name, _ in before} - set(away)  # some were away when it failed
    assert _indexes() == before


def test_chunks_written_while_the_next_is_made_hold_every_row(db, monkeypatch):
    """Each chunk is written while a worker makes the next: in chunks of 7, all thirty use cases
    are written, each with its links and the history its status implies, none twice."""
    monkeypatch.setattr("demo.scale.CHUNK", 7)
    report = seed_scale(count=30)
    assert report.rows["usecases_usecase"] == UseCase.objects.count() == 30
    numbers = sorted(UseCase.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 30))
    assert UseCaseEvent.objects.filter(kind=EventKind.CREATED).count() == 30
    assert not UseCase.objects.filter(goals__isnull=True).exists()
    assert report.rows["usecases_usecaseevent"] == UseCaseEvent.objects.count()
    assert repair_link_sets() == 0


@pytest.mark.parametrize(
    ("failing", "made"),
    # Chunk 3 fails while chunk 2 is written and chunk 4 is already asked for (it is made before
    # the worker stops); chunk 5, the last, fails after the loop.
    [(3, 4), (5, 5)],
    ids=["a middle chunk", "the last chunk"],
)
def test_a_failure_making_a_chunk_undoes_the_whole_load(db, monkeypatch, failing, made):
    """The worker's error reaches the caller, whichever chunk it was making, and the load's
    transaction takes every row back."""
    monkeypatch.setattr("demo.scale.CHUNK", 7)  # thirty use cases: five chunks
    make = demo_scale._Generator.chunk
    calls = []

    def chunk(self, **kwargs):
        calls.append(1)
        if len(calls) == failing:
            raise RuntimeError("the generator failed")
        return make(self, **kwargs)

    monkeypatch.setattr(demo_scale._Generator, "chunk", chunk)
    with pytest.raises(RuntimeError, match="the generator failed"):
        seed_scale(count=30)
    assert len(calls) == made
    assert not UseCase.objects.exists()
    assert not UseCaseEvent.objects.exists()
