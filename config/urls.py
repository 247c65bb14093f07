from django.contrib import admin
from django.urls import include, path, re_path

from api.main import unknown_path as unknown_api_path
from api.main import urls as api_urls
from config.views import favicon

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    # / (My work, the home page), /usecases/... and the personal pages /inbox/, /reviews/, ...
    path("", include("usecases.urls")),
    path("", include("portfolio.urls")),
    path("administration/webhooks/", include("webhooks.urls")),
    path("administration/", include("administration.urls")),
    path("exports/", include("exports.urls")),
    path("imports/", include("imports.urls")),
    path("api/v1/", api_urls()),
    re_path(r"^api/", unknown_api_path),
    # /account/tokens/: each person's API access tokens
    path("account/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
]
