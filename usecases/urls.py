from django.urls import path

from usecases import views

app_name = "usecases"

urlpatterns = [
    path("", views.usecase_list, name="usecase_list"),
    path("new/", views.usecase_create, name="usecase_create"),
    path("<str:key>/", views.usecase_detail, name="usecase_detail"),
    path("<str:key>/edit/", views.usecase_edit, name="usecase_edit"),
]
