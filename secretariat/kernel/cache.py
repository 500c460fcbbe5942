"""The cache, used so that it can never turn a page into an error.

Everything the signed-in floor keeps in the cache (sessions, role names, the
verified second-factor device, the bell's count) is also in the database: the
cache only saves queries. These helpers catch whatever the cache raises (Redis
down, refusing, or frozen past its socket timeout), log it once, and then leave
the cache alone in this process for ``BREAKER_SECONDS``, so that a frozen Redis
costs each web process at most one timeout per window; callers fall back to the
database.
"""

import logging
import time

from django.core.cache import caches

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 10.0

_open_until = 0.0  # monotonic time until which the cache is skipped


def _available() -> bool:
    return time.monotonic() >= _open_until


def _trip(operation: str, error: Exception) -> None:
    global _open_until
    if _available():
        # Logged once per window, not once per request.
        logger.warning(
            "Cache unavailable (%s: %s); using the database for %g s.",
            operation,
            error,
            BREAKER_SECONDS,
        )
    _open_until = time.monotonic() + BREAKER_SECONDS


def reset_breaker() -> None:
    """Use the cache again at once (tests, and after a configuration change)."""
    global _open_until
    _open_until = 0.0


def _cache(alias: str):
    return caches[alias]


def safe_get(key: str, default=None, *, alias: str = "default"):
    if not _available():
        return default
    try:
        return _cache(alias).get(key, default)
    except Exception as error:  # noqa: BLE001 (whatever the cache raises)
        _trip("get", error)
        return default


def safe_get_many(keys, *, alias: str = "default") -> dict:
    if not _available():
        return {}
    try:
        return _cache(alias).get_many(list(keys))
    except Exception as error:  # noqa: BLE001 (whatever the cache raises)
        _trip("get_many", error)
        return {}


def safe_set(key: str, value, timeout: float | None, *, alias: str = "default"):
    if not _available():
        return False
    try:
        _cache(alias).set(key, value, timeout)
        return True
    except Exception as error:  # noqa: BLE001 (whatever the cache raises)
        _trip("set", error)
        return False


def safe_add(key: str, value, timeout: float | None, *, alias: str = "default"):
    """Set ``key`` unless it is there; False if it was, or the cache is out."""
    if not _available():
        return False
    try:
        return bool(_cache(alias).add(key, value, timeout))
    except Exception as error:  # noqa: BLE001 (whatever the cache raises)
        _trip("add", error)
        return False


def is_available() -> bool:
    """False while the breaker keeps this process off the cache."""
    return _available()


def safe_delete(key: str, *, alias: str = "default") -> bool:
    """Delete ``key``. Tried even while the breaker is open: a delete that is
    skipped leaves a stale value behind, so it is worth one more timeout."""
    try:
        _cache(alias).delete(key)
        return True
    except Exception as error:  # noqa: BLE001 (whatever the cache raises)
        _trip("delete", error)
        return False


def safe_delete_many(keys, *, alias: str = "default") -> bool:
    """Delete ``keys`` (counts and figures that also expire by themselves):
    skipped while the breaker is open, so that a frozen Redis does not cost a
    timeout per write."""
    keys = list(keys)
    if not keys:
        return True
    if not _available():
        return False
    try:
        _cache(alias).delete_many(keys)
        return True
    except Exception as error:  # noqa: BLE001 (whatever the cache raises)
        _trip("delete_many", error)
        return False


def safe_incr(key: str, *, alias: str = "default") -> bool:
    """Add one to the counter ``key``; False if it is not there or the cache is
    out (skipped while the breaker is open)."""
    if not _available():
        return False
    try:
        _cache(alias).incr(key)
        return True
    except ValueError:  # not there (yet, or any more)
        return False
    except Exception as error:  # noqa: BLE001 (whatever the cache raises)
        _trip("incr", error)
        return False


def safe_set_many(data: dict, timeout: float | None, *, alias: str = "default"):
    if not data or not _available():
        return False
    try:
        _cache(alias).set_many(data, timeout)
        return True
    except Exception as error:  # noqa: BLE001 (whatever the cache raises)
        _trip("set_many", error)
        return False
