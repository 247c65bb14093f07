from django.urls import path

from administration.views import (
    custom_fields,
    deactivation,
    goals,
    history,
    people,
    products,
    profiles,
    tasks,
    teams,
)

app_name = "administration"

# Admins only, all under /administration/. A row's pages sit under ``<slug>/<action>/``, never at
# ``<slug>/`` itself, so that a team or product whose slug is "new" (the Django admin lets anyone
# type one) cannot collide with the page that creates one. Creating and editing a row is one view.
urlpatterns = [
    path("", history.administration, name="administration"),
    path("history/", history.adminevent_list, name="adminevent_list"),
]

urlpatterns += [
    path("teams/new/", teams.TeamEditView.as_view(), name="team_create"),
    path("teams/<slug:slug>/edit/", teams.TeamEditView.as_view(), name="team_edit"),
    path("teams/<slug:slug>/archive/", teams.team_archive, name="team_archive"),
    path("teams/<slug:slug>/members/add/", teams.membership_add, name="membership_add"),
    path("memberships/<int:pk>/role/", teams.membership_edit, name="membership_edit"),
    path("memberships/<int:pk>/remove/", teams.membership_remove, name="membership_remove"),
]

urlpatterns += [
    path("people/", people.person_list, name="person_list"),
    path("people/new/", people.PersonEditView.as_view(), name="person_create"),
    path("people/<int:pk>/edit/", people.PersonEditView.as_view(), name="person_edit"),
    path("people/<int:pk>/reactivate/", people.person_reactivate, name="person_reactivate"),
    path(
        "people/<int:pk>/set-password-email/",
        people.person_send_password_email,
        name="person_send_password_email",
    ),
    path("people/<int:pk>/deactivate/", deactivation.person_deactivate, name="person_deactivate"),
]

urlpatterns += [
    path("products/new/", products.ProductEditView.as_view(), name="product_create"),
    path("products/<slug:slug>/edit/", products.ProductEditView.as_view(), name="product_edit"),
    path("products/<slug:slug>/archive/", products.product_archive, name="product_archive"),
    path("goals/new/", goals.GoalEditView.as_view(), name="goal_create"),
    path("goals/<int:pk>/edit/", goals.GoalEditView.as_view(), name="goal_edit"),
    path("goals/<int:pk>/archive/", goals.goal_archive, name="goal_archive"),
]

# Custom fields on every use case: defined, edited, archived (their values kept) or restored.
urlpatterns += [
    path("custom-fields/", custom_fields.customfield_list, name="customfield_list"),
    path(
        "custom-fields/new/", custom_fields.CustomFieldEditView.as_view(), name="customfield_create"
    ),
    path(
        "custom-fields/<int:pk>/edit/",
        custom_fields.CustomFieldEditView.as_view(),
        name="customfield_edit",
    ),
    path(
        "custom-fields/<int:pk>/archive/",
        custom_fields.customfield_archive,
        name="customfield_archive",
    ),
]

# The background task queue (e-mail): what waits, runs and failed; a failed task can be retried.
urlpatterns += [
    path("tasks/", tasks.task_queue_view, name="task_queue"),
    path("tasks/<str:task_id>/retry/", tasks.task_retry, name="task_retry"),
]

# The public standards' profiles: which are switched on for the organisation.
urlpatterns += [
    path("profiles/", profiles.profile_list, name="profile_list"),
    path("profiles/<str:key>/switch/", profiles.profile_switch, name="profile_switch"),
]
