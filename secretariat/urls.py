from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from secretariat import (
    account_views,
    audit,
    metrics,
    notification_views,
    search_views,
    twofactor,
    views,
)
from secretariat.api import LogoutAllView, LogoutView, ObtainTokenView, router

admin.site.site_header = "Drone Coalition secretariat: administration"
admin.site.site_title = "Drone Coalition admin"

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("work/", views.my_work, name="my_work"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path(
        "notifications/",
        notification_views.notification_list,
        name="notification_list",
    ),
    path(
        "notifications/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/preferences/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path("documents/<int:pk>/", views.attachment_download, name="attachment"),
    path("cases/<str:reference>/comments/", views.case_comment, name="case_comment"),
    # The password views that write a security event, ahead of Django's own.
    path(
        "accounts/password_change/",
        audit.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_reset/",
        audit.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        audit.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/two-factor/verify/", twofactor.verify, name="two_factor_verify"),
    path("accounts/two-factor/", twofactor.setup, name="two_factor_setup"),
    path("accounts/settings/", account_views.account_settings, name="account_settings"),
    path("search/", search_views.search, name="search"),
    path("accounts/", include("django.contrib.auth.urls")),
    path(
        "accounts/activate/<uidb64>/<token>/",
        account_views.AccountActivateView.as_view(),
        name="account_activate",
    ),
    path("disbursements/", views.disbursement_list, name="disbursement_list"),
    path("disbursements/new/", views.disbursement_prepare, name="disbursement_prepare"),
    path(
        "disbursements/<str:reference>/",
        views.disbursement_detail,
        name="disbursement",
    ),
    path(
        "disbursements/<str:reference>/edit/",
        views.disbursement_edit,
        name="disbursement_edit",
    ),
    path(
        "disbursements/<str:reference>/documents/new/",
        views.disbursement_document_add,
        name="disbursement_document_add",
    ),
    *[
        path(
            f"disbursements/<str:reference>/{action}/",
            views.disbursement_action,
            {"action": action},
            name=f"disbursement_{action}",
        )
        for action in views.DISBURSEMENT_ACTIONS
    ],
    path("fund/", views.fund_statement, name="fund_statement"),
    path("fund/commitments/", views.commitment_list, name="commitment_list"),
    path("fund/commitments/new/", views.commitment_create, name="commitment_create"),
    path(
        "fund/commitments/<int:pk>/release/",
        views.commitment_release,
        name="commitment_release",
    ),
    path("fund/adjustments/", views.adjustment_list, name="adjustment_list"),
    path("fund/adjustments/new/", views.adjustment_create, name="adjustment_create"),
    path(
        "fund/adjustments/<int:pk>/decide/",
        views.adjustment_decide,
        name="adjustment_decide",
    ),
    path("fund/ledger/", views.ledger_list, name="ledger"),
    path("reports/", include("secretariat.reports.urls")),
    path("fund/statements/", views.bank_statements, name="bank_statements"),
    path("fund/statements/<int:pk>/", views.bank_statement, name="bank_statement"),
    path(
        "fund/statements/<int:pk>/lines/<int:line_pk>/resolve/",
        views.statement_line_resolve,
        name="statement_line_resolve",
    ),
    path("", include("members.urls")),
    path("", include("procurement.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/auth/token/", ObtainTokenView.as_view(), name="api_token"),
    path("api/auth/logout/", LogoutView.as_view(), name="api_logout"),
    path("api/auth/logout-all/", LogoutAllView.as_view(), name="api_logout_all"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as its own file, so that
    # the page needs no inline script under the Content Security Policy.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema"),
        name="api_docs",
    ),
]

if settings.BENCH_INSTRUMENTS:
    from secretariat.bench import bare

    urlpatterns.append(path("bench/bare/", bare))

# Under /api/, a path that nothing routes to answers in JSON like the API.
handler400 = "secretariat.api.bad_request"
handler404 = "secretariat.api.not_found"
