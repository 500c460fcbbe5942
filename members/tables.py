"""What the member lists count and download (see
``secretariat.kernel.listing.Table``)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from secretariat.kernel.exports import DATE, Column
from secretariat.kernel.listing import Table


def _co_lead(state) -> str:
    return str(_("Co-lead")) if state.is_co_lead else ""


MEMBER_TABLE = Table(
    name="member-states",
    title=_("Member states"),
    count=ngettext_lazy("%(count)s state", "%(count)s states", "n"),
    columns=(
        Column(_("State"), "name"),
        Column(_("Country code"), lambda state: state.country.code),
        Column(_("Status"), "get_status_display"),
        Column(_("Co-lead"), _co_lead),
        Column(_("May fund"), "get_participation_scope_display"),
        Column(_("Member since"), "joined_on", DATE),
    ),
)
