from django.urls import path

from usecases import views
from usecases.choices import Action

app_name = "usecases"

urlpatterns = [
    path("", views.usecase_list, name="usecase_list"),
    path("new/", views.usecase_create, name="usecase_create"),
    path("<str:key>/", views.usecase_detail, name="usecase_detail"),
    path("<str:key>/edit/", views.usecase_edit, name="usecase_edit"),
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
