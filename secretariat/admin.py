"""The admin of the secretariat app's records, registered by each sub-package."""

from secretariat.accounts import admin as accounts_admin  # noqa: F401
from secretariat.fund import admin as fund_admin  # noqa: F401
from secretariat.kernel import admin as kernel_admin  # noqa: F401
from secretariat.notifications import admin as notifications_admin  # noqa: F401
from secretariat.reports import admin as reports_admin  # noqa: F401
