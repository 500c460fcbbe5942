from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from secretariat import health_views as secretariat_health_views
from secretariat import metrics
from secretariat.accounts import audit, twofactor
from secretariat.accounts import views as account_views
from secretariat.api import LogoutAllView, LogoutView, ObtainTokenView, router
from secretariat.fund import views as fund_views
from secretariat.kernel import views as kernel_views
from secretariat.notifications import views as notification_views
from secretariat.reports import search_views
from secretariat.reports import views as reports_views

admin.site.site_header = "Drone Coalition secretariat: administration"
admin.site.site_title = "Drone Coalition admin"

urlpatterns = [
    path("", reports_views.start, name="start"),
    path("healthz", secretariat_health_views.healthz, name="healthz"),
    path("readyz", secretariat_health_views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("work/", reports_views.my_work, name="my_work"),
    path("dashboard/", reports_views.dashboard, name="dashboard"),
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
    path("documents/<int:pk>/", kernel_views.attachment_download, name="attachment"),
    path(
        "cases/<str:reference>/comments/",
        kernel_views.case_comment,
        name="case_comment",
    ),
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
    path("disbursements/", fund_views.disbursement_list, name="disbursement_list"),
    path(
        "disbursements/new/",
        fund_views.disbursement_prepare,
        name="disbursement_prepare",
    ),
    path(
        "disbursements/<str:reference>/",
        fund_views.disbursement_detail,
        name="disbursement",
    ),
    path(
        "disbursements/<str:reference>/edit/",
        fund_views.disbursement_edit,
        name="disbursement_edit",
    ),
    path(
        "disbursements/<str:reference>/documents/new/",
        fund_views.disbursement_document_add,
        name="disbursement_document_add",
    ),
    *[
        path(
            f"disbursements/<str:reference>/{action}/",
            fund_views.disbursement_action,
            {"action": action},
            name=f"disbursement_{action}",
        )
        for action in fund_views.DISBURSEMENT_ACTIONS
    ],
    path("fund/", fund_views.fund_statement, name="fund_statement"),
    path("fund/commitments/", fund_views.commitment_list, name="commitment_list"),
    path(
        "fund/commitments/new/", fund_views.commitment_create, name="commitment_create"
    ),
    path(
        "fund/commitments/<int:pk>/release/",
        fund_views.commitment_release,
        name="commitment_release",
    ),
    path("fund/adjustments/", fund_views.adjustment_list, name="adjustment_list"),
    path(
        "fund/adjustments/new/", fund_views.adjustment_create, name="adjustment_create"
    ),
    path(
        "fund/adjustments/<int:pk>/decide/",
        fund_views.adjustment_decide,
        name="adjustment_decide",
    ),
    path("fund/ledger/", fund_views.ledger_list, name="ledger"),
    path("reports/", include("secretariat.reports.urls")),
    path("fund/statements/", fund_views.bank_statements, name="bank_statements"),
    path("fund/statements/<int:pk>/", fund_views.bank_statement, name="bank_statement"),
    path(
        "fund/statements/<int:pk>/lines/<int:line_pk>/resolve/",
        fund_views.statement_line_resolve,
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
