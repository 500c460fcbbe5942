from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecretariatConfig(AppConfig):
    name = "secretariat"
    verbose_name = _("Secretariat")

    def ready(self):
        from secretariat import (
            checks,  # noqa: F401 (registers the system checks)
            metrics,  # noqa: F401 (counts tasks from Celery's signals)
        )
        from secretariat.accounts import (
            audit,  # noqa: F401 (connects the sign-in signals)
            auth_stamp,  # noqa: F401 (renews the stamp the cache is keyed by)
            lockout,  # noqa: F401 (records lockouts and unlocks)
            sessions,  # noqa: F401 (starts session clocks)
            twofactor,  # noqa: F401 (records second-factor changes)
        )
        from secretariat.accounts import (
            policy as accounts_policy,  # noqa: F401 (declares the role actions)
        )
        from secretariat.fund import policy as fund_policy  # noqa: F401
        from secretariat.fund.services import (  # noqa: F401 (credits contributions)
            ledger as fund_ledger,
        )
        from secretariat.kernel import (
            case_policy,  # noqa: F401 (declares the case actions)
            request_log,  # noqa: F401 (carries request ids into tasks)
            rules,  # noqa: F401 (who may see what)
        )
        from secretariat.kernel.cases import register_case_kind
        from secretariat.kernel.models import CaseKind
        from secretariat.notifications import policy as notification_policy  # noqa: F401
        from secretariat.notifications import (  # noqa: F401 (tells administrators)
            security as notification_security,
        )
        from secretariat.notifications import (  # noqa: F401 (settles tasks)
            services as notification_services,
        )
        from secretariat.reports import (  # noqa: F401 (the dashboard's data version)
            freshness as report_freshness,
        )
        from secretariat.reports import policy as report_policy  # noqa: F401

        register_case_kind(
            CaseKind.DISBURSEMENT,
            "disbursement",
            page="secretariat.fund.views.disbursement_detail",
            scope="secretariat.fund.selectors.disbursements_for",
        )
