import rules
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from secretariat.kernel.roles import Role, has_role, is_staff_reader


def _nav_items(user):
    """The main navigation: only the places this person may open, decided by the
    same permission rules the pages check (``rules.has_perm`` reads the rules
    alone, from the roles already loaded, at no query)."""
    can = rules.has_perm
    items = []

    def add(label, url, perm=None, obj=None):
        if perm is None or can(perm, user, obj):
            items.append({"label": label, "url": url})

    staff = is_staff_reader(user)
    if staff:
        add(_("Dashboard"), reverse("dashboard"), "secretariat.view_dashboard")
        add(_("My work"), reverse("my_work"))
        add(_("Members"), reverse("members:list"), "members.view_memberstate")
        add(
            _("Disbursements"),
            reverse("disbursement_list"),
            "secretariat.view_disbursementrequest",
        )
        add(_("Fund"), reverse("fund_statement"), "secretariat.view_fund_statement")
        add(
            _("Requirements"),
            reverse("procurement:requirement_list"),
            "procurement.view_requirement",
        )
        add(
            _("Tenders"), reverse("procurement:tender_list"), "procurement.list_tenders"
        )
        add(
            _("Contracts"),
            reverse("procurement:contract_list"),
            "procurement.view_contract",
        )
        add(
            _("Discrepancies"),
            reverse("procurement:discrepancy_list"),
            "procurement.list_discrepancies",
        )
        add(
            _("Field reports"),
            reverse("procurement:field_report_list"),
            "procurement.list_field_reports",
        )
        add(
            _("Manufacturers"),
            reverse("procurement:manufacturer_list"),
            "procurement.view_manufacturer",
        )
        add(
            _("Red flags"),
            reverse("procurement:red_flags"),
            "procurement.view_red_flags",
        )
    else:
        # Everyone may have something to do (a liaison's onboarding steps, a
        # representative's deliveries): the policy's queues say what.
        add(_("My work"), reverse("my_work"))
        # A person of a member state who may read its record (its liaison)
        # gets the state's menu.
        state = user.member_state if user.member_state_id else None
        if state is not None and can("members.view_memberstate", user, state):
            add(state.name, state.get_absolute_url())
            add(
                _("Fund statement"),
                reverse("fund_statement"),
                "secretariat.view_fund_statement",
            )
            add(
                _("Manufacturers"),
                reverse("procurement:manufacturer_list"),
                "procurement.view_manufacturer",
            )
            add(
                _("Tenders"),
                reverse("procurement:tender_list"),
                "procurement.list_tenders",
            )
        # A company's menu for its representatives. The role, not a
        # permission on the company, so that the menu costs no query.
        if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
            if not any(i["url"] == reverse("procurement:tender_list") for i in items):
                add(
                    _("Tenders"),
                    reverse("procurement:tender_list"),
                    "procurement.list_tenders",
                )
            add(_("My bids"), reverse("procurement:bid_list"), "procurement.submit_bid")
            add(
                _("Contracts"),
                reverse("procurement:contract_list"),
                "procurement.view_contract",
            )
            add(
                _("My company"),
                reverse("procurement:manufacturer", args=[user.manufacturer_id]),
            )
        # Ukraine's end users: the requirements they state and follow.
        if user.has_perm("procurement.submit_requirement"):
            add(
                _("Requirements"),
                reverse("procurement:requirement_list"),
                "procurement.view_requirement",
            )
            add(
                _("Submit a requirement"),
                reverse("procurement:requirement_submit"),
                "procurement.submit_requirement",
            )
    if not staff:
        # Receiving batches (Ukraine's end users), and what the field says of
        # them (end users, liaisons and representatives, each their share).
        add(
            _("Deliveries to receive"),
            reverse("procurement:delivery_list"),
            "procurement.receive_deliveries",
        )
        add(
            _("Field reports"),
            reverse("procurement:field_report_list"),
            "procurement.list_field_reports",
        )
    add(
        _("Evaluation queue"),
        reverse("procurement:evaluation_queue"),
        "procurement.evaluate",
    )
    add(_("Reports"), reverse("report_list"), "secretariat.view_reports")
    add(_("API"), reverse("api_docs"))
    if user.is_staff:
        add(_("Admin"), reverse("admin:index"))
    return items


def _mark_current(items, path):
    """``aria-current``: "page" on the link to this very page, "true" on the
    section it belongs to (the longest matching link)."""
    best = None
    for item in items:
        item["current"] = ""
        url = item["url"]
        if path == url:
            best = item
            break
        longer = best is None or len(url) > len(best["url"])
        if url != "/" and path.startswith(url) and longer:
            best = item
    if best is not None:
        best["current"] = "page" if path == best["url"] else "true"
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": SimpleLazyObject(
            lambda: _mark_current(_nav_items(user), request.path)
        ),
        # Which breadcrumbs and sub-menus a person sees: the staff's (every
        # member's records) or their own state's or company's.
        "nav_is_staff": is_staff_reader(user),
        "nav_is_admin": user.is_staff,
    }


def notification_bell(request):
    """The unread count for the bell, counted only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from secretariat.notifications.services import unread_count

    return {"unread_notifications": lambda: unread_count(user)}
