"""The header's search: cases, members, manufacturers, tenders, requirements and
contracts found by reference or name, each kind read through its own selector so
that a person finds only what they may open. Bids are never searched: their
content is sealed and even their number is withheld until the opening."""

import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members import selectors as member_selectors
from procurement import selectors as procurement_selectors
from secretariat.fund import selectors as fund_selectors

# The first of each kind; the kind's own list (filtered by the same words)
# shows the rest.
PER_KIND = 10
MIN_LENGTH = 2


@dataclass
class Group:
    key: str
    title: str
    hits: list = field(default_factory=list)
    more_url: str = ""
    has_more: bool = False


def _by_reference(prefix: str, query: str) -> Q:
    """Rows whose reference (``REQ-00012``: a prefix and the row's id) is the
    query; ``REQ-12`` and ``req12`` too. A reference is not stored, so it is
    matched by id. Only the prefix (``REQ-``) matches every row of the kind,
    the way ``ONB-`` matches every onboarding case."""
    if re.fullmatch(rf"{prefix}-?", query, re.IGNORECASE):
        return Q(pk__isnull=False)
    found = re.fullmatch(rf"{prefix}-?0*(\d{{1,9}})", query, re.IGNORECASE)
    return Q(pk=int(found.group(1))) if found else Q(pk__in=[])


def _cut(queryset):
    rows = list(queryset[: PER_KIND + 1])
    return rows[:PER_KIND], len(rows) > PER_KIND


def search_for(user, query: str) -> list[Group]:
    """The groups with at least one hit, in a fixed order."""
    query = (query or "").strip()
    if len(query) < MIN_LENGTH:
        return []
    groups = []

    def add(key, title, queryset, describe, list_url=""):
        rows, more = _cut(queryset)
        if rows:
            groups.append(
                Group(
                    key=key,
                    title=title,
                    hits=[describe(row) for row in rows],
                    more_url=list_url,
                    has_more=more,
                )
            )

    onboarding = member_selectors.onboarding_cases_for(user).filter(
        Q(case__reference__icontains=query) | Q(member_state__name__icontains=query)
    )
    add(
        "onboarding",
        _("Onboarding cases"),
        onboarding.order_by("-case__opened_at", "-id"),
        lambda o: {
            "url": o.get_absolute_url(),
            "reference": o.case.reference,
            "name": o.member_state.name,
            "status": o.status_label,
        },
    )
    if user.has_perm("secretariat.view_disbursementrequest"):
        add(
            "disbursements",
            _("Disbursement requests"),
            fund_selectors.disbursements_for(user)
            .filter(
                Q(case__reference__icontains=query) | Q(payee_name__icontains=query)
            )
            .order_by("-case__opened_at", "-id"),
            lambda d: {
                "url": d.get_absolute_url(),
                "reference": d.case.reference,
                "name": d.payee_name,
                "status": d.get_status_display(),
            },
            reverse("disbursement_list") + "?q=",
        )
    if user.has_perm("members.view_memberstate"):
        add(
            "members",
            _("Member states"),
            member_selectors.member_states_for(user)
            .filter(Q(name__icontains=query) | Q(country__iexact=query))
            .order_by("name"),
            lambda m: {
                "url": m.get_absolute_url(),
                "reference": m.country.code,
                "name": m.name,
                "status": m.get_status_display(),
            },
            reverse("members:list") + "?q=",
        )
    if user.has_perm("procurement.view_manufacturer"):
        add(
            "manufacturers",
            _("Manufacturers"),
            procurement_selectors.manufacturers_for(user)
            .filter(Q(name__icontains=query) | Q(registration_number__iexact=query))
            .order_by("name", "id"),
            lambda m: {
                "url": reverse("procurement:manufacturer", args=[m.pk]),
                "reference": m.registration_number,
                "name": m.name,
                "status": m.get_vetting_status_display(),
            },
            reverse("procurement:manufacturer_list") + "?q=",
        )
    if user.has_perm("procurement.list_tenders"):
        add(
            "tenders",
            _("Tenders"),
            procurement_selectors.tenders_for(user)
            .filter(Q(case__reference__icontains=query) | Q(title__icontains=query))
            .order_by("-case__opened_at", "-id"),
            lambda t: {
                "url": reverse("procurement:tender", args=[t.case.reference]),
                "reference": t.case.reference,
                "name": t.title,
                "status": t.get_status_display(),
            },
            reverse("procurement:tender_list") + "?q=",
        )
    if user.has_perm("procurement.view_requirement"):
        add(
            "requirements",
            _("Requirements"),
            procurement_selectors.requirements_for(user)
            .filter(
                _by_reference("REQ", query)
                | Q(title__icontains=query)
                | Q(source_reference__iexact=query)
            )
            .order_by("-recorded_at", "-id"),
            lambda r: {
                "url": r.get_absolute_url(),
                "reference": r.reference,
                "name": r.title,
                "status": r.get_status_display(),
            },
            reverse("procurement:requirement_list") + "?q=",
        )
    if user.has_perm("procurement.view_contract"):
        add(
            "contracts",
            _("Contracts"),
            procurement_selectors.contracts_for(user)
            .filter(
                _by_reference("CTR", query) | Q(manufacturer__name__icontains=query)
            )
            .order_by("-signed_at", "-id"),
            lambda c: {
                "url": reverse("procurement:contract", args=[c.pk]),
                "reference": c.reference,
                "name": c.manufacturer.name,
                "status": c.get_status_display(),
            },
            reverse("procurement:contract_list") + "?q=",
        )
    return groups
