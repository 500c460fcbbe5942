"""Security headers: the Content Security Policy on every kind of page, no inline
script in served templates, and the other headers and cookie flags."""

import re
import secrets
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.urls import reverse

from tests.secretariat.test_platform import run_manage

ROOT = Path(__file__).resolve().parents[2]
# Rendered for email and PDF only, never served to a browser.
NOT_SERVED = {"emails", "reports"}


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_strict_policy(response):
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_login_page_has_the_policy(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    _assert_strict_policy(response)


@pytest.mark.parametrize("url", ["/", "/work/", "/dashboard/", "/fund/"])
def test_signed_in_pages_have_the_policy(client_for, people, url):
    response = client_for(people.officer).get(url, follow=True)

    assert response.status_code == 200
    _assert_strict_policy(response)


@pytest.mark.parametrize("url", ["/admin/", "/admin/secretariat/user/"])
def test_admin_pages_have_the_policy(client_for, people, url):
    response = client_for(people.admin).get(url)

    assert response.status_code == 200
    _assert_strict_policy(response)
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_no_admin_list_or_form_has_inline_script_or_style(client_for, people):
    client = client_for(people.admin)
    offenders = []
    for model in admin.site._registry:
        meta = model._meta
        for view in ("changelist", "add"):
            response = client.get(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}")
            )
            html = response.content.decode()
            if INLINE_SCRIPT.search(html) or STYLE.search(html):
                offenders.append(f"{meta.label} {view}")
    assert offenders == []


def test_api_docs_answer_with_the_policy_and_no_inline_script(client):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    _assert_strict_policy(page)
    html = page.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# An executable <script> without src= and without a nonce.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\b(?:src|nonce)=)(?![^>]*type=\"application/json\")[^>]*>",
    re.IGNORECASE,
)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)


def _served_templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if path.relative_to(ROOT / "templates").parts[0] not in NOT_SERVED:
            yield path


def test_served_templates_have_no_inline_script_handler_or_style():
    offenders = []
    for path in _served_templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE, re.compile("javascript:")):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


def test_the_scan_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert not INLINE_SCRIPT.search('<script nonce="{{ request.csp_nonce }}">')
    assert EVENT_HANDLER.search('<button onclick="go()">')
    assert STYLE.search('<p style="color: red">')


def test_other_headers_on_a_page(client):
    response = client.get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_http_only(client, people, password, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client.get(reverse("login"))
    response = client.post(
        reverse("login"), {"username": "officer", "password": password}
    )

    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["secure"]
    assert session["samesite"] == "Lax"
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] and csrf["secure"]


def test_production_settings_turn_on_hsts_and_secure_cookies():
    result = run_manage(
        "shell", "--verbosity", "0", "-c",
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_SAVE_EVERY_REQUEST, s.SESSION_IDLE_TIMEOUT)",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="secretariat.example.org",
        BID_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "31536000", "True", "True", "True", "True", "True", "False", "1800",
    ]  # fmt: skip
