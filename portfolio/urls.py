from django.urls import path

from portfolio import task_queue_views, views

app_name = "portfolio"

# The read-only pages; creating and changing these rows is administration's (/administration/...).
urlpatterns = [
    path("teams/", views.team_list, name="team_list"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("products/", views.product_list, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
    path("goals/", views.goal_list, name="goal_list"),
    path("goals/<int:pk>/", views.goal_detail, name="goal_detail"),
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
