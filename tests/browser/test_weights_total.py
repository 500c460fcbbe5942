"""The tender form's weights, as a procurement officer types them: "Total: 95 of
100" under them, kept up to date, and the form's own answer on submission.
The date-times name the officer's time zone."""

import pytest
from django.urls import reverse

from tests.browser.test_accessibility import signed_in_as

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_weights_total_follows_the_typing(people, tender, live_server, new_page):
    from playwright.sync_api import expect

    people.procurement.time_zone = "Europe/Riga"
    people.procurement.save(update_fields=["time_zone"])
    requirement = tender.requirements.get()
    page = new_page()
    signed_in_as(page.context, live_server, people.procurement)
    page.goto(reverse("procurement:tender_create") + f"?requirement={requirement.pk}")
    expect(page.get_by_label("Bids until (Europe/Riga time)")).to_be_visible()
    total = page.locator("#weights-total")
    expect(total).to_have_text("Total: 100 of 100")
    page.get_by_label("Weight of technical merit (%)").fill("20")
    expect(total).to_have_text("Total: 95 of 100")
    expect(total).to_have_class("weights-total help off")
    page.get_by_label("Weight of technical merit (%)").fill("25")
    expect(total).to_have_text("Total: 100 of 100")
    page.get_by_label("Weight of price (%)").fill("30")
    page.get_by_role("button", name="Draft tender").click()
    # Without deadlines and with weights of 90: every problem in one round.
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text(
        "The weights add up to 90; they must add up to 100."
    )
    expect(summary).to_contain_text("Bids until (Europe/Riga time)")
    expect(total).to_have_text("Total: 90 of 100")
