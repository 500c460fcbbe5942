"""Pages of awards: approval by the co-leads, complaints in the standstill."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from procurement import selectors, services
from procurement.forms import (
    AwardApproveForm,
    ComplaintDecisionForm,
    ComplaintForm,
)
from procurement.views.common import (
    _action_refusal,
    _award_facts,
    _award_or_404,
    _form_page,
    _tender_url,
)
from secretariat.kernel.formatting import when_text
from secretariat.kernel.forms import (
    call_service,
    posted,
)


@login_required
def award_approve(request, pk):
    award = _award_or_404(request, pk)
    refused = _action_refusal(request, "award.approve", award)
    tender = award.lot.tender
    form = AwardApproveForm(posted(request)[0])
    if (
        not refused
        and request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.award_approve(
                award=award,
                actor=request.user,
                comment=form.cleaned_data["comment"],
            ),
        )
    ):
        messages.success(
            request,
            _("The award of lot %(n)d is approved; the standstill period has "
              "started.") % {"n": award.lot.number},
        )  # fmt: skip
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        None if refused else form,
        title=_("Approve the award of lot %(n)d of %(ref)s")
        % {"n": award.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=_award_facts(award, request.user),
        intro=_(
            "The standstill period of %(days)d days starts with your approval; "
            "losing bidders may complain during it."
        )
        % {"days": tender.standstill_days},
        notice=refused,
        submit=_("Approve award"),
        back_url=_tender_url(tender),
    )


@login_required
def complaint_file(request, pk):
    award = _award_or_404(request, pk)
    refused = _action_refusal(request, "complaint.file", award)
    tender = award.lot.tender
    form = ComplaintForm(posted(request)[0])
    if (
        not refused
        and request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.complaint_file(
                award=award, actor=request.user, text=form.cleaned_data["text"]
            ),
        )
    ):
        messages.success(
            request,
            _("Your complaint is filed; no contract is signed for this lot until it "
              "is decided."),
        )  # fmt: skip
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        None if refused else form,
        notice=refused,
        title=_("Complain about the award of lot %(n)d of %(ref)s")
        % {"n": award.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=[
            (_("Awarded to"), award.bid.manufacturer.name),
            (_("Standstill until"), when_text(award.standstill_until)),
        ],
        submit=_("File complaint"),
        back_url=_tender_url(tender),
    )


@login_required
def complaint_decide(request, pk):
    complaint = get_object_or_404(selectors.complaints_for(request.user), pk=pk)
    refused = _action_refusal(request, "complaint.decide", complaint)
    tender = complaint.award.lot.tender
    form = ComplaintDecisionForm(posted(request)[0])
    if not refused and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.complaint_decide(
                complaint=complaint,
                actor=request.user,
                uphold=data["uphold"],
                decision=data["decision"],
            ),
        ):
            messages.success(
                request,
                _("The complaint is upheld: the award is cancelled and the lot is "
                  "evaluated again.")
                if data["uphold"]
                else _("The complaint is dismissed."),
            )  # fmt: skip
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        None if refused else form,
        title=_("Decide the complaint of %(name)s")
        % {"name": complaint.manufacturer.name},
        tender=tender,
        facts=[
            (
                _("Against"),
                _("the award of lot %(n)d to %(name)s")
                % {
                    "n": complaint.award.lot.number,
                    "name": complaint.award.bid.manufacturer.name,
                },
            ),
            (_("Filed"), when_text(complaint.filed_at)),
            (_("Complaint"), complaint.text),
        ],
        notice=refused,
        submit=_("Record decision"),
        back_url=_tender_url(tender),
    )
