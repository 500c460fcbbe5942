"""What a signed-in request knows about its person, read from the cache, and the
stamp that makes a change take effect on the next request.

Each request reads the person's row (``AuthenticationMiddleware``, one query).
What else it needs is cached under a key that names the row's ``auth_stamp``:
the role names (``roles:<pk>:<stamp>``, ``secretariat.kernel.roles``) and the
verified second-factor device (``CachedOTPMiddleware`` below). Whatever could
change them renews the stamp with one UPDATE in the transaction of the change,
so the next request reads a new stamp and misses the cache: a role taken away,
a device removed, an account deactivated take effect at once, and a stale value
can only ever be stored under a stamp no request reads again.

The stamp is set to a new random value (never ``+ 1``): a change rolled back
after a request of the same transaction cached something under the new stamp
would otherwise leave that value waiting for the next change to reach the same
number. It is never written back from an instance in memory (``_keep_stamp``),
so that saving a person loaded before the change cannot bring an old one back.
"""

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from secretariat.kernel import cache as safe_cache
from secretariat.kernel.roles import loaded_for_request

User = get_user_model()

# Changes to these fields of a person change what the cache may keep for them.
WATCHED_FIELDS = (
    "password",
    "is_active",
    "is_superuser",
    "is_staff",
    "member_state_id",
    "manufacturer_id",
)
CACHE_TTL = 10 * 60


def new_stamp() -> int:
    return secrets.randbits(62) or 1


def auth_stamp_bump(*, user_ids) -> int:
    """Give these people a new stamp (call inside the change's transaction)."""
    stamp = new_stamp()
    user_ids = [pk for pk in user_ids if pk is not None]
    if user_ids:
        User.objects.filter(pk__in=user_ids).update(auth_stamp=stamp)
    return stamp


def _bump_instance(user) -> None:
    user.auth_stamp = auth_stamp_bump(user_ids=[user.pk])


# ---------------------------------------------------------------- the person


@receiver(pre_save, sender=User, dispatch_uid="secretariat.auth_stamp.user_pre")
def _keep_stamp(sender, instance, update_fields=None, raw=False, **kwargs):
    instance._bumps_auth_stamp = False
    if raw or instance.pk is None or instance._state.adding:
        return
    if update_fields is not None:
        named = {User._meta.get_field(name).attname for name in update_fields}
        if not named & {*WATCHED_FIELDS, "auth_stamp"}:
            return  # e.g. the last sign-in time, written at every sign-in
    rows = User.objects.filter(pk=instance.pk)
    if transaction.get_connection().in_atomic_block:
        # Locked until the save's UPDATE (which locks it anyway), so that a
        # change committed in between cannot have its stamp written over.
        rows = rows.select_for_update()
    before = rows.values(*WATCHED_FIELDS, "auth_stamp").first()
    if before is None:
        return
    # A full save writes every field: not the stamp an older copy in memory holds.
    instance.auth_stamp = before["auth_stamp"]
    instance._bumps_auth_stamp = any(
        before[name] != getattr(instance, name) for name in WATCHED_FIELDS
    )


@receiver(post_save, sender=User, dispatch_uid="secretariat.auth_stamp.user_post")
def _bump_on_account_change(sender, instance, raw=False, **kwargs):
    if not raw and getattr(instance, "_bumps_auth_stamp", False):
        instance._bumps_auth_stamp = False
        _bump_instance(instance)


@receiver(
    m2m_changed,
    sender=User.groups.through,
    dispatch_uid="secretariat.auth_stamp.roles",
)
def _bump_on_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """Roles are groups, given or taken from either side, or all at once."""
    if action == "pre_clear" and reverse:
        instance._stamp_user_ids = list(instance.user_set.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        _bump_instance(instance)
        return
    user_ids = (
        pk_set if action != "post_clear" else getattr(instance, "_stamp_user_ids", ())
    )
    auth_stamp_bump(user_ids=list(user_ids or ()))


# ---------------------------------------------------------------- devices


def _bump_for_device(sender, instance, raw=False, **kwargs):
    if not raw and isinstance(instance, Device):
        auth_stamp_bump(user_ids=[instance.user_id])


def _device_models():
    seen, stack = [], list(Device.__subclasses__())
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        if not model._meta.abstract and not model._meta.proxy:
            seen.append(model)
    return seen


def connect_device_signals() -> None:
    """Every installed django-otp device model raises its person's stamp when
    saved (confirmed, reassigned, a code used) or deleted."""
    for model in _device_models():
        post_save.connect(
            _bump_for_device,
            sender=model,
            dispatch_uid=f"secretariat.auth_stamp.device_save.{model._meta.label}",
        )
        post_delete.connect(
            _bump_for_device,
            sender=model,
            dispatch_uid=f"secretariat.auth_stamp.device_delete.{model._meta.label}",
        )


connect_device_signals()


# ---------------------------------------------------------------- the request


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, with the verified device read from the cache.

    Keyed by the session's device id, the person and their stamp: a device
    removed, replaced or unconfirmed renews the stamp and is read afresh. The
    same checks as django-otp's still apply to what the cache returns (the
    device is this person's, and confirmed). The cached device is for knowing
    that the session is verified only: codes are always checked against a
    device read from the database (``twofactor.confirmed_device``), since a
    cached one's last used step would let a code be replayed.
    """

    _MISSING = "none"

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            # Just read by AuthenticationMiddleware: its stamp is current.
            loaded_for_request(user)
            persistent_id = request.session.get(self.session_key())
            device = self._cached_device(persistent_id, user) if persistent_id else None
            user.otp_device = self._finalize_device(request, user, device)
        return user

    @staticmethod
    def session_key():
        from django_otp import DEVICE_ID_SESSION_KEY

        return DEVICE_ID_SESSION_KEY

    def _cached_device(self, persistent_id: str, user):
        key = f"otpdev:{user.pk}:{user.auth_stamp}:{persistent_id}"
        cached = safe_cache.safe_get(key)
        if cached == self._MISSING:
            return None
        device = _device_from_cache(cached) if cached is not None else None
        if device is not None:
            return device
        device = self._device_from_persistent_id(persistent_id)
        safe_cache.safe_set(
            key,
            self._MISSING if device is None else _device_for_cache(device),
            CACHE_TTL,
        )
        return device


# The cache keeps which device verified the session, not the device: never its
# secret key or its last used step. A device rebuilt from it has those fields
# deferred (read from the database if anything asks).
_CACHED_DEVICE_FIELDS = ("id", "user_id", "confirmed", "name")


def _device_for_cache(device) -> dict:
    return {
        "model": device._meta.label,
        **{name: getattr(device, name) for name in _CACHED_DEVICE_FIELDS},
    }


def _device_from_cache(cached: dict):
    from django.apps import apps

    try:
        model = apps.get_model(cached["model"])
        values = [cached[name] for name in _CACHED_DEVICE_FIELDS]
    except (KeyError, LookupError, TypeError):
        return None
    return model.from_db("default", list(_CACHED_DEVICE_FIELDS), values)
