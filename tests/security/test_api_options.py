"""OPTIONS (DRF's metadata: the fields a write takes) on every operation path
of the schema, as each signed-in role: never a server error. It was a 500 on
``/api/notifications/preferences/`` for everyone."""

import re

import pytest

from tests.security import matrix, surface
from tests.security.client import api_client

pytestmark = pytest.mark.django_db

ROLES = ["officer", "finance", "liaison_lv", "rep_lv", "admin"]


def urls_of(schema, world) -> list[str]:
    urls = []
    for path in schema["paths"]:
        try:
            _what, url = matrix.api_object(path)
            urls.append(url(world))
        except KeyError:
            # An operation the matrix does not know yet: any id will do.
            urls.append(re.sub(r"\{[^}]+\}", "1", path))
    return urls


def test_options_on_every_api_path_is_never_a_server_error(world):
    urls = urls_of(surface.openapi_schema(), world)
    assert "/api/notifications/preferences/" in urls
    failures = []
    for role in ROLES:
        api = api_client(world.user(role))
        for url in urls:
            response = api.options(url)
            if response.status_code >= 500:
                failures.append(f"{role} OPTIONS {url}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_options_on_the_preferences_describes_them(world):
    response = api_client(world.user("liaison_lv")).options(
        "/api/notifications/preferences/"
    )
    assert response.status_code == 200
    fields = response.json()["actions"]["PUT"]
    assert fields["step_assigned"]["help_text"] == "Onboarding step assigned to you"
    assert all(field["type"] == "choice" for field in fields.values())
