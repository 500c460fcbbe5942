from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecretariatConfig(AppConfig):
    name = "secretariat"
    verbose_name = _("Secretariat")

    def ready(self):
        from secretariat import (
            audit,  # noqa: F401 (connects the sign-in signals)
            checks,  # noqa: F401 (registers the system checks)
            lockout,  # noqa: F401 (records lockouts and unlocks)
            metrics,  # noqa: F401 (counts tasks from Celery's signals)
            request_log,  # noqa: F401 (carries request ids into tasks)
            sessions,  # noqa: F401 (starts session clocks)
            twofactor,  # noqa: F401 (records second-factor changes)
        )
        from secretariat.cases import register_case_kind
        from secretariat.fund import policy as fund_policy  # noqa: F401
        from secretariat.kernel import case_policy  # noqa: F401
        from secretariat.models import CaseKind
        from secretariat.reports import policy as report_policy  # noqa: F401

        register_case_kind(
            CaseKind.DISBURSEMENT,
            "disbursement",
            page="secretariat.views.disbursement_detail",
            scope="secretariat.selectors.disbursements_for",
        )
