from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    # /exports/usecases/csv/?<the list's filters>; also xlsx, json, us-2025, nl, uk.
    path("usecases/<str:format>/", views.usecase_export, name="usecase_export"),
]
