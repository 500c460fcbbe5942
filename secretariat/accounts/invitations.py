"""Accounts made by invitation: a member state's liaison, a manufacturer's
representative. The account is created without a usable password, in its role
and bound to what it acts for; the person gets a one-time link (Django's
password-reset token) to set a password, and then signs in like anyone else.

The workflow services decide who may invite whom and write their own timeline
entry; they call ``account_invite`` inside their transaction, and
``invitation_resend`` to send a new link."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from secretariat.accounts.languages import speaking_to
from secretariat.accounts.models import User
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.roles import SENSITIVE_ROLES, Role


def _email_in_use(email: str) -> ApplicationError:
    return ApplicationError(
        _("An account with the email address %(email)s already exists.")
        % {"email": email},
        field="email",
    )


def account_invite(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    member_state=None,
    manufacturer=None,
) -> User:
    """Create the invited person's account and queue their one-time link once
    the caller's transaction commits. The email address is the user name."""
    from secretariat.accounts.tasks import send_account_invitation
    from secretariat.kernel.services import enqueue_after_commit

    if role in SENSITIVE_ROLES:
        # Two people for privilege: a sensitive role is asked for by one
        # administrator and confirmed by another (``accounts.grants``).
        raise ValueError(f"An invitation never gives the role {role}.")
    email = (email or "").strip().lower()
    if not email:
        raise ApplicationError(_("Enter the email address."), field="email")
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise _email_in_use(email)
    user = User(
        username=email,
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        member_state=member_state,
        manufacturer=manufacturer,
    )
    user.set_unusable_password()
    try:
        # Two invitations of one address at once: the unique index decides.
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise _email_in_use(email) from exc
    user.groups.add(Group.objects.get(name=role))
    enqueue_after_commit(send_account_invitation, user.pk)
    return user


def invitation_resend(*, user: User) -> User:
    """Queue a new one-time link for someone who has not yet set a password."""
    from secretariat.accounts.tasks import send_account_invitation
    from secretariat.kernel.services import enqueue_after_commit

    if user.has_usable_password() or not user.is_active:
        raise ConflictError(_("%(name)s has already set a password.") % {"name": user})
    enqueue_after_commit(send_account_invitation, user.pk)
    return user


def invitation_link(user: User) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "account_activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _appointment(user: User) -> tuple[str, str]:
    """(what the person is appointed as, in a sentence; and in the subject)."""
    if (
        user.manufacturer_id
        and user.groups.filter(name=Role.MANUFACTURER_REPRESENTATIVE).exists()
    ):
        company = user.manufacturer.name
        return (
            _("a representative of %(company)s") % {"company": company},
            _("%(company)s's representative") % {"company": company},
        )
    state = user.member_state.name if user.member_state_id else ""
    return (
        _("a liaison for %(state)s") % {"state": state},
        _("%(state)s's liaison") % {"state": state},
    )


def invitation_send(user_id: int) -> bool:
    """Email the one-time link; nothing if the person has set a password or
    has been deactivated since."""
    user = User.objects.select_related("member_state", "manufacturer").get(pk=user_id)
    if user.has_usable_password() or not user.is_active:
        return False
    # Written to the person: in the language chosen for them, if any.
    with speaking_to(user):
        appointed_as, subject_as = _appointment(user)
        context = {
            "user": user,
            "link": invitation_link(user),
            "appointed_as": appointed_as,
            "subject_as": subject_as,
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("emails/invitation_subject.txt", context)
            .strip()
            .replace("\n", " "),
            body=render_to_string("emails/invitation.txt", context),
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("emails/invitation.html", context), "text/html"
        )
    message.send()
    return True
