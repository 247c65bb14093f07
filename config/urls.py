from django.contrib import admin
from django.urls import include, path

from config.views import favicon

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    # / (My work, the home page), /usecases/... and the personal pages /inbox/, /reviews/, ...
    path("", include("usecases.urls")),
    path("", include("portfolio.urls")),
    path("administration/", include("administration.urls")),
    path("exports/", include("exports.urls")),
    path("imports/", include("imports.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
]
