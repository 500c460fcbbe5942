"""Extreme values sent to every form of the web app and every write of the API
answer with a refusal (a 4xx or a form error), never a server error.

The operations come from the OpenAPI schema and the forms from the pages the
URL resolver serves (each page fetched as a person the authorization matrix lets
in, its HTML forms parsed), so a new form or endpoint is covered without anyone
listing it. Each value is sent once with every field set to it, and once more
into each numeric field of an otherwise well-formed request, so that the value
reaches the service and the database rather than stopping at a missing field.
Every request runs in a savepoint rolled back after it: one world serves all.
"""

import datetime as dt
import json
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import reverse

from tests.security import matrix, surface
from tests.security.bodies import body_for
from tests.security.client import api_client, web_client

HUGE = 2**40
EXTREMES = [HUGE, 10**30, -1, 0, "1.5", "abc", "a\x00b", "x" * 100_000]
NUMERIC_EXTREMES = [HUGE, 10**30, -(2**40), "1.5"]
# Writes that would leave the test (sign-in throttling aside) or that nothing
# of a person's input reaches.
SKIPPED_PAGES = {"logout"}


def send(client, method, url, **kwargs):
    """The status of one request, its writes undone; a crash is a 500."""
    try:
        with transaction.atomic():
            response = getattr(client, method.lower())(url, **kwargs)
            transaction.set_rollback(True)
    except Exception as exc:  # noqa: BLE001 - a crash is the answer to report
        return 500, f"{type(exc).__name__}: {str(exc)[:200]}"
    return response.status_code, response.content[:200]


def _first_allowed(answers, owners, *, wanted=("200", "201", "ok", "400", "409")):
    for preference in wanted:
        for who, answer in zip(matrix.WHO, answers, strict=True):
            if who != "anonymous" and answer == preference:
                return owners.user_name(who)
    return None


# ---------------------------------------------------------------- the API


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def _request_body(schema, operation):
    """(media type, properties) of an operation's request body."""
    content = operation.get("requestBody", {}).get("content", {})
    for media in ("application/json", "multipart/form-data"):
        if media in content:
            return media, _resolve(schema, content[media]["schema"]).get(
                "properties", {}
            )
    return None, {}


def _is_numeric(prop) -> bool:
    return prop.get("type") in {"integer", "number"} or prop.get("format") in {
        "decimal",
        "double",
        "float",
    }


def api_writes(schema):
    for path, operations in sorted(schema["paths"].items()):
        for method, operation in operations.items():
            if method in {"post", "put", "patch"}:
                yield method.upper(), path, operation


def _api_request(media, data):
    if media == "multipart/form-data":
        return {"data": {k: str(v) for k, v in data.items()}, "format": "multipart"}
    return {"data": data, "format": "json"}


@pytest.mark.django_db
def test_no_api_write_answers_extreme_values_with_a_server_error(world, quiet_refusals):
    schema = surface.openapi_schema()
    clients = {}
    errors = []
    for method, path, operation in api_writes(schema):
        key = f"{method} {path}"
        _what, url_of = matrix.api_object(path)
        url = url_of(world)
        [(_method, answers)] = matrix.API[key]
        name = _first_allowed(answers, matrix.api_owners(path))
        if name is None:
            continue
        if name not in clients:
            clients[name] = api_client(world.user(name))
        client = clients[name]
        media, properties = _request_body(schema, operation)
        fields = [n for n, p in properties.items() if not p.get("readOnly")]
        if not fields:
            continue
        for value in EXTREMES:
            request = _api_request(media, dict.fromkeys(fields, value))
            status, body = send(client, method, url, **request)
            if status >= 500:
                errors.append(f"{key} as {name}, all fields = {value!r:.40}: {body}")
        base = body_for(key, world)
        base_data = base.get("data", {})
        for field in fields:
            if not _is_numeric(properties[field]):
                continue
            for value in NUMERIC_EXTREMES:
                data = {**base_data, field: value}
                if base.get("format") == "multipart":
                    data = {k: v for k, v in data.items() if not hasattr(v, "read")}
                request = _api_request(media, data)
                status, body = send(client, method, url, **request)
                if status >= 500:
                    errors.append(f"{key} as {name}, {field} = {value!r:.40}: {body}")
    assert not errors, f"{len(errors)} server errors:\n" + "\n".join(errors)


@pytest.mark.django_db
def test_huge_quantities_and_standstills_are_refused_next_to_their_field(
    people, quiet_refusals
):
    """The numbers found to overflow their column, sent where they would be
    accepted (a draft tender), each refused as a field error."""
    from tests.procurement.api_helpers import lot_body, requirement_body, tender_body
    from tests.procurement.helpers import draft_tender

    tender = draft_tender(people)
    api = api_client(people.procurement)
    requirement = tender.requirements.get().pk
    for url, data, field in [
        ("/api/requirements/", requirement_body(quantity=HUGE), "quantity"),
        ("/api/tenders/", tender_body(requirement, standstill_days=HUGE),
         "standstill_days"),
        (f"/api/tenders/{tender.case.reference}/", {"standstill_days": HUGE},
         "standstill_days"),
        (f"/api/tenders/{tender.case.reference}/lots/", lot_body(quantity=HUGE),
         "quantity"),
    ]:  # fmt: skip
        method = "patch" if url.count("/") == 4 else "post"
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 400, (url, response.content)
        assert field in response.json(), (url, response.json())

    web = web_client(people.procurement)
    for url, data in [
        (reverse("procurement:requirement_create"), {"quantity": str(HUGE)}),
        (reverse("procurement:lot_add", args=[tender.case.reference]),
         {"quantity": str(HUGE)}),
        (reverse("procurement:tender_create"), {"standstill_days": str(HUGE)}),
    ]:  # fmt: skip
        page = web.post(url, data)
        assert page.status_code == 200, url
        field = next(iter(data))
        assert "Ensure this value is less than or equal to" in str(
            page.context["form"].errors[field]
        ), (url, page.context["form"].errors)


# ---------------------------------------------------------------- the web


class FormParser(HTMLParser):
    """The forms of a page: action, method and fields (name, kind, default)."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").upper(),
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "option" and self._select:
            kind, chosen = self._form["fields"][self._select]
            value = attrs.get("value", "")
            if "selected" in attrs or (chosen in (None, "") and value):
                self._form["fields"][self._select] = (kind, value)
        elif not attrs.get("name"):
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "reset", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                self._form["fields"].setdefault(attrs["name"], (kind, None))
                return
            self._form["fields"][attrs["name"]] = (kind, attrs.get("value", ""))
        elif tag == "select":
            self._select = attrs["name"]
            self._form["fields"][self._select] = ("select", None)
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form["fields"][self._textarea] = ("textarea", "")

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            kind, value = self._form["fields"][self._textarea]
            self._form["fields"][self._textarea] = (kind, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


IN_A_MONTH = (dt.date.today() + dt.timedelta(days=30)).isoformat()
FILLERS = {
    "date": IN_A_MONTH,
    "datetime-local": f"{IN_A_MONTH}T12:00",
    "email": "someone@example.org",
    "number": "1",
    "text": "Test",
    "textarea": "Test",
    "url": "https://example.org/",
}


def well_formed(fields) -> dict:
    """What a person might send: the page's defaults, empty fields filled."""
    data = {}
    for name, (kind, value) in fields.items():
        if kind in {"file", "checkbox", "radio"} and value is None:
            continue
        if kind == "password":
            continue
        data[name] = value if value not in (None, "") else FILLERS.get(kind, "")
    return data


def page_forms(world, clients, key):
    """(person, page URL, forms) of a page, as the first person the matrix lets
    see it."""
    rows = dict(matrix.WEB[key])
    answers = rows.get("GET/POST") or rows.get("GET")
    if answers is None:
        return None
    owners = matrix.WEB_OWNERS.get(key, matrix.LATVIAN)
    name = _first_allowed(answers, owners, wanted=("200",))
    if name is None:
        return None
    if name not in clients:
        clients[name] = web_client(world.user(name))
    _what, url_of = matrix.web_object(key)
    url = url_of(world)
    response = clients[name].get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return None
    parser = FormParser()
    parser.feed(response.content.decode())
    return name, url, parser.forms


@pytest.mark.django_db
def test_no_web_form_answers_extreme_values_with_a_server_error(world, quiet_refusals):
    clients = {}
    seen = set()
    errors = []
    for key in sorted(matrix.WEB):
        if key in SKIPPED_PAGES:
            continue
        found = page_forms(world, clients, key)
        if found is None:
            continue
        name, url, forms = found
        client = clients[name]
        for form in forms:
            action = urlsplit(urljoin(url, form["action"] or url)).path
            fields = {n: f for n, f in form["fields"].items()
                      if n != "csrfmiddlewaretoken"}  # fmt: skip
            signature = (form["method"], action, tuple(sorted(fields)))
            if not fields or signature in seen:
                continue
            seen.add(signature)
            method = "POST" if form["method"] == "POST" else "GET"
            for value in EXTREMES:
                data = {n: str(value) for n in fields}
                status, body = send(client, method, action, data=data)
                if status >= 500:
                    errors.append(
                        f"{method} {action} ({key}) as {name}, all fields = "
                        f"{value!r:.40}: {body}"
                    )
            base = well_formed(fields)
            for field, (kind, _default) in fields.items():
                if kind != "number":
                    continue
                for value in NUMERIC_EXTREMES:
                    data = {**base, field: str(value)}
                    status, body = send(client, method, action, data=data)
                    if status >= 500:
                        errors.append(
                            f"{method} {action} ({key}) as {name}, {field} = "
                            f"{value!r:.40}: {body}"
                        )
    assert not errors, f"{len(errors)} server errors:\n" + "\n".join(errors)


def test_the_form_parser_reads_fields_defaults_and_actions():
    parser = FormParser()
    parser.feed(
        '<form method="post" action="/x/"><input name="a" type="number" value="3">'
        '<select name="s"><option value="">--</option><option value="k">K</option>'
        '</select><textarea name="t">hi</textarea><input type="submit" name="go">'
        '<input type="checkbox" name="c"></form><form><input name="q"></form>'
    )
    first, second = parser.forms
    assert first["method"] == "POST" and first["action"] == "/x/"
    assert first["fields"] == {
        "a": ("number", "3"), "s": ("select", "k"), "t": ("textarea", "hi"),
        "c": ("checkbox", None),
    }  # fmt: skip
    assert second == {"action": "", "method": "GET", "fields": {"q": ("text", "")}}
    assert well_formed(first["fields"]) == {"a": "3", "s": "k", "t": "hi"}
    assert json.dumps(EXTREMES[:4]) == "[1099511627776, " + str(10**30) + ", -1, 0]"
