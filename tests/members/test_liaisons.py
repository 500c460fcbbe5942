"""Staff invite a liaison by email; the liaison sets a password through a
one-time link and then sees their own state."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from members import services
from secretariat.kernel.exceptions import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db


def invite(people, state, email="yui@mod.example.jp"):
    return services.liaison_invite(
        member_state=state,
        actor=people.officer,
        email=email,
        first_name="Yui",
        last_name="Tanaka",
    )


def test_liaison_sets_a_password_through_a_one_time_link(
    client, people, latvia, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = invite(people, latvia, "ilze@mfa.example.lv")
    assert not user.has_usable_password()
    message = mail.outbox[-1]
    assert message.subject == "Drone Coalition: you are invited as Latvia's liaison"
    assert message.alternatives[0][1] == "text/html"
    link = re.search(r"http://\S+/accounts/activate/\S+/", message.body).group(0)
    path = link.split("127.0.0.1:8000", 1)[1]

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    new_password = "Riga-drones-2026-strong"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)

    # The link works once.
    again = client.get(path, follow=True)
    assert "already been used or has expired" in again.content.decode()

    signed_in = client.post(
        reverse("login"),
        {"username": "ilze@mfa.example.lv", "password": new_password},
    )
    assert signed_in.status_code == 302
    landing = client.get(reverse("start"))
    assert landing.status_code == 200
    assert 'href="/members/LV/"' in landing.content.decode()


def test_weak_password_is_refused(client, people, latvia,
                                  django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        invite(people, latvia)
    link = re.search(r"/accounts/activate/\S+/", mail.outbox[-1].body).group(0)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()


def test_duplicate_email_is_refused(people, latvia):
    invite(people, latvia)
    with pytest.raises(ApplicationError, match="already exists"):
        invite(people, latvia, "YUI@mod.example.jp")


def test_prospective_state_cannot_have_liaisons(people, japan):
    with pytest.raises(ConflictError, match="invite the state before"):
        invite(people, japan)


def test_invite_form_shows_errors_next_to_fields(client, people, latvia):
    client.force_login(people.officer)
    response = client.post(
        reverse("members:liaison_invite", args=["LV"]),
        {"first_name": "A", "last_name": "B", "email": people.finance.email},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        f"An account with the email address {people.finance.email} already exists."
    ]
