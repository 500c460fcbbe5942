"""On a phone and on paper. Every main page, opened by the person who uses it,
fits a 390-pixel phone and a 1366-pixel laptop without the page scrolling
sideways, keeps its menu within reach on the phone and passes axe-core; the
records (a case, a tender's opening, a contract with its deliveries, a
disbursement with its approval chain) print without the menu and the forms."""

import io
import unicodedata
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from procurement import services as procurement
from procurement.models import CommitteeMember
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.formatting import eur
from tests.browser.axe import BLOCKING, axe_violations, describe
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import is_staff, two_factor_ready
from tests.browser.test_accessibility import japan_onboarding
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.helpers import draft_tender, to_tendering
from tests.twofactor import mark_verified

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 900}
# What only the screen shows: the menu, the account, the search and the forms.
SCREEN_ONLY = [
    "Skip to content",
    "My work",
    "Notifications",
    "Sign out",
    "Settings",
    "Add comment",
]


@dataclass
class World:
    """Something on every main page: Japan's onboarding case; a tender opened,
    evaluated, awarded and contracted, with a delivery accepted whose
    disbursement is approved; another tender open for bids."""

    people: object
    onboarding: object
    tender: object
    seat: CommitteeMember
    contract: object
    rep: object
    disbursement: object
    open_tender: object


def build_world(request) -> World:
    people = request.getfixturevalue("people")
    onboarding = japan_onboarding(request)
    contract, rep = request.getfixturevalue("contract")
    delivery = procurement.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep,
        quantity=150, note="Delivered to the Sēlia training ground",
    )  # fmt: skip
    delivery = procurement.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=140,
        test_site="Sēlia military training ground", tested_on=timezone.localdate(),
        report_file=pdf("acceptance.pdf"), note="10 units failed the jamming test",
    )  # fmt: skip
    disbursement = delivery.disbursement
    dsb.disbursement_adopt(request=disbursement, actor=people.finance)
    dsb.disbursement_submit(request=disbursement, actor=people.finance)
    checker = UserFactory(username="checker", roles=["finance_officer"])
    dsb.disbursement_check(request=disbursement, actor=checker, comment="In order")
    dsb.disbursement_approve(
        request=disbursement, actor=people.approver_lv, comment="Approved for Latvia"
    )
    tender = contract.award.lot.tender
    return World(
        people=people,
        onboarding=onboarding,
        tender=tender,
        seat=CommitteeMember.objects.get(tender=tender, evaluator=people.evaluator),
        contract=contract,
        rep=rep,
        disbursement=disbursement,
        open_tender=to_tendering(draft_tender(people), people),
    )


# (name, who opens it, its address); who: an attribute of ``people`` or "rep".
PAGES = [
    ("landing", "officer", lambda w: reverse("start")),
    ("dashboard", "officer", lambda w: reverse("dashboard")),
    ("my-work", "officer", lambda w: reverse("my_work")),
    ("member-list", "officer", lambda w: reverse("members:list")),
    (
        "member-page",
        "liaison_jp",
        lambda w: w.onboarding.member_state.get_absolute_url(),
    ),
    ("onboarding-case", "officer", lambda w: w.onboarding.get_absolute_url()),
    ("notifications", "officer", lambda w: reverse("notification_list")),
    ("search", "officer", lambda w: "/search/?q=Japan"),
    ("tender-list", "procurement", lambda w: reverse("procurement:tender_list")),
    (
        "tender-page",
        "procurement",
        lambda w: reverse("procurement:tender", args=[w.tender.case.reference]),
    ),
    (
        "contract-page",
        "procurement",
        lambda w: reverse("procurement:contract", args=[w.contract.pk]),
    ),
    (
        "bid-form",
        "rep",
        lambda w: reverse(
            "procurement:bid_submit", args=[w.open_tender.case.reference, 1]
        ),
    ),
    (
        "evaluation-page",
        "evaluator",
        lambda w: reverse("procurement:evaluation", args=[w.seat.pk]),
    ),
    ("disbursement-list", "finance", lambda w: reverse("disbursement_list")),
    ("disbursement-page", "finance", lambda w: w.disbursement.get_absolute_url()),
    ("ledger", "finance", lambda w: reverse("ledger")),
]


class Sessions:
    """One browser context; each person's session cookie swapped in as the
    pages change hands (signed in once, as the second factor's page leaves it;
    the sign-in itself is the journeys' to test)."""

    def __init__(self, context, live_server, world):
        self.context, self.url, self.world = context, live_server.url, world
        self.cookies, self.current = {}, None

    def be(self, who):
        if who == self.current:
            return
        if who not in self.cookies:
            user = self.world.rep if who == "rep" else getattr(self.world.people, who)
            client = Client()
            client.force_login(user)
            if two_factor_ready() and is_staff(user):
                mark_verified(client, user)
            self.cookies[who] = [
                {"name": name, "value": morsel.value, "url": self.url}
                for name, morsel in client.cookies.items()
            ]
        self.context.clear_cookies()
        self.context.add_cookies(self.cookies[who])
        self.current = who


@pytest.fixture
def browse(chromium, live_server):
    """A browser context of the given viewport; closed after the test."""
    contexts = []

    def make(viewport):
        context = chromium.new_context(
            base_url=live_server.url, viewport=viewport, bypass_csp=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def overflow(page) -> str:
    """What sticks out sideways, or "" when the page fits its window."""
    return page.evaluate(
        """() => {
            const width = window.innerWidth;
            if (document.documentElement.scrollWidth <= width) return "";
            const wide = [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > width + 1)
                .filter((e) => !e.parentElement
                    || e.parentElement.getBoundingClientRect().right <= width + 1)
                .slice(0, 5)
                .map((e) => {
                    const classes = String(e.className || "").split(" ").join(".");
                    const right = Math.round(e.getBoundingClientRect().right);
                    return `${e.tagName.toLowerCase()}${classes ? "." : ""}`
                        + `${classes} ${right}px`;
                });
            return `${document.documentElement.scrollWidth}px wide in ${width}px: `
                + wide.join(", ");
        }"""
    )


def small_targets(page, scope) -> list[str]:
    """The links and buttons in ``scope`` less than 24 pixels tall or wide."""
    return page.evaluate(
        """(scope) => [...document.querySelectorAll(
                `${scope} a, ${scope} button, ${scope} input, ${scope} summary`)]
            .filter((e) => e.offsetParent !== null)
            .filter((e) => {
                const box = e.getBoundingClientRect();
                return box.height < 24 || box.width < 24;
            })
            .map((e) => `${e.textContent.trim() || e.name || e.tagName}`
                + ` (${Math.round(e.getBoundingClientRect().width)}`
                + `x${Math.round(e.getBoundingClientRect().height)})`)""",
        scope,
    )


def check_menu_on_phone(page) -> list[str]:
    problems = []
    toggle = page.get_by_role("button", name="Menu")
    sign_out = page.get_by_role("button", name="Sign out")
    if not toggle.is_visible():
        return ["no Menu button"]
    if toggle.get_attribute("aria-expanded") != "false" or sign_out.is_visible():
        problems.append("the menu is not collapsed")
    toggle.click()
    if toggle.get_attribute("aria-expanded") != "true":
        problems.append("the Menu button does not say it is expanded")
    if not sign_out.is_visible():
        return [*problems, "Sign out is not visible in the open menu"]
    sign_out.click(trial=True)  # visible, enabled, and nothing covers it
    if width := overflow(page):
        problems.append(f"with the menu open, {width}")
    if small := small_targets(page, ".site-header"):
        problems.append(f"targets under 24px: {', '.join(small)}")
    toggle.press("Enter")
    if sign_out.is_visible():
        problems.append("the menu does not close again from the keyboard")
    return problems


def check_menu_on_laptop(page) -> list[str]:
    problems = []
    if page.get_by_role("button", name="Menu").is_visible():
        problems.append("a Menu button on a wide screen")
    if not page.get_by_role("button", name="Sign out").is_visible():
        problems.append("Sign out is not visible")
    if not page.get_by_role("navigation", name="Main").is_visible():
        problems.append("the main menu is not visible")
    return problems


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_main_pages_fit_the_screen(viewport, request, live_server, browse):
    world = build_world(request)
    context = browse(viewport)
    sessions = Sessions(context, live_server, world)
    page = context.new_page()
    phone = viewport is PHONE
    failures = []
    for name, who, url_of in PAGES:
        url = url_of(world)
        sessions.be(who)
        response = page.goto(url)
        where = f"{name} ({url}) as {who}"
        if response.status != 200:
            failures.append(f"{where}: HTTP {response.status}")
            continue
        problems = []
        if width := overflow(page):
            problems.append(width)
        problems += check_menu_on_phone(page) if phone else check_menu_on_laptop(page)
        if phone:  # and on the narrowest phones in use
            page.set_viewport_size(NARROW_PHONE)
            if width := overflow(page):
                problems.append(f"at 360px, {width}")
            page.set_viewport_size(PHONE)
        blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        if blocking:
            problems.append("axe:\n" + describe(blocking))
        failures += [f"{where}: {problem}" for problem in problems]
    assert not failures, "\n".join(failures)


def test_the_buttons_of_what_waits_are_in_view_on_a_phone(request, live_server, browse):
    """What waits for a person (the landing page), a case's checklist and a
    tender's lots are a card per row on a phone: each row's buttons are within
    the screen, not off to the right of a table that scrolls sideways."""
    onboarding = japan_onboarding(request)
    people = request.getfixturevalue("people")
    (_maker, rep), _ = request.getfixturevalue("bidders")
    tender = to_tendering(draft_tender(people), people)
    context = browse(PHONE)
    world = World(people, onboarding, None, None, None, rep, None, tender)
    sessions = Sessions(context, live_server, world)
    page = context.new_page()
    for who, url, buttons in (
        ("officer", reverse("start"), "tr.work-item a.button"),
        ("officer", onboarding.get_absolute_url(), "table.checklist a.button"),
        ("rep", tender.get_absolute_url(), "#lots-heading + table a.button"),
    ):
        sessions.be(who)
        assert page.goto(url).status == 200
        boxes = [b.bounding_box() for b in page.locator(buttons).all()]
        assert boxes, f"{url}: no {buttons}"
        outside = [box for box in boxes if box["x"] + box["width"] > PHONE["width"]]
        assert not outside, f"{url}: {len(outside)} of {len(boxes)} buttons off screen"


# ------------------------------------------------------------------ on paper


def printed(page, url) -> str:
    """The page as Chromium prints it to PDF, as text on one line (the PDF's
    ligatures, such as "ﬁ", spelt out)."""
    response = page.goto(url)
    assert response.status == 200, f"{url}: HTTP {response.status}"
    document = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = " ".join(p.extract_text() for p in document.pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_records_print_without_the_menu(request, live_server, browse):
    world = build_world(request)
    people, contract, tender = world.people, world.contract, world.tender
    context = browse(LAPTOP)
    sessions = Sessions(context, live_server, world)
    page = context.new_page()
    records = {
        "onboarding-case": (
            "officer",
            world.onboarding.get_absolute_url(),
            [world.onboarding.case.reference, "Japan", "acknowledgement.pdf"],
        ),
        "tender-opening": (
            "procurement",
            reverse("procurement:tender", args=[tender.case.reference]),
            [
                tender.case.reference,
                "Bids opened",
                str(people.procurement),
                "SIA Baltic UAV",
                eur("1400.00"),
                eur("1600.00"),
            ],
        ),
        "contract": (
            "procurement",
            reverse("procurement:contract", args=[contract.pk]),
            [
                contract.reference,
                "Deliveries",
                eur(contract.value_eur),
                "Sēlia military training ground",
                world.disbursement.case.reference,
            ],
        ),
        "disbursement": (
            "finance",
            world.disbursement.get_absolute_url(),
            [
                world.disbursement.case.reference,
                "Approval chain",
                eur("196000.00"),
                str(people.approver_lv),
                "Approved for Latvia",
                "Timeline",
            ],
        ),
    }
    failures = []
    for name, (who, url, expected) in records.items():
        sessions.be(who)
        text = printed(page, url)
        # A reference may break across lines at its hyphens.
        missing = [s for s in expected if squeeze(s) not in squeeze(text)]
        shown = [s for s in SCREEN_ONLY if s in text]
        if missing:
            failures.append(f"{name}: the print lacks {missing}: {text[:2000]}")
        if shown:
            failures.append(f"{name}: the print shows the screen's {shown}")
    assert not failures, "\n".join(failures)
