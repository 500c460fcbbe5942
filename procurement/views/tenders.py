"""Pages of tenders up to their opening: the list, drafting, lots, publication and
the other moves, clarifications, the OCDS release package."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from procurement import ocds, pricing, selectors, services, track_record
from procurement.filters import (
    TENDER_SORTS,
    TenderFilter,
)
from procurement.forms import (
    CRITERION_LABELS,
    AmendForm,
    CancelForm,
    ClarificationAnswerForm,
    ClarificationAskForm,
    CommitteePassphrasesForm,
    LotForm,
    OpenBidsForm,
    TenderForm,
)
from procurement.freshness import TENDER_PAGE_VERSION
from procurement.models import (
    CRITERIA,
    AwardStatus,
    Delivery,
    Lot,
    RequirementStatus,
    Tender,
    VettingStatus,
)
from procurement.policy.evaluation import LOT_AWARD_FACTS
from procurement.policy.opening import committee_of
from procurement.tables import TENDER_TABLE
from procurement.views.common import (
    T,
    _action_refusal,
    _form_page,
    _is_bidder,
    _offer,
    _offer_unless_committee_sealed,
    _pointing,
    _tender_or_404,
    _tender_url,
    _unless_refused,
)
from secretariat.fund.selectors import pools_for
from secretariat.kernel import policy, versions
from secretariat.kernel.formatting import day_text, grouped, when_text
from secretariat.kernel.forms import (
    CommentForm,
    ConfirmForm,
    call_service,
    posted,
    require_permission,
)
from secretariat.kernel.listing import list_page
from secretariat.kernel.models import Attachment
from secretariat.kernel.roles import is_staff_reader

# Releases per page of the bulk package (``ocds/tenders.json``).
OCDS_RELEASES_PER_PAGE = 100


def _published_releases(reference) -> tuple[Tender, list[dict]]:
    """A tender's releases as published; a draft published none (404)."""
    tender = get_object_or_404(Tender, case__reference=reference)
    releases = selectors.ocds_releases_of(tender)
    if not releases:
        raise Http404
    return tender, releases


def _json(data) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# The tender's hash chain heads go in a response header: the OCDS package
# schema has no field for them, and a field of our own would be an additional
# field that the standard's review tool reports.
CHAIN_HEADS_HEADER = "Chain-Heads"


def _with_chain_heads(response, tender: Tender):
    response[CHAIN_HEADS_HEADER] = ", ".join(
        f"{head['chain']}={head['entries']}:{head['hash']}"
        for head in selectors.ocds_chain_heads(tender)
    )
    return response


@require_GET
def ocds_release_package(request, reference):
    """The OCDS release package of a published tender, open to everyone: every
    release it published, oldest first, each as it was published."""
    tender, releases = _published_releases(reference)
    response = _json(
        ocds.package_for(
            uri=request.build_absolute_uri(),
            releases=releases,
            published_date=releases[-1]["date"],
        )
    )
    return _with_chain_heads(response, tender)


@require_GET
def ocds_record_package(request, reference):
    """The OCDS record of a published tender, open to everyone: its releases
    linked in the release package, and compiled into its current state."""
    tender, releases = _published_releases(reference)
    package_uri = request.build_absolute_uri(
        reverse("procurement:ocds_release_package", args=[reference])
    )
    response = _json(
        ocds.record_package_for(
            uri=request.build_absolute_uri(),
            package_uri=package_uri,
            releases=releases,
            compiled=ocds.compiled_release(releases),
        )
    )
    return _with_chain_heads(response, tender)


@require_GET
def ocds_bulk_package(request):
    """Every release of every published tender, in the order they were
    published, a page at a time: ``links.next`` gives the next page, and a
    harvester that keeps the last one gets only what is new."""
    cursor = request.GET.get("cursor", "0")
    if not cursor.isdigit():
        raise Http404
    releases, following = selectors.ocds_releases_after(
        int(cursor), size=OCDS_RELEASES_PER_PAGE
    )
    newest = max((r["date"] for r in releases), default=None)
    package = ocds.package_for(
        uri=request.build_absolute_uri(),
        releases=releases,
        published_date=newest or timezone.now().isoformat(),
    )
    if following is not None:
        package["links"] = {
            "next": request.build_absolute_uri(
                f"{reverse('procurement:ocds_bulk_package')}?cursor={following}"
            )
        }
    return _json(package)


@login_required
def tender_list(request):
    require_permission(request, "procurement.list_tenders")
    # Counted per tender shown (a correlated subquery), not by grouping every
    # tender before the page is cut.
    lot_count = (
        Lot.objects.filter(tender=OuterRef("pk"))
        .order_by()
        .values("tender")
        .annotate(n=Count("id"))
        .values("n")
    )
    tenders = selectors.tenders_for(request.user, kind_hint=False).annotate(
        lot_count=Coalesce(Subquery(lot_count), 0)
    )
    context = list_page(
        request,
        tenders,
        filterset_class=TenderFilter,
        sorts=TENDER_SORTS,
        default_sort="-opened",
        page_hint=selectors.tender_kind_hint,
        table=TENDER_TABLE,
    )
    if download := context.get("download"):
        return download
    return render(
        request,
        "procurement/tender_list.html",
        {
            **context,
            "create": policy.decide("tender.create", request.user),
            "is_bidder": _is_bidder(request.user),
        },
    )


@login_required
def tender_create(request):
    _action_refusal(request, "tender.create", None)
    user = request.user
    open_requirements = selectors.requirements_for(user).filter(
        status=RequirementStatus.OPEN
    )
    chosen = [pk for pk in request.GET.getlist("requirement") if pk.isdigit()]
    form = TenderForm(
        posted(request)[0],
        requirements=open_requirements,
        pools=pools_for(user),
        manufacturers=selectors.manufacturers_for(user).filter(
            vetting_status=VettingStatus.VETTED
        ),
        initial={
            "requirements": chosen,
            "standstill_days": settings.AWARD_STANDSTILL_MIN_DAYS,
            **_from_requirements(list(open_requirements.filter(pk__in=chosen))),
        },
    )
    if request.method == "POST" and form.is_valid():
        created = call_service(
            form,
            lambda: _pointing(
                lambda: services.tender_create(actor=user, **form.tender_fields()),
                weights="weight_price",
            ),
        )
        if created:
            messages.success(
                request,
                _("%(ref)s is drafted. Add its lots, then publish it.")
                % {"ref": created.case.reference},
            )
            return redirect(_tender_url(created))
    return _form_page(
        request,
        form,
        title=_("Draft a tender"),
        intro=_(
            "A tender answers open requirements. It stays a draft, visible to the "
            "secretariat only, until it is published."
        ),
        # Said before the form is filled in, not after: the form asks for at
        # least one open requirement.
        notice=None
        if open_requirements.exists()
        else _(
            "No requirement is open: each one already has its tender. Record "
            "a requirement first, then draft a tender from its page."
        ),
        submit=_("Draft tender"),
        back_url=reverse("procurement:tender_list"),
    )


def _from_requirements(requirements) -> dict:
    """A tender drafted from one requirement ("Draft a tender from this
    requirement") starts with its title and what it asks for."""
    if len(requirements) != 1:
        return {}
    (requirement,) = requirements
    asked = _(
        "Answers %(ref)s: %(quantity)s units of %(capability)s, needed by %(day)s."
    ) % {
        "ref": requirement.reference,
        "quantity": grouped(requirement.quantity),
        "capability": _(requirement.capability.name),
        "day": day_text(requirement.needed_by),
    }
    return {
        "title": requirement.title,
        "description": f"{asked}\n\n{requirement.specification}",
    }


def _tender_initial(tender) -> dict:
    return {
        "title": tender.title,
        "description": tender.description,
        "requirements": list(tender.requirements.values_list("pk", flat=True)),
        "pool": tender.pool_id,
        "procedure": tender.procedure,
        "invited": list(tender.invited.values_list("pk", flat=True)),
        "clarification_deadline": tender.clarification_deadline,
        "submission_deadline": tender.submission_deadline,
        **{f"weight_{name}": weight for name, weight in tender.weights().items()},
        "excluded_origins": ", ".join(tender.excluded_origins),
        "standstill_days": tender.standstill_days,
        "price_formula": tender.price_formula,
    }


@login_required
def tender_edit(request, reference):
    """Edit a draft tender (its deadlines too, once they have passed)."""
    tender = _tender_or_404(request, reference)
    refused = _action_refusal(request, "tender.edit", tender)
    user = request.user
    form = TenderForm(
        posted(request)[0],
        requirements=selectors.requirements_for(user)
        .filter(Q(status=RequirementStatus.OPEN) | Q(tenders=tender))
        .distinct(),
        pools=pools_for(user),
        manufacturers=selectors.manufacturers_for(user).filter(
            Q(vetting_status=VettingStatus.VETTED) | Q(pk__in=tender.invited.all())
        ),
        initial=_tender_initial(tender),
    )
    if request.method == "POST" and form.is_valid():
        edited = call_service(
            form,
            lambda: _pointing(
                lambda: services.tender_update(
                    tender=tender, actor=user, **form.tender_fields()
                ),
                weights="weight_price",
            ),
        )
        if edited:
            messages.success(
                request, _("%(ref)s is saved.") % {"ref": tender.case.reference}
            )
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        title=_("Edit %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        intro=_(
            "A draft can be changed until it is published. The deadlines may be "
            "set to any dates; publishing checks that they are still ahead."
        ),
        notice=refused if request.method == "GET" else None,
        submit=_("Save the draft"),
        back_url=_tender_url(tender),
    )


def _next_step(tender) -> str:
    """What happens next and who must act."""
    status = tender.status
    if status == T.DRAFT:
        return _("A procurement officer adds the lots and publishes the tender.")
    if status == T.PUBLISHED:
        return _(
            "Manufacturers may ask questions until %(until)s; then bids are "
            "accepted until %(deadline)s."
        ) % {
            "until": when_text(tender.clarification_deadline),
            "deadline": when_text(tender.submission_deadline),
        }
    if status == T.TENDERING:
        return _(
            "Manufacturers submit sealed bids until %(deadline)s. Nobody but the "
            "bidder can read a bid before a procurement officer opens them all "
            "after the deadline."
        ) % {"deadline": when_text(tender.submission_deadline)}
    if status == T.CLOSED:
        return _("A procurement officer opens the bids.")
    if status == T.OPENED:
        return _(
            "The evaluators declare any conflict of interest with the bidders; a "
            "procurement officer then starts the evaluation."
        )
    if status == T.EVALUATION:
        return _(
            "The evaluators score every eligible bid; a procurement officer "
            "recommends an award for each lot, and a co-lead approver who did not "
            "recommend it approves it."
        )
    if status == T.AWARDED:
        return _(
            "Standstill: losing bidders may complain until it ends; then a "
            "procurement officer signs the contracts."
        )
    if status == T.CONTRACTED:
        return _(
            "The manufacturers report their deliveries; a procurement officer "
            "records the acceptance tests, and accepted units become payable."
        )
    return _("Nothing: the case is closed.")


# The buttons of a tender's page, in order: the action, its page and whether
# it is a danger. The policy says whether each is shown, and enabled or
# disabled with the reason; the service asks the same policy.
TENDER_BUTTONS = {
    "tender.edit": ("procurement:tender_edit", False),
    "tender.add_lot": ("procurement:lot_add", False),
    "tender.publish": ("procurement:tender_publish", False),
    "tender.amend": ("procurement:tender_amend", False),
    "tender.open": ("procurement:tender_open", False),
    "committee.appoint": ("procurement:committee_appoint", False),
    "tender.name_opening_committee": ("procurement:opening_committee_name", False),
    "tender.replace_opener": ("procurement:opener_replace", False),
    "tender.reissue_share": ("procurement:opener_reissue", False),
    "tender.start_evaluation": ("procurement:tender_start_evaluation", False),
    "tender.cancel": ("procurement:tender_cancel", True),
}


def _tender_actions(tender, user) -> list[dict]:
    reference = tender.case.reference
    return [
        {
            "label": act.label,
            "url": reverse(TENDER_BUTTONS[act.name][0], args=[reference]),
            "danger": TENDER_BUTTONS[act.name][1],
            "decision": decision,
        }
        for act, decision in policy.offered(user, tender, TENDER_BUTTONS)
    ]


# The moves an award's card offers in each status (the page's own table);
# the policy says whether this person may take each now, or why not.
AWARD_BUTTONS = {
    AwardStatus.RECOMMENDED: [
        ("award.approve", "procurement:award_approve",
         gettext_lazy("Approve the award"), ""),
    ],
    AwardStatus.APPROVED: [
        ("contract.sign", "procurement:contract_sign",
         gettext_lazy("Sign the contract"), ""),
        ("complaint.file", "procurement:complaint_file",
         gettext_lazy("File a complaint"), "secondary"),
    ],
}  # fmt: skip


def _awards_for_page(tender, user):
    awards = list(
        selectors.awards_for(user)
        .filter(lot__tender=tender)
        .select_related("contract")
        .prefetch_related(
            Prefetch("complaints", queryset=selectors.complaints_for(user))
        )
        .order_by("lot__number", "-recommended_at")
    )
    now = timezone.now()
    for award in awards:
        award.signed = getattr(award, "contract", None)
        buttons = [
            button
            for button in AWARD_BUTTONS.get(award.status, [])
            # A signed award's contract has its own page.
            if not (award.signed and button[0] == "contract.sign")
        ]
        urls = {name: (url, label, css) for name, url, label, css in buttons}
        award.buttons = [
            (decision, urls[act.name][1],
             reverse(urls[act.name][0], args=[award.pk]), urls[act.name][2])
            for act, decision in policy.offered(user, award, list(urls))
        ]  # fmt: skip
        award.in_standstill = (
            award.status == AwardStatus.APPROVED and now < award.standstill_until
        )
    return awards


@login_required
def tender_detail(request, reference, comment_form=None):
    tender = _tender_or_404(request, reference)
    user = request.user
    staff = is_staff_reader(user)
    can_manage = user.has_perm("procurement.manage_tender", tender)
    bidder = _is_bidder(user)
    # What the policy ``award.recommend`` reads of each lot, loaded with it.
    lots = list(tender.lots.select_related("capability").annotate(**LOT_AWARD_FACTS))

    # A bidder's own bids, at any time.
    own_bids = []
    if bidder:
        own_bids = [
            (bid, _offer_unless_committee_sealed(bid, user))
            for bid in selectors.bids_for(user)
            .filter(lot__tender=tender)
            .order_by("lot__number", "-submitted_at")
        ]

    context = {
        "tender": tender,
        "case": tender.case,
        "staff": staff,
        "bidder": bidder,
        "can_manage": can_manage,
        "lots": lots,
        "weights": [(CRITERION_LABELS[c], w) for c, w in tender.weights().items()],
        "next_step": _next_step(tender),
        "own_bids": own_bids,
        "ask": policy.decide("clarification.ask", user, tender),
        "clarifications": (
            tender.clarifications.all()
            if staff
            else selectors.clarifications_for(tender)
        ),
        "can_answer": policy.may("clarification.answer", user, tender),
        "awards": _awards_for_page(tender, user),
        "contracts": selectors.contracts_for(user)
        .filter(award__lot__tender=tender)
        .prefetch_related(
            "milestones",
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.select_related(
                    "milestone", "disbursement__case"
                ),
            ),
        ),
    }
    if staff:
        context.update(
            _staff_tender_context(
                request,
                tender,
                can_manage,
                comment_form,
                awards=context["awards"],
                lots=lots,
            )
        )
    return render(request, "procurement/tender_detail.html", context)


# The opened bids are shown a page at a time and the ranking by its leaders in
# each lot: a tender may have hundreds of bids, and each shown offer is unsealed.
OPENED_BIDS_PER_PAGE = 25


RANKING_SHOWN_PER_LOT = 5


# The opened bids and the ranking change only when a score sheet is submitted
# (the ranking's key), the policies answer differently, or the bidders' names or
# track records change (``procurement.freshness``): they are kept rendered, as
# HTML, under a key of all of these, the page and the language. Whatever the
# sections show depends on the viewer only through the policies' answers, read
# afresh on every request and part of the key: two people with the same answers
# share a fragment, nobody gets one built for answers they do not have. Neither
# holds a form (no CSRF token) nor anything else of the person.
FRAGMENT_CACHE_SECONDS = 10 * 60


def _fragment(request, template: str, key_parts: tuple, build) -> str:
    """``template`` rendered with the context ``build()`` answers, from the
    cache while ``key_parts`` and the data version are the same."""
    version = versions.current(TENDER_PAGE_VERSION)
    key = None
    if version is not None:  # else the cache is down: render every time
        fingerprint = repr(
            (template, version, get_language(),
             timezone.get_current_timezone_name(), key_parts)
        )  # fmt: skip
        key = "fragment:" + hashlib.sha256(fingerprint.encode()).hexdigest()
        html = versions.safe_get(key)
        if html is not None:
            return html
    compiled = get_template(template).template
    context = Context(build(), autoescape=compiled.engine.autoescape)
    # Only for ``{% querystring %}`` (the pagination's links keep the query):
    # no context processor runs, nothing of the person enters the fragment.
    context.request = request
    html = compiled.render(context)
    if key is not None:
        versions.safe_set(key, html, FRAGMENT_CACHE_SECONDS)
    return html


def _opened_bids_html(request, tender) -> str:
    user = request.user
    bids = (
        selectors.bids_for(user)
        .filter(lot__tender=tender)
        .order_by("lot__number", "manufacturer__name", "id")
    )
    page = Paginator(bids, OPENED_BIDS_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    page.object_list = shown
    # What the policies let this viewer see of each bid on the page, and the
    # bids as read: the fragment is keyed by both.
    with_record = {bid.pk for bid in track_record.shown_beside(user, shown)}
    seen = tuple(
        (bid.pk, bid.public_id, bid.status, bid.eligible, bid.ineligible_reason,
         bid.lot.number, bid.manufacturer_id, bid.manufacturer.name,
         policy.decide("bid.read_offer", user, bid), bid.pk in with_record)
        for bid in shown
    )  # fmt: skip
    key_parts = (
        # The price scores are a function of this (the opening, the formula).
        pricing.price_scores_key(tender),
        page.number,
        page.paginator.count,
        sorted(request.GET.lists()),
        # A milestone is overdue from a day on.
        timezone.localdate(),
        seen,
    )

    def build():
        offers = [(bid, _offer(bid, user)) for bid in shown]
        # The price criterion's score, by the tender's formula (eligible bids).
        prices = pricing.price_scores(tender)
        # Each bidder's track record beside its bid (the policy decides).
        records = track_record.beside_bids(user, shown, quarters=False)
        for bid in shown:
            bid.price_score = prices.get(bid.pk)
            bid.track_record = records.get(bid.pk)
        return {"bids": offers, "bids_page": page}

    return _fragment(request, "procurement/_opened_bids.html", key_parts, build)


def _ranking_html(request, tender, lots) -> str:
    user = request.user
    sheets = selectors.submitted_sheets(tender)
    # The policy's answer for each lot (what ``award.recommend`` reads of the
    # lot, its awards among them, is loaded with it): part of the key.
    recommend = {
        lot.number: policy.decide("award.recommend", user, lot) for lot in lots
    }
    key_parts = (
        selectors.ranking_key(tender, sheets),
        RANKING_SHOWN_PER_LOT,
        sorted(recommend.items()),
    )

    def build():
        ranking = selectors.ranking(
            tender, leaders=RANKING_SHOWN_PER_LOT, sheets=sheets
        )
        by_lot = {}
        for row in ranking.ranked:
            by_lot.setdefault(row.bid.lot.number, []).append(
                {
                    "bid": row.bid,
                    "total": row.total,
                    "scores": [row.by_criterion[c] for c in CRITERIA],
                }
            )
        return {
            "case": tender.case,
            "ranking": {
                "lots": [
                    {
                        "number": number,
                        "rows": rows,
                        "more": ranking.per_lot[number] - len(rows),
                        "recommend": recommend[number],
                    }
                    for number, rows in sorted(by_lot.items())
                ],
                "ineligible": ranking.ineligible,
                "sheets": ranking.sheets,
                "criteria": [CRITERION_LABELS[c] for c in CRITERIA],
            },
        }

    return _fragment(request, "procurement/_ranking.html", key_parts, build)


def _staff_tender_context(request, tender, can_manage, comment_form, *, awards, lots):
    user = request.user
    context = {
        "actions": _tender_actions(tender, user),
        "requirements": tender.requirements.select_related("capability"),
        "committee": tender.committee.select_related("evaluator"),
        "opening_committee": committee_of(tender),
        # Sealed: no list, no count, nothing about the bids at all.
        "bids_html": None,
        "ended_unopened": tender.opened_at is None
        and tender.status in {T.CANCELLED, T.UNSUCCESSFUL},
        "ranking_html": None,
        "comment_form": comment_form or CommentForm(),
        "comments": tender.case.comments.select_related("author"),
        "documents": Attachment.objects.filter(case=tender.case).select_related(
            "uploaded_by"
        ),
        "timeline": selectors.tender_timeline(tender),
    }
    if selectors.bids_are_opened(tender):
        context["bids_html"] = _opened_bids_html(request, tender)
    if tender.status in {T.EVALUATION, T.AWARDED, T.CONTRACTED}:
        context["ranking_html"] = _ranking_html(request, tender, lots)
    return context


@dataclass(frozen=True)
class TenderAction:
    label: str
    form: type
    done: str
    explanation: str
    danger: bool = False


TENDER_ACTIONS = {
    "publish": TenderAction(
        label=gettext_lazy("Publish"),
        form=ConfirmForm,
        done=gettext_lazy(
            "%(ref)s is published: manufacturers may ask questions until "
            "%(clarifications)s."
        ),
        explanation=gettext_lazy(
            "Publishing shows the tender to the members' liaisons and to the "
            "manufacturers who may bid, and puts its requirements in the tender. "
            "Lots can no longer be added."
        ),
    ),
    "amend": TenderAction(
        label=gettext_lazy("Amend"),
        form=AmendForm,
        done=gettext_lazy("%(ref)s is amended; bids are accepted until %(deadline)s."),
        explanation=gettext_lazy(
            "If the submission deadline is too close for bidders to take the "
            "change into account, it moves to the minimum notice."
        ),
    ),
    "open": TenderAction(
        label=gettext_lazy("Open the bids"),
        form=OpenBidsForm,
        done=gettext_lazy(
            "The bids of %(ref)s are opened; each has been checked for eligibility."
        ),
        explanation=gettext_lazy(
            "Every bid is opened at once, after the submission deadline, and the "
            "opening is recorded with your name. This cannot be undone: from now "
            "on the secretariat reads the bids."
        ),
        danger=True,
    ),
    "start_evaluation": TenderAction(
        label=gettext_lazy("Start the evaluation"),
        form=ConfirmForm,
        done=gettext_lazy("The evaluation of %(ref)s has started."),
        explanation=gettext_lazy(
            "Evaluators who declared no conflict of interest score the eligible "
            "bids. Evaluators may still declare afterwards."
        ),
    ),
    "cancel": TenderAction(
        label=gettext_lazy("Cancel the tender"),
        form=CancelForm,
        done=gettext_lazy("%(ref)s is cancelled; its requirements are open again."),
        explanation=gettext_lazy(
            "A cancelled tender is closed for good. Its requirements return to the "
            "open requirements."
        ),
        danger=True,
    ),
}


def _call_tender_action(action, tender, actor, data):
    if action == "publish":
        return services.tender_publish(tender=tender, actor=actor)
    if action == "amend":
        return services.tender_amend(
            tender=tender,
            actor=actor,
            reason=data["reason"],
            description=data["description"],
        )
    if action == "open":
        return services.tender_open(
            tender=tender, actor=actor, passphrases=data.get("passphrases")
        )
    if action == "start_evaluation":
        return services.tender_start_evaluation(tender=tender, actor=actor)
    return services.tender_cancel(tender=tender, actor=actor, reason=data["reason"])


# The policy of each action with a page of its own under the tender.
TENDER_ACTION_POLICIES = {
    "publish": "tender.publish",
    "amend": "tender.amend",
    "open": "tender.open",
    "start_evaluation": "tender.start_evaluation",
    "cancel": "tender.cancel",
}


def _publication_notice(action, tender) -> str | None:
    """What in a draft's lots publication will refuse (the content of the
    tender, checked by the service), shown above the publish form."""
    if action != "publish":
        return None
    return " ".join(services.tender_publication_errors(tender)) or None


def _tender_facts(tender):
    return [
        (_("Status"), tender.get_status_display()),
        (_("Clarifications until"), when_text(tender.clarification_deadline)),
        (_("Bids until"), when_text(tender.submission_deadline)),
    ]


def _committee_opening_form(request, tender):
    """The opening of bids sealed to a committee: a passphrase field per
    member, at least the threshold filled in, and the confirmation."""
    committee = committee_of(tender)
    if committee is None or not committee.has_keys:
        return None
    return CommitteePassphrasesForm(
        posted(request)[0],
        openers=committee.openers.filter(
            replaced_at__isnull=True, sealed_share__isnull=False
        ).select_related("person"),
        threshold=committee.threshold,
        confirm=_(
            "Open every bid now; the opening is recorded with my name and "
            "the names of the members who typed their passphrases"
        ),
    )


@login_required
@sensitive_post_parameters()
def tender_action(request, reference, action):
    tender = _tender_or_404(request, reference)
    refused = _action_refusal(request, TENDER_ACTION_POLICIES[action], tender)
    spec = TENDER_ACTIONS[action]
    initial = {"description": tender.description} if action == "amend" else None
    form = _committee_opening_form(request, tender) if action == "open" else None
    if form is None:
        form = spec.form(posted(request)[0], initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if isinstance(form, CommitteePassphrasesForm):
            data["passphrases"] = form.passphrases()
        done = call_service(
            form,
            lambda: _call_tender_action(action, tender, request.user, data),
        )
        if done:
            messages.success(
                request,
                spec.done
                % {
                    "ref": tender.case.reference,
                    "clarifications": when_text(done.clarification_deadline),
                    "deadline": when_text(done.submission_deadline),
                },
            )
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        title=_("%(ref)s: %(action)s")
        % {"ref": tender.case.reference, "action": spec.label},
        tender=tender,
        facts=_tender_facts(tender),
        intro=spec.explanation,
        notice=(refused or _publication_notice(action, tender))
        if request.method == "GET"
        else None,
        submit=_("Confirm: %(action)s") % {"action": spec.label},
        danger=spec.danger,
        back_url=_tender_url(tender),
    )


def _first_lot_initial(tender) -> dict:
    """A tender's first lot starts as what its (first) requirement asks for:
    its title, capability and quantity."""
    if tender.lots.exists():
        return {}
    requirement = (
        tender.requirements.select_related("capability").order_by("pk").first()
    )
    if requirement is None:
        return {}
    return {
        "title": requirement.title,
        "capability": requirement.capability_id,
        "quantity": requirement.quantity,
    }


@login_required
def lot_add(request, reference):
    tender = _tender_or_404(request, reference)
    refused = _action_refusal(request, "tender.add_lot", tender)
    form = LotForm(posted(request)[0], initial=_first_lot_initial(tender))
    if request.method == "POST" and form.is_valid():
        created = call_service(
            form,
            lambda: services.lot_add(
                tender=tender, actor=request.user, **form.cleaned_data
            ),
        )
        if created:
            messages.success(request, _("Lot %(n)d is added.") % {"n": created.number})
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        notice=refused if request.method == "GET" else None,
        title=_("Add a lot to %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        intro=_(
            "The lot's capability must be one the tender's pool (%(pool)s) may pay for."
        )
        % {"pool": tender.pool.name},
        submit=_("Add lot"),
        back_url=_tender_url(tender),
    )


@login_required
def clarification_ask(request, reference):
    tender = _tender_or_404(request, reference)
    refused = _action_refusal(request, "clarification.ask", tender)
    form = ClarificationAskForm(posted(request)[0])
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.clarification_ask(
                tender=tender,
                actor=request.user,
                question=form.cleaned_data["question"],
            ),
        )
    ):
        messages.success(
            request,
            _("Your question is sent. The answer is published to every bidder."),
        )
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        title=_("Ask a question about %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        facts=_tender_facts(tender),
        notice=refused if request.method == "GET" else None,
        submit=_("Send question"),
        back_url=_tender_url(tender),
    )


@login_required
def clarification_answer(request, reference, pk):
    tender = _tender_or_404(request, reference)
    _action_refusal(request, "clarification.answer", tender)
    clarification = get_object_or_404(tender.clarifications, pk=pk)
    form = ClarificationAnswerForm(
        posted(request)[0], initial={"answer": clarification.answer}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.clarification_answer(
                clarification=clarification,
                actor=request.user,
                answer=form.cleaned_data["answer"],
            ),
        )
    ):
        messages.success(request, _("The answer is published to every bidder."))
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        form,
        title=_("Answer a question about %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        facts=[(_("Question"), clarification.question)],
        submit=_("Publish answer"),
        back_url=_tender_url(tender),
    )
