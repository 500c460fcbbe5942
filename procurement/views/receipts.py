"""Pages of the receiving end: a batch's page with its receipt and field
reports, confirming receipt, the deliveries Ukraine's end users are to
receive, receipt discrepancies and their resolution, field reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement import selectors, services
from procurement.forms import (
    CRITERION_LABELS,
    DiscrepancyResolveForm,
    FieldReportForm,
    ReceiptForm,
)
from procurement.models import (
    TYPED_CRITERIA,
    Delivery,
    DiscrepancyStatus,
    MilitaryUnit,
    Receipt,
)
from procurement.policy.receipts import end_user_units
from procurement.views.common import _action_refusal, _form_page
from secretariat.kernel import policy
from secretariat.kernel import selectors as kernel_selectors
from secretariat.kernel.forms import CommentForm, call_service, posted
from secretariat.kernel.models import Attachment

# A list shows at most this many rows: the newest.
LIST_LIMIT = 100


def _delivery_or_404(request, pk) -> Delivery:
    return get_object_or_404(selectors.delivery_records_for(request.user), pk=pk)


def _receipt_of(delivery) -> Receipt | None:
    try:
        return delivery.receipt
    except Receipt.DoesNotExist:
        return None


def _documents_of(subject):
    return Attachment.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).select_related("uploaded_by")


def _my_units(user):
    return MilitaryUnit.objects.filter(pk__in=end_user_units(user)).order_by("name")


def _criteria():
    return [(c, CRITERION_LABELS[c]) for c in TYPED_CRITERIA]


def _with_rating_rows(reports) -> list:
    """Each report with ``rating_row``: (criterion's label, rating) in the
    criteria's order, for the tables."""
    criteria = _criteria()
    for report in reports:
        report.rating_row = [(label, report.ratings.get(c)) for c, label in criteria]
    return reports


@login_required
def delivery_detail(request, pk):
    delivery = _delivery_or_404(request, pk)
    user = request.user
    receipt = _receipt_of(delivery)
    if receipt is not None and not user.has_perm("procurement.view_receipt", receipt):
        receipt = None
    discrepancy = None
    if receipt is not None:
        discrepancy = selectors.discrepancies_for(user).filter(receipt=receipt).first()
    reports = (
        _with_rating_rows(
            list(selectors.field_reports_for(user).filter(receipt=receipt))
        )
        if receipt is not None
        else []
    )
    return render(
        request,
        "procurement/delivery_detail.html",
        {
            "delivery": delivery,
            "contract": delivery.contract,
            "receipt": receipt,
            "receipt_documents": _documents_of(receipt) if receipt else [],
            "discrepancy": discrepancy,
            "reports": reports,
            "criteria": _criteria(),
            "confirm": policy.decide("receipt.confirm", user, delivery),
            "report": policy.decide("field_report.file", user, delivery),
            "show_submitter": receipt is not None
            and user.has_perm("procurement.view_submitter", receipt),
            "staff": user.has_perm("secretariat.view_disbursementrequest"),
            "may_open_contract": user.has_perm(
                "procurement.view_contract", delivery.contract
            ),
        },
    )


@login_required
def receipt_confirm(request, pk):
    delivery = _delivery_or_404(request, pk)
    refused = _action_refusal(request, "receipt.confirm", delivery)
    units = _my_units(request.user)
    data, files = posted(request)
    form = ReceiptForm(
        data,
        files,
        delivery=delivery,
        units=units,
        initial={
            "quantity_received": delivery.quantity_accepted,
            "received_on": timezone.localdate(),
            "condition": "good",
        },
    )
    if not refused and request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        for name in ("document_1", "document_2"):
            values.pop(name)
        receipt = call_service(
            form,
            lambda: services.receipt_confirm(
                delivery=delivery,
                actor=request.user,
                documents=form.documents(),
                **values,
            ),
        )
        if receipt:
            discrepancy = getattr(receipt, "discrepancy", None)
            if discrepancy is not None:
                messages.warning(
                    request,
                    _("Receipt confirmed. It does not match the delivery: case "
                      "%(ref)s is opened for the secretariat.")
                    % {"ref": discrepancy.case.reference},
                )  # fmt: skip
            else:
                messages.success(request, _("Receipt confirmed. Thank you."))
            return redirect(delivery)
    contract = delivery.contract
    return _form_page(
        request,
        None if refused else form,
        notice=refused,
        title=_("Confirm receipt of %(n)d units under %(ref)s")
        % {"n": delivery.quantity_accepted, "ref": contract.reference},
        facts=[
            (_("Manufacturer"), contract.manufacturer.name),
            (_("Capability"), contract.award.lot.capability),
            (_("Milestone"), delivery.milestone.number),
            (_("Units delivered"), delivery.quantity),
            (_("Units accepted"), delivery.quantity_accepted),
        ],
        intro=_(
            "Count what was handed over. Fewer units than accepted, or damaged "
            "ones, open a case for the secretariat and hold the payment until it "
            "is resolved."
        ),
        submit=_("Confirm receipt"),
        back_url=delivery.get_absolute_url(),
    )


@login_required
def delivery_list(request):
    """The batches Ukraine's end users are to receive, and those received."""
    user = request.user
    if not policy.decide("receipt.confirm", user).allowed:
        raise PermissionDenied(_("Only the end users of Ukraine's units receive."))
    to_receive = policy.pending(
        "receipt.confirm", user, selectors.delivery_records_for(user)
    ).order_by("decided_at", "pk")[:LIST_LIMIT]
    received = selectors.receipts_for(user).order_by("-received_on", "-pk")[:LIST_LIMIT]
    return render(
        request,
        "procurement/delivery_list.html",
        {"to_receive": list(to_receive), "received": list(received)},
    )


# ------------------------------------------------------------------ discrepancies


def _discrepancy_or_404(request, reference):
    return get_object_or_404(
        selectors.discrepancies_for(request.user), case__reference=reference
    )


@login_required
def discrepancy_list(request):
    user = request.user
    if not user.has_perm("procurement.list_discrepancies"):
        raise PermissionDenied
    discrepancies = (
        selectors.discrepancies_for(user)
        .order_by("-status", "-case__opened_at", "-pk")
        .select_related("receipt__delivery__contract__award__lot__tender__case")
    )
    return render(
        request,
        "procurement/discrepancy_list.html",
        {
            "discrepancies": list(discrepancies[:LIST_LIMIT]),
            "open": DiscrepancyStatus.OPEN,
        },
    )


@login_required
def discrepancy_detail(request, reference, comment_form=None):
    discrepancy = _discrepancy_or_404(request, reference)
    user = request.user
    receipt = discrepancy.receipt
    delivery = receipt.delivery
    staff = user.has_perm("secretariat.view_disbursementrequest")
    return render(
        request,
        "procurement/discrepancy_detail.html",
        {
            "discrepancy": discrepancy,
            "case": discrepancy.case,
            "receipt": receipt,
            "delivery": delivery,
            "request_held": delivery.disbursement if staff else None,
            "resolve": policy.decide("discrepancy.resolve", user, discrepancy),
            "documents": _documents_of(receipt),
            "timeline": kernel_selectors.case_timeline(discrepancy.case),
            "comment_form": comment_form or CommentForm(),
            "comments": discrepancy.case.comments.select_related("author"),
        },
    )


@login_required
def discrepancy_resolve(request, reference):
    discrepancy = _discrepancy_or_404(request, reference)
    refused = _action_refusal(request, "discrepancy.resolve", discrepancy)
    form = DiscrepancyResolveForm(posted(request)[0])
    resolved = (
        not refused
        and request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.discrepancy_resolve(
                discrepancy=discrepancy,
                actor=request.user,
                resolution=form.cleaned_data["resolution"],
            ),
        )
    )
    if resolved:
        messages.success(
            request,
            _("%(ref)s is resolved; the payment it held may go on.")
            % {"ref": discrepancy.case.reference},
        )
        return redirect(discrepancy)
    return _form_page(
        request,
        None if refused else form,
        notice=refused,
        title=_("Resolve %(ref)s") % {"ref": discrepancy.case.reference},
        facts=[
            (_("Case"), discrepancy.case.title),
            (_("Units missing"), discrepancy.units_missing),
            (_("Units damaged"), discrepancy.units_damaged),
        ],
        submit=_("Resolve"),
        back_url=discrepancy.get_absolute_url(),
    )


# ------------------------------------------------------------------ field reports


@login_required
def field_report_file(request, pk):
    delivery = _delivery_or_404(request, pk)
    decision = policy.decide("field_report.file", request.user, delivery)
    if not decision.allowed and decision.kind == policy.WHO:
        raise PermissionDenied(decision.reason)
    receipt = _receipt_of(delivery)
    refused = None if decision.allowed else decision.reason
    form = None
    if receipt is not None:
        form = FieldReportForm(
            *posted(request), receipt=receipt, units=_my_units(request.user)
        )
    if not refused and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = call_service(
            form,
            lambda: services.field_report_file(
                delivery=delivery,
                actor=request.user,
                unit=data["unit"],
                ratings=form.ratings(),
                units_failed=data["units_failed"],
                units_lost=data["units_lost"],
                failures=data["failures"],
                lessons=data["lessons"],
                sensitive_detail=data["sensitive_detail"],
                documents=form.documents(),
            ),
        )
        if report:
            messages.success(request, _("Your field report is filed. Thank you."))
            return redirect("procurement:field_report", report.pk)
    contract = delivery.contract
    return _form_page(
        request,
        None if refused else form,
        notice=refused,
        title=_("Field report on %(n)d units under %(ref)s")
        % {"n": delivery.quantity_accepted, "ref": contract.reference},
        facts=[
            (_("Manufacturer"), contract.manufacturer.name),
            (_("Capability"), contract.award.lot.capability),
            (_("Units received"), receipt.quantity_received if receipt else "—"),
        ],
        intro=_(
            "Rate the batch on the tender's own criteria and say what failed and "
            "what you learned. The manufacturer reads the report without your name "
            "or unit; other states see only counts and average ratings."
        ),
        submit=_("File report"),
        back_url=delivery.get_absolute_url(),
    )


@login_required
def field_report_list(request):
    user = request.user
    if not user.has_perm("procurement.list_field_reports"):
        raise PermissionDenied
    reports = selectors.field_reports_for(user).order_by("-filed_at", "-pk")
    return render(
        request,
        "procurement/field_report_list.html",
        {
            "reports": _with_rating_rows(list(reports[:LIST_LIMIT])),
            "summaries": [
                (summary, [(label, summary.ratings.get(c)) for c, label in _criteria()])
                for summary in selectors.field_report_summaries_for(user)
            ],
            "criteria": _criteria(),
            "show_submitter": user.has_perm("procurement.view_submitter"),
        },
    )


@login_required
def field_report_detail(request, pk):
    report = get_object_or_404(selectors.field_reports_for(request.user), pk=pk)
    if not request.user.has_perm("procurement.view_fieldreport", report):
        raise Http404
    return render(
        request,
        "procurement/field_report_detail.html",
        {
            "report": report,
            "delivery": report.receipt.delivery,
            "ratings": [(label, report.ratings.get(c)) for c, label in _criteria()],
            "documents": _documents_of(report),
            "show_submitter": request.user.has_perm(
                "procurement.view_submitter", report
            ),
        },
    )
