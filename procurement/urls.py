from django.urls import path

from procurement import views

app_name = "procurement"

urlpatterns = [
    path(
        "ocds/tenders/<str:reference>.json",
        views.ocds_release_package,
        name="ocds_release_package",
    ),
]
