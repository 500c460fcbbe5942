"""The administrators hear of what the accounts room signals: a sensitive role
waiting for a second administrator, and records that no longer match their
hashes. Connected when the app is ready (secretariat.apps)."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from secretariat.accounts import signals
from secretariat.kernel import policy
from secretariat.kernel.roles import Role
from secretariat.notifications.models import NotificationKind
from secretariat.notifications.services import notify, users_with_role


@receiver(signals.role_grant_requested, dispatch_uid="notify-role-grant")
def ask_the_other_administrators(sender, grant, **kwargs) -> None:
    deciders = [
        person
        for person in users_with_role(Role.ADMINISTRATOR)
        if policy.may("role_grant.confirm", person, grant)
    ]
    notify(
        recipients=deciders,
        kind=NotificationKind.ROLE_GRANT_TO_CONFIRM,
        title=lambda: (
            _("%(role)s for %(person)s awaits your confirmation")
            % {"role": grant.get_role_display(), "person": grant.user}
        ),
        body=lambda: (
            _(
                "%(asker)s asked to give %(person)s the role %(role)s. It takes "
                "effect only when a second administrator confirms it."
            )
            % {
                "asker": grant.requested_by,
                "person": grant.user,
                "role": grant.get_role_display(),
            }
        ),
        url=reverse("admin:secretariat_rolegrant_changelist"),
        key=f"role-grant-{grant.pk}",
    )


@receiver(signals.integrity_broken, dispatch_uid="notify-integrity-broken")
def tell_the_administrators(sender, problems, **kwargs) -> None:
    detail = "\n".join(problems)
    notify(
        recipients=users_with_role(Role.ADMINISTRATOR),
        kind=NotificationKind.INTEGRITY_BROKEN,
        title=lambda: (
            _("Records no longer match their hashes: %(first)s")
            % {"first": problems[0]}
        ),
        body=lambda: (
            ngettext(
                "The integrity check found %(count)d broken chain. Someone "
                "changed, removed or inserted rows past the database's triggers. "
                "Details:\n%(detail)s",
                "The integrity check found %(count)d broken chains. Someone "
                "changed, removed or inserted rows past the database's triggers. "
                "Details:\n%(detail)s",
                len(problems),
            )
            % {"count": len(problems), "detail": detail}
        ),
        url=reverse("admin:secretariat_securityevent_changelist"),
    )
