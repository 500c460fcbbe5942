"""Data versions: one counter in the cache per family of figures a page keeps
in the cache (``"dashboard"``, ``"track_record"``). Whatever writes data those
figures read bumps the counter; the cached figures are keyed by it, so a write
makes the next request compute them afresh, and an entry of an older version is
never read again (it expires by its own timeout).

The cache is a speed-up, never a source: every call here tolerates the cache
being down (a read answers None, a write does nothing), and the pages then
compute their figures as if nothing were cached.
"""

import logging
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from secretariat.kernel.cache import (
    is_available,
    safe_add,
    safe_get,
    safe_incr,
    safe_set,
)

__all__ = ["bump", "bump_on_change", "current", "safe_get", "safe_set"]

log = logging.getLogger(__name__)


def _key(name: str) -> str:
    return f"{name}:version"


def _fresh() -> int:
    # A counter lost from the cache (evicted, flushed) starts again from the
    # clock, never from a number an older entry may still be keyed by.
    return time.time_ns() // 1000


def current(name: str) -> int | None:
    """The version of ``name``'s data now; None when the cache is down (then
    nothing may be cached)."""
    key = _key(name)
    version = safe_get(key)
    if version is None and is_available():
        safe_add(key, _fresh(), None)
        version = safe_get(key)
    return version


def _increment(name: str) -> None:
    # While the cache is out (``secretariat.kernel.cache``'s breaker), the bump
    # is skipped rather than cost each write a timeout: figures computed before
    # the outage stay readable until their own timeout (minutes).
    key = _key(name)
    if not safe_incr(key) and is_available():
        safe_add(key, _fresh(), None)


def bump(*names: str) -> None:
    """Mark ``names``' data as changed: now, so that the writer's own next
    read inside its transaction sees its change, and again after the commit,
    so that figures another request computed meanwhile from the rows as they
    were before the commit are never read again."""
    for name in names:
        _increment(name)
        transaction.on_commit(lambda name=name: _increment(name))


def bump_on_change(name: str, *models) -> None:
    """Bump ``name`` whenever a row of ``models`` is saved or deleted: for the
    figures that read those tables. (A queryset ``update()`` sends no signal:
    the writes that use one also save a row of these models, or bump
    themselves.)"""

    def changed(sender, **kwargs):
        bump(name)

    for model in models:
        uid = f"versions:{name}:{model._meta.label}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid)
