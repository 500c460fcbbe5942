"""Pages of the opening committee: naming it, a member's acceptance with their
passphrase, a replacement and the re-issue of a share. The opening itself is
the tender's "Open the bids" page (``views.tenders.tender_action``), which asks
the members' passphrases when the bids are sealed to a committee."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from procurement import services
from procurement.forms import (
    CommitteePassphrasesForm,
    OpenerAcceptForm,
    OpenerReplaceForm,
    OpeningCommitteeForm,
)
from procurement.models import Opener
from procurement.policy.opening import committee_of, eligible_openers
from procurement.views.common import (
    _action_refusal,
    _form_page,
    _refused_form,
    _tender_or_404,
    _tender_url,
)
from secretariat.kernel.formatting import when_text
from secretariat.kernel.forms import call_service, posted


def _committee_facts(tender, committee) -> list:
    facts = [
        (_("Tender"), f"{tender.case.reference}: {tender.title}"),
        (_("Bids until"), when_text(tender.submission_deadline)),
    ]
    if committee is not None:
        members = list(
            committee.openers.filter(replaced_at__isnull=True).select_related("person")
        )
        facts.append(
            (
                _("Opening committee"),
                _("Any %(k)d of %(n)d members: %(names)s")
                % {
                    "k": committee.threshold,
                    "n": len(members),
                    "names": ", ".join(str(o.person) for o in members),
                },
            )
        )
    return facts


@login_required
def opening_committee_name(request, reference):
    tender = _tender_or_404(request, reference)
    refusal = _action_refusal(request, "tender.name_opening_committee", tender)
    committee = committee_of(tender)
    initial = {"threshold": 2}
    if committee is not None:
        initial = {
            "threshold": committee.threshold,
            "members": list(committee.openers.values_list("person_id", flat=True)),
        }
    form = OpeningCommitteeForm(
        posted(request)[0], people=eligible_openers(), initial=initial
    )
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.opening_committee_name(
                tender=tender,
                actor=request.user,
                members=list(data["members"]),
                threshold=data["threshold"],
            ),
        ):
            messages.success(
                request,
                _("The opening committee is named. Each member accepts the "
                  "appointment with a passphrase before %(ref)s can be published.")
                % {"ref": tender.case.reference},
            )  # fmt: skip
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        shown,
        title=_("Name the opening committee of %(ref)s")
        % {"ref": tender.case.reference},
        tender=tender,
        facts=_committee_facts(tender, None),
        intro=_(
            "The bids of this tender will be sealed to a key of its own, which "
            "only the committee can rebuild: any of its members, as many as you "
            "choose below, together open the bids after the deadline. Neither "
            "fewer members nor the secretariat's servers can read a bid before."
        ),
        notice=notice,
        submit=_("Name the committee"),
        back_url=_tender_url(tender),
    )


def _appointment_or_404(request, pk) -> Opener:
    """One's own appointment only; anyone else's answers 404."""
    return get_object_or_404(
        Opener.objects.select_related(
            "committee__tender__case", "person", "replaces__person"
        ),
        pk=pk,
        person=request.user,
    )


@login_required
@sensitive_post_parameters("passphrase", "passphrase_again")
def opener_accept(request, pk):
    opener = _appointment_or_404(request, pk)
    tender = opener.committee.tender
    refusal = _action_refusal(request, "opener.accept", opener)
    form = OpenerAcceptForm(posted(request)[0])
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.opener_accept(
                opener=opener,
                actor=request.user,
                passphrase=data["passphrase"],
                passphrase_again=data["passphrase_again"],
            ),
        ):
            messages.success(
                request,
                _("You accepted the appointment. Keep your passphrase: you will "
                  "type it at the opening of the bids of %(ref)s.")
                % {"ref": tender.case.reference},
            )  # fmt: skip
            return redirect(reverse("procurement:opener_accept", args=[opener.pk]))
    facts = _committee_facts(tender, opener.committee)
    if opener.replaces_id:
        facts.append((_("In place of"), str(opener.replaces.person)))
    return _form_page(
        request,
        shown,
        title=_("Your appointment to the opening committee of %(ref)s")
        % {"ref": tender.case.reference},
        facts=facts,
        intro=_(
            "Choose a passphrase only you know. It protects your share of the "
            "tender's key; the secretariat keeps neither the passphrase nor "
            "anything that reveals it. At the opening, after the deadline, you "
            "type it together with the other members."
        ),
        notice=notice,
        submit=_("Accept the appointment"),
        back_url=reverse("start"),
    )


@login_required
def opener_replace(request, reference):
    tender = _tender_or_404(request, reference)
    refusal = _action_refusal(request, "tender.replace_opener", tender)
    committee = committee_of(tender)
    members = Opener.objects.none()
    people = eligible_openers().none()
    if committee is not None:
        members = committee.openers.filter(
            replaced_at__isnull=True, sealed_share__isnull=False
        ).select_related("person")
        people = eligible_openers().exclude(pk__in=committee.openers.values("person"))
    form = OpenerReplaceForm(posted(request)[0], members=members, people=people)
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.opener_replace(
                tender=tender,
                actor=request.user,
                replaced=data["replaced"],
                person=data["person"],
            ),
        ):
            messages.success(
                request,
                _("%(name)s is named. Once they accept with a passphrase of their "
                  "own, the members re-issue a share to them.")
                % {"name": data["person"]},
            )  # fmt: skip
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        shown,
        title=_("Name a replacement opener for %(ref)s")
        % {"ref": tender.case.reference},
        tender=tender,
        facts=_committee_facts(tender, committee),
        intro=_(
            "A member who lost their passphrase cannot open the bids any more. "
            "Name someone in their place; when the replacement has accepted, "
            "enough members re-issue a share to them with their passphrases."
        ),
        notice=notice,
        submit=_("Name the replacement"),
        back_url=_tender_url(tender),
    )


def _passphrases_form(request, committee, **kwargs):
    openers = []
    threshold = 2
    if committee is not None:
        threshold = committee.threshold
        openers = list(
            committee.openers.filter(
                replaced_at__isnull=True, sealed_share__isnull=False
            ).select_related("person")
        )
    return CommitteePassphrasesForm(
        posted(request)[0], openers=openers, threshold=threshold, **kwargs
    )


@login_required
@sensitive_post_parameters()
def opener_reissue(request, reference):
    tender = _tender_or_404(request, reference)
    refusal = _action_refusal(request, "tender.reissue_share", tender)
    committee = committee_of(tender)
    form = _passphrases_form(request, committee)
    shown, notice = _refused_form(request, form, refusal)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.opener_shares_reissue(
                tender=tender, actor=request.user, passphrases=form.passphrases()
            ),
        )
    ):
        messages.success(
            request,
            _("The share is re-issued: the replacement opens the bids with "
              "the other members; the member replaced no longer can."),
        )  # fmt: skip
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        shown,
        title=_("Re-issue a share for %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        facts=_committee_facts(tender, committee),
        intro=_(
            "Members type their passphrases, as many as it takes to open the "
            "bids. Their shares rebuild the tender's secret, which is split "
            "again for the committee as it now stands; nothing is opened."
        ),
        notice=notice,
        submit=_("Re-issue the share"),
        back_url=_tender_url(tender),
    )
