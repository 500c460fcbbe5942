from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members and onboarding")

    def ready(self):
        from members import policy  # noqa: F401 (declares the actions)
        from secretariat.kernel.cases import register_case_kind
        from secretariat.kernel.models import CaseKind

        register_case_kind(
            CaseKind.ONBOARDING,
            "onboarding",
            page="members.views.onboarding_detail",
            scope="members.selectors.onboarding_cases_for",
        )
