"""The secretariat app's records, each kept by the sub-package it belongs to;
importing this module registers them all with Django (the app label stays
``secretariat``, so no table moved)."""

from secretariat.accounts import models as accounts_models  # noqa: F401
from secretariat.fund import models as fund_models  # noqa: F401
from secretariat.kernel import models as kernel_models  # noqa: F401
from secretariat.notifications import models as notifications_models  # noqa: F401
from secretariat.reports import models as reports_models  # noqa: F401
