"""Where the kernel tells the rooms above it that something happened, so that
it imports none of them: the security log (``secretariat.accounts.audit``)
records refusals, and notifications (``secretariat.notifications.services``)
settle the tasks a timeline event may have done."""

from django.dispatch import Signal

# A business rule refused what someone asked: ``message``, ``request`` (or None
# inside a request, which the security log then finds itself).
refused = Signal()
# A permission was denied: ``request``, ``exc``.
permission_denied = Signal()
# A timeline event was written: ``case`` (or None) and ``subject``.
timeline_recorded = Signal()
