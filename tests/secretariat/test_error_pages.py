"""The product's own error pages: its header, the reason for a refusal where
the policy gave one, and a way back, with the status of the error; never a
word about an object the person may not know of."""

import re

import pytest
from django.template import loader
from django.test import Client
from django.urls import reverse

from members.models import MemberStatus
from tests.conftest import refresh

pytestmark = pytest.mark.django_db

HEADER = '<header class="site-header">'


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def ways_back(html: str) -> dict[str, str]:
    """The error page's links on: label -> address."""
    nav = re.search(r'<nav class="error-ways-back".*?</nav>', html, re.S)
    assert nav, "no way back on the page"
    return {
        label: href
        for href, label in re.findall(r'<a href="([^"]*)"[^>]*>([^<]+)</a>', nav[0])
    }


def test_a_missing_page_is_the_products_404(client, people):
    client.force_login(people.officer)
    response = client.get("/no-such-page/", HTTP_REFERER="http://testserver/work/")
    assert response.status_code == 404
    html = response.content.decode()
    assert HEADER in html and 'aria-label="Main"' in html  # the signed-in header
    assert "Page not found" in main_of(html)
    assert ways_back(html) == {
        "Go back": "http://testserver/work/",
        "My work": reverse("my_work"),
        "Home": reverse("start"),
    }


def test_another_states_page_is_not_found_like_a_page_that_does_not_exist(
    client, people, latvia
):
    """A liaison of Japan asking for Latvia's page learns nothing of it: the
    same page as for a state that does not exist."""
    client.force_login(people.liaison_jp)
    latvia_page = client.get(reverse("members:detail", args=[latvia.country.code]))
    no_state = client.get(reverse("members:detail", args=["XX"]))
    assert latvia_page.status_code == no_state.status_code == 404
    assert main_of(latvia_page.content.decode()) == main_of(no_state.content.decode())
    assert "Latvia" not in main_of(latvia_page.content.decode())


def test_a_refused_page_shows_the_policys_reason(client, people):
    client.force_login(people.finance)
    response = client.get(reverse("procurement:requirement_create"))
    assert response.status_code == 403
    html = response.content.decode()
    assert HEADER in html
    main = main_of(html)
    assert "You may not do this" in main
    assert "Requirements are recorded by a procurement officer." in main
    assert set(ways_back(html)) == {"Go back", "My work", "Home"}


def test_a_refused_action_shows_the_policys_reason(client, people, japan):
    """A liaison asking to suspend their own state: the policy's reason."""
    japan.status = MemberStatus.CONSIDERING
    japan.save(update_fields=["status"])
    client.force_login(people.liaison_jp)
    response = client.post(
        reverse("members:transition", args=[japan.country.code, "suspended"]),
        {"reason": "x"},
    )
    assert response.status_code == 403
    main = main_of(response.content.decode())
    assert "You may not do this" in main
    assert '<p class="error-reason">You hold no role for this.</p>' in main
    assert refresh(japan).status == MemberStatus.CONSIDERING


def test_the_way_back_never_leads_to_another_site(client, people):
    client.force_login(people.finance)
    response = client.get(
        reverse("procurement:requirement_create"),
        HTTP_REFERER="https://evil.example/phish",
    )
    assert ways_back(response.content.decode())["Go back"] == reverse("start")


def test_a_bad_request_is_the_products_400(client):
    response = client.get("/", HTTP_HOST="not-ours.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert HEADER in html
    assert "The request could not be read" in main_of(html)
    assert ways_back(html) == {"Go back": "/", "Home": "/"}


def test_a_form_without_its_token_gets_the_products_csrf_page(people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.officer)
    response = browser.post(reverse("notification_read"), {"id": "1"})
    assert response.status_code == 403
    html = response.content.decode()
    assert HEADER in html and 'aria-label="Main"' in html
    main = main_of(html)
    assert "The form has expired" in main
    assert "Nothing was saved" in main
    assert set(ways_back(html)) == {"Go back", "My work", "Home"}


def test_a_signed_out_form_without_its_token_offers_to_sign_in():
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    main = main_of(response.content.decode())
    assert "The form has expired" in main
    assert f'href="{reverse("login")}"' in main


def test_a_fault_is_the_products_500(settings, people):
    settings.ROOT_URLCONF = "tests.secretariat.error_urls"
    browser = Client(raise_request_exception=False)
    browser.force_login(people.officer)
    response = browser.get("/test-explode/")
    assert response.status_code == 500
    html = response.content.decode()
    assert HEADER in html and "Drone Coalition <span>secretariat</span>" in html
    assert "Something went wrong" in main_of(html)
    assert "RuntimeError" not in html and "fault in a view" not in html
    assert set(ways_back(html)) == {"Go back", "My work", "Home"}


def test_the_500_page_needs_neither_a_request_nor_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert HEADER in html and "Something went wrong" in html
