"""A list's bulk action, as a person uses it: one tick box selects every row of
the page (with the keyboard too), shows when only some are ticked, and each
box is big enough for a finger; on a phone a reference stays on one line."""

import pytest
from django.urls import reverse

from secretariat.notifications.models import Notification, NotificationKind
from tests.browser.test_accessibility import disbursement, signed_in_as

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
SELECT_ALL = "Select all on this page"


def unread(person, how_many):
    Notification.objects.bulk_create(
        Notification(
            recipient=person, kind=NotificationKind.values[0], title=f"Notice {n}"
        )
        for n in range(how_many)
    )


def test_select_all_ticks_every_row_and_the_bulk_action_takes_them(
    people, live_server, new_page
):
    from playwright.sync_api import expect

    unread(people.officer, 3)
    page = new_page()
    signed_in_as(page.context, live_server, people.officer)
    page.goto(reverse("notification_list"))
    rows = page.locator('input[type="checkbox"][name="id"]')
    expect(rows).to_have_count(3)
    select_all = page.get_by_role("checkbox", name=SELECT_ALL)
    expect(select_all).to_be_visible()

    # With the keyboard: the box takes the focus and Space ticks it.
    select_all.focus()
    page.keyboard.press("Space")
    for i in range(3):
        expect(rows.nth(i)).to_be_checked()

    # One row unticked: "some", neither all nor none.
    rows.nth(1).uncheck()
    expect(select_all).not_to_be_checked()
    assert select_all.evaluate("box => box.indeterminate")
    rows.nth(1).check()
    expect(select_all).to_be_checked()
    assert not select_all.evaluate("box => box.indeterminate")

    # Every tick box is at least 24 by 24 pixels.
    for box in [select_all, *(rows.nth(i) for i in range(3))]:
        size = box.bounding_box()
        assert size["width"] >= 24 and size["height"] >= 24, size

    page.locator("#bulk-actions").get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("3 notifications marked as read.")).to_be_visible()
    assert not Notification.objects.filter(
        recipient=people.officer, read_at__isnull=True
    ).exists()
    # Nothing left to tick: no "select all" either.
    expect(page.get_by_role("checkbox", name=SELECT_ALL)).to_have_count(0)


def test_on_a_phone_a_reference_is_not_broken_at_its_hyphens(
    request, people, live_server, new_page
):
    draft = disbursement(request)
    page = new_page()
    page.set_viewport_size(PHONE)
    signed_in_as(page.context, live_server, people.finance)
    page.goto(reverse("disbursement_list"))
    link = page.get_by_role("link", name=draft.case.reference, exact=True)
    # An inline element that wraps has one box per line.
    assert link.evaluate("a => a.getClientRects().length") == 1
