"""The evaluator's matrix on a 390-pixel phone: it scrolls inside its own box,
the weighted totals follow the boxes as they are typed, and a refused score
comes back with the summary of errors at the top and what was typed kept."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_accessibility import signed_in_as, tender_in_evaluation
from tests.browser.test_responsive import overflow

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def test_the_matrix_on_a_phone(request, chromium, live_server):
    seat = tender_in_evaluation(request)
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, bypass_csp=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        signed_in_as(context, live_server, seat.evaluator)
        page = context.new_page()
        page.goto(reverse("procurement:evaluation", args=[seat.pk]))
        assert overflow(page) == ""
        matrix = page.locator("#score-matrix")
        totals = matrix.locator("output[data-total]")
        # Nothing typed: each bid's price share (40% of 100, of 87.50).
        expect(totals).to_have_text(["40.00", "35.00"])
        box = matrix.get_by_label("Lot 1, SIA Baltic UAV: Technical merit", exact=True)
        box.fill("80")
        # 40 + 80 x 25%, as typed, before anything is saved.
        expect(totals.first).to_have_text("60.00")
        assert_accessible(page, "the evaluator's matrix on a phone")

        # A score over 100 is refused: the summary comes first, focused, and
        # the boxes keep what was typed.
        matrix.get_by_label("Lot 1, SIA Baltic UAV: Delivery", exact=True).fill("120")
        matrix.get_by_role("button", name="Save scores").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("less than or equal to 100")
        expect(summary).to_be_in_viewport()
        expect(
            matrix.get_by_label("Lot 1, SIA Baltic UAV: Delivery", exact=True)
        ).to_have_value("120")
        expect(box).to_have_value("80")
        assert overflow(page) == ""
    finally:
        context.close()
