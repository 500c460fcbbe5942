"""Celery tasks of the members app: thin wrappers that load rows by id."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from secretariat.models import User


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    time_limit=60,
    soft_time_limit=45,
)
def send_liaison_invitation(user_id: int) -> None:
    user = User.objects.select_related("member_state").get(pk=user_id)
    if user.has_usable_password() or not user.is_active:
        # Already accepted, or deactivated since: nothing to send.
        return
    link = settings.SITE_URL.rstrip("/") + reverse(
        "liaison_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "link": link, "member_state": user.member_state}
    message = EmailMultiAlternatives(
        subject=render_to_string("emails/liaison_invitation_subject.txt", context)
        .strip()
        .replace("\n", " "),
        body=render_to_string("emails/liaison_invitation.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("emails/liaison_invitation.html", context), "text/html"
    )
    message.send()
