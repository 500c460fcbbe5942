"""What the notifications list counts and downloads (see
``secretariat.kernel.listing.Table``)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from secretariat.kernel.exports import DATETIME, Column
from secretariat.kernel.listing import Table

NOTIFICATION_TABLE = Table(
    name="notifications",
    title=_("Notifications"),
    count=ngettext_lazy("%(count)s notification", "%(count)s notifications", "n"),
    columns=(
        Column(_("Received"), "created_at", DATETIME),
        Column(_("Title"), "title"),
        Column(_("Details"), "body"),
        Column(_("Case"), "case.reference"),
        Column(_("Link"), "url"),
        Column(_("Read"), "read_at", DATETIME),
        Column(_("Done"), "resolved_at", DATETIME),
    ),
)
