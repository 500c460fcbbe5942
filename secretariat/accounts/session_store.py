"""Sessions read through the shared cache (Redis), written to the database too.

Chosen by settings only when a shared cache is configured: with a cache per
process, a logout in one web process would live on in the others.

Every cache use goes through ``secretariat.kernel.cache``: Redis down or frozen
means a read from the database, never an error page. The cached copy lives at
most ``CACHE_TTL`` seconds whatever the session's own lifetime: a logout whose
cache delete failed during a Redis blip (the row is deleted all the same) can be
read back from the cache for at most that long. The session's own clocks (idle
timeout, absolute lifetime) are kept inside its data and checked on every
request (``SessionLifetimeMiddleware``), so the cached copy does not stretch
them.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from secretariat.kernel import cache as safe_cache

CACHE_TTL = 5 * 60


class SessionStore(CachedDBStore):
    cache_key_prefix = "sessions.cached_db."

    def _ttl(self, **kwargs) -> int:
        return max(0, min(CACHE_TTL, self.get_expiry_age(**kwargs)))

    def load(self):
        data = safe_cache.safe_get(self.cache_key)
        if data is None:
            row = self._get_session_from_db()
            if row:
                data = self.decode(row.session_data)
                safe_cache.safe_set(
                    self.cache_key, data, self._ttl(expiry=row.expire_date)
                )
            else:
                data = {}
        return data

    def exists(self, session_key):
        # Asked when a new key is made: the database holds every session.
        return bool(session_key) and super(CachedDBStore, self).exists(session_key)

    def save(self, must_create=False):
        super(CachedDBStore, self).save(must_create)
        safe_cache.safe_set(self.cache_key, self._session, self._ttl())

    def delete(self, session_key=None):
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        safe_cache.safe_delete(self.cache_key_prefix + session_key)
