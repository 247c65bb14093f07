from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="usecases:usecase_list"), name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    # /usecases/... and the personal pages /inbox/, /reviews/, /sign-offs/.
    path("", include("usecases.urls")),
    path("", include("portfolio.urls")),
    path("admin/", admin.site.urls),
]
