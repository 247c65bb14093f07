from django.urls import path

from webhooks import views

app_name = "webhooks"

# Admins only, under /administration/webhooks/.
urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("new/", views.endpoint_create, name="endpoint_create"),
    path("<int:pk>/", views.endpoint_detail, name="endpoint_detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("<int:pk>/active/", views.endpoint_set_active, name="endpoint_set_active"),
    path("deliveries/<uuid:pk>/redeliver/", views.delivery_redeliver, name="delivery_redeliver"),
]
