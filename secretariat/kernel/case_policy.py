"""Who may act on cases, their comments and documents, now.

Reading a case and downloading its documents is visibility: ``view_case`` and
``view_attachment`` in ``secretariat/rules.py``, which ask the case's subject.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secretariat.kernel.models import Case
from secretariat.kernel.policy import action, allow, refuse
from secretariat.kernel.rules import view_permission_name


@action(
    "case.comment",
    label=gettext_lazy("Comment"),
    model=Case,
    perm="secretariat.comment_case",
)
def case_comment(user, case=None):
    # Whoever may see the case's record may talk about it; anyone else may not
    # even know the case exists (404).
    subject = case.subject if case is not None else None
    if subject is None or not user.has_perm(view_permission_name(subject), subject):
        return refuse(_("You cannot see this case."), hidden=True)
    return allow()
