"""A number larger than the database can hold is a 400, not a server error:
SQLite's driver raises OverflowError for an integer past 2**63 - 1 (an id a
client sends), where PostgreSQL finds nothing."""

import json

import pytest

pytestmark = pytest.mark.django_db

HUGE = 10**30


def test_a_huge_id_to_mark_read_is_never_a_server_error(api_for, people):
    response = api_for(people.officer).post(
        "/api/notifications/mark-read/", {"ids": [1, HUGE]}, format="json"
    )
    assert response.status_code < 500
    if response.status_code == 400 and "code" in response.json():
        assert response.json()["code"] == "out_of_range"


def test_an_overflow_answers_400_as_json_under_the_api_and_as_a_page_elsewhere(rf):
    from secretariat.malformed import NumberOutOfRangeMiddleware

    middleware = NumberOutOfRangeMiddleware(lambda request: None)
    api = middleware.process_exception(rf.post("/api/x/"), OverflowError("too big"))
    assert api.status_code == 400
    assert json.loads(api.content) == {
        "detail": "A number in the request is too large.",
        "code": "out_of_range",
    }
    page = middleware.process_exception(rf.post("/tenders/new/"), OverflowError())
    assert page.status_code == 400
    assert b"too large" in page.content
    assert middleware.process_exception(rf.get("/"), ValueError()) is None
