from django.urls import path

from api import views

app_name = "api_pages"

urlpatterns = [
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/everyone/", views.token_list_all, name="token_list_all"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
