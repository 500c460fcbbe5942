"""Pages of bids: sealed submission, change, withdrawal, documents."""

import base64
import binascii
import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from procurement import selectors, services, track_record
from procurement.filters import (
    BID_SORTS,
    BidFilter,
)
from procurement.forms import (
    BidForm,
    WithdrawForm,
    compliance_text,
)
from procurement.tables import BID_TABLE
from procurement.views.common import (
    _action_refusal,
    _form_page,
    _is_bidder,
    _lot_or_404,
    _offer_unless_committee_sealed,
    _refused_form,
    _tender_or_404,
    _tender_url,
)
from secretariat.fund.services.ledger import eur
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.formatting import day_text, when_text
from secretariat.kernel.forms import (
    call_service,
    posted,
    require_permission,
)
from secretariat.kernel.listing import list_page


def _require_bidder(request, perm="procurement.submit_bid", obj=None) -> None:
    """403 for anyone but a representative acting for their own company."""
    require_permission(request, perm, obj)
    if not _is_bidder(request.user):
        raise PermissionDenied


@login_required
def bid_list(request):
    """A manufacturer's representative's own bids."""
    _require_bidder(request)
    context = list_page(
        request,
        selectors.bids_for(request.user),
        filterset_class=BidFilter,
        sorts=BID_SORTS,
        default_sort="-submitted",
        table=BID_TABLE,
    )
    if download := context.get("download"):
        return download
    return render(request, "procurement/bid_list.html", context)


@login_required
def bid_submit(request, reference, number):
    tender = _tender_or_404(request, reference)
    lot = _lot_or_404(tender, number)
    refusal = _action_refusal(request, "bid.submit", lot)
    form = BidForm(*posted(request), lot=lot)
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = call_service(
            form,
            lambda: services.bid_submit(
                lot=lot,
                actor=request.user,
                unit_price=data["unit_price"],
                quantity=data["quantity"],
                delivery_schedule=data["delivery_schedule"],
                compliance=data["compliance"],
                documents=form.documents(),
            ),
        )
        if created:
            messages.success(
                request,
                _("Your bid is sealed. Nobody else can read it before the bids are "
                  "opened after %(deadline)s; you may change or withdraw it until "
                  "then.") % {"deadline": when_text(tender.submission_deadline)},
            )  # fmt: skip
            if getattr(created, "own_copy", None) is not None:
                return _own_copy_page(request, created)
            return redirect(created)
    return _form_page(
        request,
        shown,
        title=_("Bid for lot %(n)d of %(ref)s")
        % {"n": lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=[
            (_("Lot"), f"{lot.number}: {lot.title}"),
            (_("Quantity"), lot.quantity),
            (_("Maximum unit price"), eur(lot.max_unit_price)),
            (
                _("Delivery"),
                _("%(start)s to %(end)s")
                % {
                    "start": day_text(lot.delivery_from),
                    "end": day_text(lot.delivery_to),
                },
            ),
            (_("Bids until"), when_text(tender.submission_deadline)),
        ],
        intro=_(
            "Your bid is encrypted when you submit it; only your company can "
            "read it until the bids are opened."
        ),
        notice=notice,
        submit=_("Submit sealed bid"),
        back_url=_tender_url(tender),
    )


def _readable_bid_or_404(request, public_id):
    """A bid the user may read, and its offer; anyone else, before or after
    opening, is told it does not exist."""
    bid = get_object_or_404(
        selectors.readable_bids_for(request.user), public_id=public_id
    )
    try:
        offer = _offer_unless_committee_sealed(bid, request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    return bid, offer


@login_required
def bid_detail(request, public_id):
    bid, offer = _readable_bid_or_404(request, public_id)
    user = request.user
    tender = bid.lot.tender
    own = _is_bidder(user) and bid.manufacturer_id == user.manufacturer_id
    return render(
        request,
        "procurement/bid_detail.html",
        {
            "bid": bid,
            "tender": tender,
            "offer": offer,
            "own": own,
            "events": selectors.bid_events_for(user).filter(bid=bid),
            # The bidder's track record, once the bids are opened (the policy
            # decides who sees it).
            "track_record": track_record.beside_bids(user, [bid]).get(bid.pk),
        },
    )


def _own_bid_or_404(request, public_id, name):
    """A bid the user may read, its offer, and why ``name`` cannot be done to
    it now (403 for anyone but its bidder)."""
    bid, offer = _readable_bid_or_404(request, public_id)
    return bid, offer, _action_refusal(request, name, bid)


@login_required
def bid_change(request, public_id):
    bid, offer, refusal = _own_bid_or_404(request, public_id, "bid.change")
    tender = bid.lot.tender
    initial = {}
    if offer is not None:
        initial = {
            "unit_price": offer.unit_price,
            "quantity": offer.quantity,
            "delivery_schedule": offer.delivery_schedule,
            "compliance": compliance_text(offer.compliance),
            "keep_documents": True,
        }
    form = BidForm(*posted(request), initial=initial, lot=bid.lot, changing=True)
    if offer is None:
        # Sealed to the opening committee: nothing of it can be read back,
        # so the change replaces the whole offer, documents included.
        del form.fields["keep_documents"]
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if changed := call_service(
            form,
            lambda: services.bid_change(
                bid=bid,
                actor=request.user,
                unit_price=data["unit_price"],
                quantity=data["quantity"],
                delivery_schedule=data["delivery_schedule"],
                compliance=data["compliance"],
                documents=form.documents(),
                keep_documents=data.get("keep_documents", False),
            ),
        ):
            messages.success(request, _("Your bid is changed and sealed again."))
            if getattr(changed, "own_copy", None) is not None:
                return _own_copy_page(request, changed)
            return redirect(bid)
    return _form_page(
        request,
        shown,
        title=_("Change your bid for lot %(n)d of %(ref)s")
        % {"n": bid.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=[
            (_("Maximum unit price"), eur(bid.lot.max_unit_price)),
            (_("Lot quantity"), bid.lot.quantity),
            (
                _("Documents in the bid"),
                ", ".join(d["name"] for d in offer.documents) or "—"
                if offer is not None
                else _("Sealed to the opening committee"),
            ),
            (_("Bids until"), when_text(tender.submission_deadline)),
        ],
        intro=None
        if offer is not None
        else _(
            "This bid is sealed to the tender's opening committee: nothing of it "
            "can be read back before the opening. A change replaces the whole "
            "offer: enter every field again and upload the documents again."
        ),
        notice=notice,
        submit=_("Seal the changed bid"),
        back_url=bid.get_absolute_url(),
    )


@login_required
def bid_withdraw(request, public_id):
    bid, offer, refusal = _own_bid_or_404(request, public_id, "bid.withdraw")
    tender = bid.lot.tender
    form = WithdrawForm(posted(request)[0])
    shown, notice = _refused_form(request, form, refusal)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.bid_withdraw(bid=bid, actor=request.user)
        )
    ):
        messages.success(
            request,
            _("Your bid is withdrawn. You may submit a new one until %(deadline)s.")
            % {"deadline": when_text(tender.submission_deadline)},
        )
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        shown,
        title=_("Withdraw your bid for lot %(n)d of %(ref)s")
        % {"n": bid.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=[
            (_("Unit price"), eur(offer.unit_price)),
            (_("Quantity"), offer.quantity),
        ]
        if offer is not None
        else [(_("Offer"), _("Sealed to the opening committee"))],
        notice=notice,
        submit=_("Withdraw bid"),
        danger=True,
        back_url=bid.get_absolute_url(),
    )


@login_required
@never_cache
def bid_document(request, public_id, index):
    bid = get_object_or_404(
        selectors.readable_bids_for(request.user), public_id=public_id
    )
    try:
        documents = services.bid_offer(bid, user=request.user).get("documents") or []
    except PermissionDenied as exc:
        raise Http404 from exc
    except ConflictError as exc:  # sealed to the opening committee
        return HttpResponse(
            exc.message, status=409, content_type="text/plain; charset=utf-8"
        )
    if not 0 <= index < len(documents):
        raise Http404
    document = documents[index]
    try:
        content = base64.b64decode(document["content"])
    except (binascii.Error, KeyError) as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=document["content_type"])
    response["Content-Disposition"] = content_disposition_header(True, document["name"])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _own_copy_page(request, bid):
    """The answer to a bid sealed to the opening committee: the servers cannot
    read it back, so the bidder's own copy is offered here, once, as a file
    to download (a data link: nothing of it is stored)."""
    copy = {
        "bid": str(bid.public_id),
        "tender": bid.lot.tender.case.reference,
        "lot": bid.lot.number,
        "receipt_sha256": hashlib.sha256(bytes(bid.sealed)).hexdigest(),
        "offer": bid.own_copy,
    }
    encoded = base64.b64encode(
        json.dumps(copy, indent=2, sort_keys=True, default=str).encode()
    ).decode()
    return render(
        request,
        "procurement/bid_own_copy.html",
        {
            "bid": bid,
            "tender": bid.lot.tender,
            "receipt": copy["receipt_sha256"],
            "download": f"data:application/json;base64,{encoded}",
            "file_name": f"bid-{bid.lot.tender.case.reference}-lot-{bid.lot.number}"
            f"-{bid.public_id}.json",
        },
    )
