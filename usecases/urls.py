from django.urls import include, path

from usecases.choices import Action
from usecases.views import actions, choosers, claims, dashboard, measurements, personal
from usecases.views import usecases as usecase_views

app_name = "usecases"

urlpatterns = [
    path("", usecase_views.usecase_list, name="usecase_list"),
    path("new/", usecase_views.usecase_create, name="usecase_create"),
    path("bulk-assign/", claims.usecase_bulk_assign, name="usecase_bulk_assign"),
    path("<str:key>/", usecase_views.usecase_detail, name="usecase_detail"),
    path("<str:key>/edit/", usecase_views.usecase_edit, name="usecase_edit"),
    path("<str:key>/claim/", claims.usecase_claim, name="usecase_claim"),
    path("<str:key>/ask-owner/", claims.usecase_request_owner, name="usecase_request_owner"),
    path(
        "<str:key>/decline-request/",
        claims.usecase_decline_request,
        name="usecase_decline_request",
    ),
    path("<str:key>/comments/", usecase_views.comment_create, name="comment_create"),
    path(
        "<str:key>/revisions/<int:number>/", usecase_views.revision_detail, name="revision_detail"
    ),
    path("<str:key>/measurements/", measurements.measurement_create, name="measurement_create"),
    path(
        "<str:key>/measurements/<int:pk>/delete/",
        measurements.measurement_delete,
        name="measurement_delete",
    ),
    path(
        "<str:key>/measurements/recorders/",
        measurements.measurement_recorders,
        name="measurement_recorders",
    ),
    # One URL per workflow action: /usecases/UC-1042/submit/, .../approve/, ...
    *(
        path(
            f"<str:key>/{action.value.replace('_', '-')}/",
            actions.usecase_action,
            {"action": action.value},
            name=f"usecase_{action.value}",
        )
        for action in Action
    ),
]

# The use-case pages above live under /usecases/ (add use-case routes to that list); each person's
# own pages live at the site root: / (My work), /inbox/, /reviews/, /sign-offs/. Keep this block last.
urlpatterns = [
    path("", personal.my_work, name="my_work"),
    path("usecases/", include(urlpatterns)),
    path("inbox/", personal.inbox, name="inbox"),
    path("inbox/count/", personal.inbox_count, name="inbox_count"),
    path("inbox/mark-all-read/", personal.inbox_mark_all_read, name="inbox_mark_all_read"),
    path("inbox/<int:pk>/open/", personal.notification_open, name="notification_open"),
    path("reviews/", personal.review_list, name="review_list"),
    path("sign-offs/", personal.signoff_list, name="signoff_list"),
]

# The choosers' searches (fragments for htmx): the forms' and filters' people, teams, products and
# goals, a few at a time.
urlpatterns += [
    path("choose/people/", choosers.choices, {"kind": "people"}, name="person_choices"),
    path("choose/teams/", choosers.choices, {"kind": "teams"}, name="team_choices"),
    path("choose/products/", choosers.choices, {"kind": "products"}, name="product_choices"),
    path("choose/goals/", choosers.choices, {"kind": "goals"}, name="goal_choices"),
]

# The ownership dashboard, the goal and product lists two of its tiles link to, and every row
# of its evidence panel's product and goal tables.
urlpatterns += [
    path("dashboard/", dashboard.dashboard_view, name="dashboard"),
    path("dashboard/unserved-goals/", dashboard.dashboard_unserved, name="dashboard_unserved"),
    path("dashboard/unused-products/", dashboard.dashboard_unused, name="dashboard_unused"),
    path(
        "dashboard/evidence/products/",
        dashboard.dashboard_evidence,
        {"kind": "products"},
        name="dashboard_evidence_products",
    ),
    path(
        "dashboard/evidence/goals/",
        dashboard.dashboard_evidence,
        {"kind": "goals"},
        name="dashboard_evidence_goals",
    ),
]
