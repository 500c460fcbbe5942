from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Procurement")

    def ready(self):
        from procurement import (
            freshness,  # noqa: F401 (the tender page's data version)
            policy,  # noqa: F401 (declares the actions)
        )
        from procurement.services import ocds  # noqa: F401 (a payment's release)
        from secretariat.kernel.cases import register_case_kind
        from secretariat.kernel.models import CaseKind

        register_case_kind(
            CaseKind.TENDER,
            "tender",
            page="procurement.views.tender_detail",
            scope="procurement.selectors.tenders_for",
        )
        register_case_kind(
            CaseKind.DISCREPANCY,
            "discrepancy",
            page="procurement.views.receipts.discrepancy_detail",
            scope="procurement.selectors.discrepancies_for",
        )
        # A capability's lethality is locked while an open tender relies on it.
        from procurement.selectors import open_tenders_of_capability
        from secretariat.fund.reference import capability_dependents_register

        capability_dependents_register(open_tenders_of_capability)
