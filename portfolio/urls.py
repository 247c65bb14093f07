from django.urls import path

from portfolio import task_queue_views, views

app_name = "portfolio"

urlpatterns = [
    path("teams/", views.team_list, name="team_list"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("products/", views.product_list, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
    path("goals/", views.goal_list, name="goal_list"),
    path("goals/<int:pk>/", views.goal_detail, name="goal_detail"),
]

# Administration (admins only). /administration/ itself and the people pages are usecases' (a
# person leaving hands over use cases); these manage portfolio's own rows. A row's pages sit
# under ``<slug>/<action>/``, never at ``<slug>/`` itself, so that a team or product whose slug is
# "new" (the Django admin lets anyone type one) cannot collide with the page that creates one.
urlpatterns += [
    path("administration/teams/new/", views.team_create, name="team_create"),
    path("administration/teams/<slug:slug>/edit/", views.team_edit, name="team_edit"),
    path("administration/teams/<slug:slug>/archive/", views.team_archive, name="team_archive"),
    path(
        "administration/teams/<slug:slug>/members/add/",
        views.membership_add,
        name="membership_add",
    ),
    path(
        "administration/memberships/<int:pk>/role/", views.membership_edit, name="membership_edit"
    ),
    path(
        "administration/memberships/<int:pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
]

# The people list and the guided deactivation are usecases' (/administration/people/...).
urlpatterns += [
    path("administration/people/new/", views.user_create, name="user_create"),
    path("administration/people/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path(
        "administration/people/<int:pk>/reactivate/",
        views.user_reactivate,
        name="user_reactivate",
    ),
    path(
        "administration/people/<int:pk>/set-password-email/",
        views.user_send_password_email,
        name="user_send_password_email",
    ),
]

urlpatterns += [
    path("administration/products/new/", views.product_create, name="product_create"),
    path("administration/products/<slug:slug>/edit/", views.product_edit, name="product_edit"),
    path(
        "administration/products/<slug:slug>/archive/",
        views.product_archive,
        name="product_archive",
    ),
    path("administration/goals/new/", views.goal_create, name="goal_create"),
    path("administration/goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("administration/goals/<int:pk>/archive/", views.goal_archive, name="goal_archive"),
]

urlpatterns += [
    path("administration/history/", views.adminevent_list, name="adminevent_list"),
]

# The background task queue (e-mail): what waits, runs and failed; a failed task can be retried.
urlpatterns += [
    path("administration/tasks/", task_queue_views.task_queue_view, name="task_queue"),
    path(
        "administration/tasks/<str:task_id>/retry/",
        task_queue_views.task_retry,
        name="task_retry",
    ),
]
