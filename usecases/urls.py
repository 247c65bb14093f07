from django.urls import include, path

from usecases import views
from usecases.choices import Action

app_name = "usecases"

urlpatterns = [
    path("", views.usecase_list, name="usecase_list"),
    path("new/", views.usecase_create, name="usecase_create"),
    path("<str:key>/", views.usecase_detail, name="usecase_detail"),
    path("<str:key>/edit/", views.usecase_edit, name="usecase_edit"),
    path("<str:key>/comments/", views.comment_create, name="comment_create"),
    path("<str:key>/revisions/<int:number>/", views.revision_detail, name="revision_detail"),
    path("<str:key>/measurements/", views.measurement_create, name="measurement_create"),
    path(
        "<str:key>/measurements/<int:pk>/delete/",
        views.measurement_delete,
        name="measurement_delete",
    ),
    path(
        "<str:key>/measurements/recorders/",
        views.measurement_recorders,
        name="measurement_recorders",
    ),
    # One URL per workflow action: /usecases/UC-1042/submit/, .../approve/, ...
    *(
        path(
            f"<str:key>/{action.value.replace('_', '-')}/",
            views.usecase_action,
            {"action": action.value},
            name=f"usecase_{action.value}",
        )
        for action in Action
    ),
]

# The use-case pages above live under /usecases/ (add use-case routes to that list); each person's
# own pages live at the site root: / (My work), /inbox/, /reviews/, /sign-offs/. Keep this block last.
urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("usecases/", include(urlpatterns)),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/count/", views.inbox_count, name="inbox_count"),
    path("inbox/mark-all-read/", views.inbox_mark_all_read, name="inbox_mark_all_read"),
    path("inbox/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("reviews/", views.review_list, name="review_list"),
    path("sign-offs/", views.signoff_list, name="signoff_list"),
]

# The ownership dashboard, and the goal and product lists two of its tiles link to.
urlpatterns += [
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/unserved-goals/", views.dashboard_unserved, name="dashboard_unserved"),
    path("dashboard/unused-products/", views.dashboard_unused, name="dashboard_unused"),
]
