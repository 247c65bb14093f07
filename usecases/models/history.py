"""The database's own history of the use case and its records: every row change, whoever makes it
(services, the admin, the shell, an importer), is recorded by pghistory's triggers with the
request's user and URL as context. The event models are created here, in the ``usecases`` app
(``pghistory.create_event_model``: what ``@pghistory.track`` does, returning the event model)."""

import pghistory

from usecases.models.measurements import Measurement
from usecases.models.usecase import UseCase
from usecases.models.workflow import Review, SignOff


def _row_history(model, model_name: str, **options):
    """An event model recording every insert, update and delete of ``model``'s rows, reached from
    a row as ``row.history``."""
    return pghistory.create_event_model(
        model,
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        model_name=model_name,
        obj_field=pghistory.ObjForeignKey(related_name="history"),
        abstract=False,
        **options,
    )


UseCaseHistory = _row_history(
    UseCase,
    "UseCaseHistory",
    exclude=["search_vector", "goal_ids", "product_ids"],  # the links have their own history
)
ReviewHistory = _row_history(Review, "ReviewHistory")
MeasurementHistory = _row_history(Measurement, "MeasurementHistory")
SignOffHistory = _row_history(SignOff, "SignOffHistory")
# A link is inserted or deleted, never updated; the link tables are Django's own.
UseCaseProductHistory = pghistory.create_event_model(
    UseCase.products.through,
    pghistory.InsertEvent("product.linked"),
    pghistory.DeleteEvent("product.unlinked"),
    obj_field=None,
    model_name="UseCaseProductHistory",
    app_label="usecases",
    abstract=False,
)
UseCaseGoalHistory = pghistory.create_event_model(
    UseCase.goals.through,
    pghistory.InsertEvent("goal.linked"),
    pghistory.DeleteEvent("goal.unlinked"),
    obj_field=None,
    model_name="UseCaseGoalHistory",
    app_label="usecases",
    abstract=False,
)
