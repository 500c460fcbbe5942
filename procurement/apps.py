from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Procurement")

    def ready(self):
        from secretariat.cases import register_case_kind
        from secretariat.models import CaseKind

        register_case_kind(
            CaseKind.TENDER, "tender", page="procurement.views.tender_detail"
        )
