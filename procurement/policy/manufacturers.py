"""Who may act on national manufacturers, now.

A procurement officer runs the register: vets, records tests, declares for any
company. A member liaison nominates their own state's companies and manages
their representatives; a manufacturer's representative declares their own
company's supply chain and bank account. A superuser holds the Administrator
role, which acts as a procurement officer here (administration), and never as a
liaison or a representative."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from members.models import MemberState, MemberStatus
from procurement.models import Manufacturer, VettingStatus
from secretariat.kernel.policy import (
    action,
    allow,
    first_refusal,
    not_now,
    queue,
    refuse,
)
from secretariat.kernel.roles import Role, has_role, is_staff_reader


def runs_procurement(user) -> bool:
    return has_role(user, Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)


def _liaison_state_id(user):
    if has_role(user, Role.MEMBER_LIAISON) and user.member_state_id:
        return user.member_state_id
    return None


def _represented_id(user):
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return user.manufacturer_id
    return None


def nomination_state(user) -> MemberState | None:
    """The one state a person nominates for (a liaison's own), or ``None`` when
    they choose the state (a procurement officer)."""
    return None if runs_procurement(user) else user.member_state


def _nominator(user, state_id) -> object:
    if runs_procurement(user):
        return allow()
    own = _liaison_state_id(user)
    if own is None:
        return refuse(
            _("Manufacturers are nominated by a procurement officer or a member "
              "state's liaison."),
            hidden=True,
        )  # fmt: skip
    if state_id is not None and state_id != own:
        return refuse(_("A liaison nominates manufacturers of their own state only."))
    return allow()


@action(
    "manufacturer.nominate",
    label=_l("Nominate a manufacturer"),
    model=Manufacturer,
    perm="procurement.nominate_manufacturer",
)
def nominate(user, obj=None):
    """``obj``: the member state nominated for (or a manufacturer of it)."""
    state = obj.member_state if isinstance(obj, Manufacturer) else obj
    return first_refusal(
        _nominator(user, state.pk if state is not None else None),
        lambda: _member_state_open(state),
    )


def _member_state_open(state):
    if state is None or state.status == MemberStatus.MEMBER:
        return allow()
    return not_now(
        _("%(state)s is not a member (%(status)s); only members' manufacturers take "
          "part in tenders.")
        % {"state": state.name, "status": state.get_status_display().lower()}
    )  # fmt: skip


@queue("manufacturer.nominate", my_work=False)
def nominate_queue(user, states: QuerySet) -> QuerySet:
    """The member states this person may nominate manufacturers for now."""
    states = states.filter(status=MemberStatus.MEMBER)
    if runs_procurement(user):
        return states
    own = _liaison_state_id(user)
    return states.filter(pk=own) if own else states.none()


def _officer(what):
    def check(user):
        if runs_procurement(user):
            return allow()
        return refuse(what, hidden=True)

    return check


@action(
    "manufacturer.vet",
    label=_l("Vet"),
    model=Manufacturer,
    perm="procurement.vet_manufacturer",
)
def vet(user, manufacturer=None):
    return first_refusal(
        _officer(_("Manufacturers are vetted by a procurement officer."))(user),
        lambda: _some_vetting_move(manufacturer),
    )


def _some_vetting_move(manufacturer):
    if manufacturer is None or manufacturer.allowed_transitions():
        return allow()
    return not_now(
        _("%(name)s is %(status)s: its vetting cannot change now.")
        % {
            "name": manufacturer.name,
            "status": manufacturer.get_vetting_status_display().lower(),
        }
    )


@action(
    "manufacturer.record_test",
    label=_l("Record a test result"),
    model=Manufacturer,
    perm="procurement.record_test_result",
)
def record_test(user, manufacturer=None):
    return _officer(_("Test results are recorded by a procurement officer."))(user)


def _officer_or_company(user, manufacturer, what):
    if runs_procurement(user):
        return allow()
    own = _represented_id(user)
    if own is None:
        return refuse(what, hidden=True)
    if manufacturer is not None and manufacturer.pk != own:
        return refuse(_("You act for your own company only."), hidden=True)
    return allow()


@action(
    "manufacturer.declare_supply_chain",
    label=_l("Declare the supply chain"),
    model=Manufacturer,
    perm="procurement.declare_supply_chain",
)
def declare_supply_chain(user, manufacturer=None):
    return _officer_or_company(
        user,
        manufacturer,
        _("The supply chain is declared by the company or a procurement officer."),
    )


@action(
    "manufacturer.set_bank_account",
    label=_l("Set the bank account"),
    model=Manufacturer,
)
def set_bank_account(user, manufacturer=None):
    return _officer_or_company(
        user,
        manufacturer,
        _("The bank account is set by the company or a procurement officer."),
    )


@action(
    "manufacturer.manage_representatives",
    label=_l("Representatives"),
    model=Manufacturer,
    perm="procurement.manage_representatives",
)
def manage_representatives(user, manufacturer=None):
    """Who sees and manages a company's representatives: a procurement officer,
    or a liaison of the company's own state."""
    if runs_procurement(user):
        return allow()
    own = _liaison_state_id(user)
    if own is None or (
        manufacturer is not None and manufacturer.member_state_id != own
    ):
        return refuse(
            _("A company's representatives are managed by a procurement officer or "
              "a liaison of its state."),
            hidden=True,
        )  # fmt: skip
    return allow()


@action(
    "manufacturer.invite_representative",
    label=_l("Invite a representative"),
    model=Manufacturer,
)
def invite_representative(user, manufacturer=None):
    return first_refusal(
        manage_representatives(user, manufacturer),
        lambda: _may_have_representatives(manufacturer),
    )


def _may_have_representatives(manufacturer):
    if manufacturer is None:
        return allow()
    if manufacturer.vetting_status == VettingStatus.SUSPENDED:
        return not_now(
            _("%(name)s is suspended: a suspended manufacturer cannot be given "
              "representatives.")
            % {"name": manufacturer.name}
        )  # fmt: skip
    state = manufacturer.member_state
    if state.status != MemberStatus.MEMBER:
        return not_now(
            _("%(state)s is not a member (%(status)s): its manufacturers cannot be "
              "given representatives.")
            % {"state": state.name, "status": state.get_status_display().lower()}
        )  # fmt: skip
    return allow()


@action(
    "manufacturer.deactivate_representative",
    label=_l("Deactivate a representative"),
    model=Manufacturer,
)
def deactivate_representative(user, manufacturer=None):
    return manage_representatives(user, manufacturer)


# ---------------------------------------------------------------- track record


def _declared_on_committee(user, bid) -> bool:
    """Whether ``user`` sits on the bid's tender committee having declared no
    conflict of interest. A page of bids loads it for all of them
    (``procurement.track_record.beside_bids``); otherwise it is asked here."""
    declared = getattr(bid, "viewer_declared", None)
    if declared is None:
        from procurement.models import CommitteeMember, MemberStanding

        declared = CommitteeMember.objects.filter(
            tender_id=bid.lot.tender_id,
            evaluator=user,
            standing=MemberStanding.DECLARED,
        ).exists()
    return declared


_RECORD_IS_FOR = _l(
    "A manufacturer's track record is shown to the secretariat, to the company "
    "itself, and to evaluators beside its opened bids."
)


def _company_record(user, manufacturer) -> object:
    if is_staff_reader(user):
        return allow()
    own = _represented_id(user)
    if own is not None and own == manufacturer.pk:
        return allow()
    if own is not None:
        return refuse(
            _("A company's track record is shown to the company itself, not to "
              "other manufacturers."),
            hidden=True,
        )  # fmt: skip
    return refuse(_RECORD_IS_FOR, hidden=True)


@action(
    "manufacturer.view_track_record",
    label=_l("Track record"),
    perm="procurement.view_track_record",
)
def view_track_record(user, obj=None):
    """``obj``: a manufacturer (its page) or a bid (beside it, on the tender's
    page and the evaluation page).

    The secretariat's staff see any company's record, and a company's
    representatives their own, on its page. Beside a bid, only once the
    tender's bids are opened (never before: it would tell who bid), to the
    secretariat's staff, the company itself, and the evaluators of that tender
    who declared no conflict of interest. Other manufacturers, member liaisons,
    Ukraine's end users and anyone else see none."""
    from procurement.models import Bid

    if isinstance(obj, Bid):
        tender = obj.lot.tender
        if tender.is_sealed:
            return not_now(
                _("A track record is shown beside a bid only once the bids are "
                  "opened."),
                hidden=True,
            )  # fmt: skip
        if has_role(user, Role.EVALUATOR) and _declared_on_committee(user, obj):
            return allow()
        return _company_record(user, obj.manufacturer)
    if obj is None:
        # Whether the person sees any track record on a company's page.
        if is_staff_reader(user) or _represented_id(user) is not None:
            return allow()
        return refuse(_RECORD_IS_FOR, hidden=True)
    return _company_record(user, obj)
