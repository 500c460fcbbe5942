"""National manufacturers: nominated by their state's liaison, vetted by staff,
declaring their supply chain; each person sees only what is theirs."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from procurement import selectors, services
from procurement.models import Manufacturer, VettingStatus
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import CapabilityCategory, TimelineEvent
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import pdf

pytestmark = pytest.mark.django_db


def nominate(actor, state, name="SIA Baltic UAV", number="40103000001"):
    return services.manufacturer_nominate(
        actor=actor, member_state=state, name=name, registration_number=number,
        contact_name="Anna Kalna", contact_email="anna@balticuav.example",
    )  # fmt: skip


@pytest.fixture
def latvian_maker(people, latvia):
    return nominate(people.liaison_lv, latvia)


@pytest.fixture
def representative(latvian_maker):
    return UserFactory(
        username="rep", roles=[Role.MANUFACTURER_REPRESENTATIVE],
        manufacturer=latvian_maker,
    )  # fmt: skip


def test_a_liaison_nominates_and_staff_vet(people, latvian_maker):
    assert latvian_maker.vetting_status == VettingStatus.APPLIED
    assert latvian_maker.nominated_by == people.liaison_lv
    services.manufacturer_vet(
        manufacturer=latvian_maker, actor=people.procurement, to_status="vetted",
        reason="Registration and ownership checked",
    )  # fmt: skip
    assert refresh(latvian_maker).vetting_status == VettingStatus.VETTED
    event = TimelineEvent.objects.get(action="status_changed")
    assert (event.from_status, event.to_status) == ("applied", "vetted")
    assert event.actor == people.procurement
    assert event.reason == "Registration and ownership checked"


def test_a_liaison_cannot_nominate_for_another_state(people, latvia):
    with pytest.raises(PermissionDenied):
        nominate(people.liaison_jp, latvia)
    assert not Manufacturer.objects.exists()


def test_only_members_manufacturers_are_nominated(people, japan):
    with pytest.raises(ConflictError, match="Japan is not a member"):
        nominate(people.procurement, japan)


def test_duplicate_registration_is_refused(people, latvian_maker, latvia):
    with pytest.raises(ApplicationError, match="already registered") as refused:
        nominate(people.procurement, latvia, name="Other name")
    assert refused.value.field == "registration_number"
    assert Manufacturer.objects.count() == 1


@pytest.mark.parametrize("who", ["liaison_lv", "finance", "officer", "approver_lv"])
def test_only_procurement_officers_vet(people, latvian_maker, who):
    with pytest.raises(PermissionDenied):
        services.manufacturer_vet(
            manufacturer=latvian_maker, actor=getattr(people, who),
            to_status="vetted", reason="r",
        )  # fmt: skip
    assert refresh(latvian_maker).vetting_status == VettingStatus.APPLIED


def test_illegal_vetting_moves_are_refused(people, latvian_maker):
    with pytest.raises(ConflictError, match="was already moved to “Applied” by "):
        services.manufacturer_vet(
            manufacturer=latvian_maker, actor=people.procurement,
            to_status="applied", reason="r",
        )  # fmt: skip
    with pytest.raises(ApplicationError, match="Give a reason"):
        services.manufacturer_vet(
            manufacturer=latvian_maker, actor=people.procurement,
            to_status="vetted", reason=" ",
        )  # fmt: skip


def test_the_representative_declares_the_supply_chain(people, latvian_maker,
                                                     representative):  # fmt: skip
    declared = services.supply_chain_declare(
        manufacturer=latvian_maker, actor=representative,
        origins={"flight_controller": "lv", "motors": "PL", "cameras": "JP",
                 "radios": "EE", "batteries": "DE"},
    )  # fmt: skip
    assert {(d.component, d.origin_country.code) for d in declared} == {
        ("flight_controller", "LV"), ("motors", "PL"), ("cameras", "JP"),
        ("radios", "EE"), ("batteries", "DE"),
    }  # fmt: skip
    services.supply_chain_declare(
        manufacturer=latvian_maker, actor=representative, origins={"motors": "LT"}
    )
    motors = latvian_maker.supply_chain.get(component="motors")
    assert motors.origin_country.code == "LT"
    assert latvian_maker.supply_chain.count() == 5


def test_bad_supply_chain_declarations_are_refused(people, latvian_maker,
                                                   representative):  # fmt: skip
    for origins, message in [
        ({"wings": "LV"}, "not a critical component"),
        ({"motors": "XX"}, "not a country code"),
        ({}, "at least one component"),
    ]:
        with pytest.raises(ApplicationError, match=message):
            services.supply_chain_declare(
                manufacturer=latvian_maker, actor=representative, origins=origins
            )
    assert not latvian_maker.supply_chain.exists()


def test_a_representative_acts_only_for_their_company(people, latvia, latvian_maker,
                                                      representative):  # fmt: skip
    other = nominate(people.procurement, latvia, name="SIA Other", number="2")
    with pytest.raises(PermissionDenied):
        services.supply_chain_declare(
            manufacturer=other, actor=representative, origins={"motors": "LV"}
        )


def test_test_results_with_a_report(people, latvian_maker):
    result = services.manufacturer_test_record(
        manufacturer=latvian_maker, actor=people.procurement,
        capability=CapabilityCategory.objects.get(code="reconnaissance"),
        product="Mazais 3", site="Sēlia military training ground",
        tested_on=dt.date(2025, 6, 12), outcome="passed",
        summary="Range and jamming resistance met the requirement.",
        report_file=pdf("selia-report.pdf"),
    )  # fmt: skip
    assert result.report.original_name == "selia-report.pdf"
    assert result.report.subject == latvian_maker
    with pytest.raises(ApplicationError, match="cannot be in the future"):
        services.manufacturer_test_record(
            manufacturer=latvian_maker, actor=people.procurement,
            capability=result.capability, product="X", site="Sēlia",
            tested_on=timezone.localdate() + dt.timedelta(days=1), outcome="passed",
            summary="s",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("procurement", {"SIA Baltic UAV", "UK Drones Ltd"}),
        ("officer", {"SIA Baltic UAV", "UK Drones Ltd"}),
        ("liaison_lv", {"SIA Baltic UAV"}),
        ("liaison_jp", set()),
        ("rep", {"SIA Baltic UAV"}),
        ("evaluator", set()),
        ("outsider", set()),
    ],
)
def test_who_sees_which_manufacturers(people, uk, latvian_maker, representative,
                                      who, sees):  # fmt: skip
    nominate(people.procurement, uk, name="UK Drones Ltd", number="GB1")
    user = representative if who == "rep" else getattr(people, who)
    assert {m.name for m in selectors.manufacturers_for(user)} == sees
    for manufacturer in Manufacturer.objects.all():
        assert user.has_perm("procurement.view_manufacturer", manufacturer) == (
            manufacturer.name in sees
        )
