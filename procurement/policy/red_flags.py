"""Who may read the integrity red flags: the people who run and approve
procurement (procurement officers, the administrator, co-lead approvers). A
flag is information for them, never a block, so nobody else's action asks."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from procurement.policy.manufacturers import runs_procurement
from secretariat.kernel.policy import action, allow, refuse
from secretariat.kernel.roles import Role, has_role


@action(
    "tender.view_red_flags",
    label=_l("Red flags"),
    perm="procurement.view_red_flags",
)
def view_red_flags(user, obj=None):
    """Every tender's flags at once (``obj`` is not asked: the flags are read
    over the whole of the coalition's procurement)."""
    if runs_procurement(user) or has_role(user, Role.CO_LEAD_APPROVER):
        return allow()
    return refuse(
        _("Red flags are read by procurement officers and co-lead approvers."),
        hidden=True,
    )
