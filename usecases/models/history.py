"""The database's own history of the use case and its records: every row change, whoever makes it
(services, the admin, the shell, an importer), is recorded by pghistory's triggers with the
request's user and URL as context. The event models are created here, in the ``usecases`` app
(``pghistory.create_event_model``: what ``@pghistory.track`` does, returning the event model)."""

import pghistory

from usecases.models.measurements import Measurement
from usecases.models.usecase import UseCase
from usecases.models.workflow import Review, SignOff

UseCaseHistory = pghistory.create_event_model(
    UseCase,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search_vector", "goal_ids", "product_ids"],  # the links have their own history
    model_name="UseCaseHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
    abstract=False,
)
ReviewHistory = pghistory.create_event_model(
    Review,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="ReviewHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
    abstract=False,
)
MeasurementHistory = pghistory.create_event_model(
    Measurement,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="MeasurementHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
    abstract=False,
)
SignOffHistory = pghistory.create_event_model(
    SignOff,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="SignOffHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
    abstract=False,
)
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
