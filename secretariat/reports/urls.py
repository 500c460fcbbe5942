from django.urls import path

from secretariat.reports import views

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("<int:pk>/download/", views.report_download, name="report_download"),
    path("subscriptions/", views.report_subscribe, name="report_subscribe"),
    path(
        "subscriptions/<int:pk>/delete/",
        views.report_unsubscribe,
        name="report_unsubscribe",
    ),
    path("ledger.csv", views.ledger_export, name="ledger_export"),
]
