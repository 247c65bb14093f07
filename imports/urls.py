from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_start, name="import_start"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("<int:pk>/mapping/", views.run_mapping, name="run_mapping"),
    path("<int:pk>/preview/", views.run_preview, name="run_preview"),
    path("<int:pk>/failures.csv", views.run_failures, name="run_failures"),
    path("<int:pk>/discard/", views.run_discard, name="run_discard"),
]
