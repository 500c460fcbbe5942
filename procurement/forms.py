"""Forms of the procurement pages. They refuse malformed input; every business
rule (deadlines, eligibility, prices, weights, earmarks) is the services'."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms import Script
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from members.models import MemberState
from procurement.models import (
    CRITERIA,
    PRICE,
    TYPED_CRITERIA,
    Component,
    MilitaryUnit,
    PriceFormula,
    Procedure,
    ReceiptCondition,
    RequirementPriority,
    TestOutcome,
)
from procurement.services.bids import price_error, quantity_error
from procurement.services.tenders import WEIGHTS_TOTAL, weights_error
from secretariat.accounts.models import User
from secretariat.kernel.formatting import day_text
from secretariat.kernel.forms import DocumentField, LocalDateTimeField, reason_field
from secretariat.kernel.limits import MAX_QUANTITY
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.roles import Role

CRITERION_LABELS = {
    "price": _("Price"),
    "technical": _("Technical merit"),
    "delivery": _("Delivery"),
    "tests": _("Test results"),
    "supply_chain": _("Supply chain"),
}

DEFAULT_EXCLUDED_ORIGINS = "RU, BY, IR, KP"


class DateInput(forms.DateInput):
    input_type = "date"


def confirm_field(label):
    return forms.BooleanField(
        label=label,
        error_messages={"required": _("Tick the box to confirm.")},
    )


def text_area(label, rows=3, **kwargs):
    return forms.CharField(
        label=label,
        max_length=kwargs.pop("max_length", 5000),
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


# ---------------------------------------------------------------- requirements


class RequirementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    source_reference = forms.CharField(
        label=_("Armed Forces reference"),
        max_length=60,
        required=False,
        help_text=_("The number of the request from Ukraine's Armed Forces."),
    )
    capability = forms.ModelChoiceField(
        label=_("Capability"), queryset=CapabilityCategory.objects.all()
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY
    )
    specification = text_area(_("Technical specification"), rows=5)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=RequirementPriority.choices
    )
    needed_by = forms.DateField(label=_("Needed by"), widget=DateInput)


class RequirementSubmitForm(forms.Form):
    """An end user states a requirement of one of their units. The unit's
    and the dates' rules (``services.requirement_problems``) come with the
    field checks, all in one round."""

    unit = forms.ModelChoiceField(
        label=_("Unit or command"), queryset=MilitaryUnit.objects.all()
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    capability = forms.ModelChoiceField(
        label=_("Capability"), queryset=CapabilityCategory.objects.all()
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY
    )
    specification = text_area(_("Technical specification"), rows=5)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=RequirementPriority.choices
    )
    needed_by = forms.DateField(label=_("Needed by"), widget=DateInput)
    source_reference = forms.CharField(
        label=_("Your reference"),
        max_length=60,
        required=False,
        help_text=_("Optional: the number of the request in your unit's records."),
    )
    document_1 = DocumentField(label=_("Document"), required=False)
    document_2 = DocumentField(label=_("Another document"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Offered: the person's own units; any other sent is refused with the
        # policy's reason, not as an unknown choice.
        own = list(MilitaryUnit.objects.filter(people=user).order_by("name"))
        self.fields["unit"].widget.choices = [
            ("", "---------"),
            *((u.pk, u.name) for u in own),
        ]
        if len(own) == 1:
            self.fields["unit"].initial = own[0].pk

    def clean(self):
        from procurement.services.requirements import requirement_problems

        data = super().clean()
        problems = requirement_problems(
            actor=self.user,
            unit=data.get("unit"),
            quantity=None,
            needed_by=data.get("needed_by"),
        )
        for field, message in problems.items():
            self.add_error(field, message)
        return data

    def documents(self) -> list:
        return [
            self.cleaned_data[name]
            for name in ("document_1", "document_2")
            if self.cleaned_data.get(name)
        ]


class RequirementQuestionForm(forms.Form):
    question = text_area(_("Question for the unit"), rows=4, max_length=2000)


class RequirementDeclineForm(forms.Form):
    reason = reason_field(_("Reason for declining"))


class RequirementAcceptForm(forms.Form):
    note = text_area(_("Note"), rows=2, required=False, max_length=2000)


class RequirementAnswerForm(forms.Form):
    answer = text_area(_("Your answer"), rows=4, max_length=5000)


class RequirementWithdrawForm(forms.Form):
    reason = text_area(_("Reason"), rows=2, required=False, max_length=2000)


# ---------------------------------------------------------------- manufacturers


class NominateForm(forms.Form):
    member_state = forms.ModelChoiceField(
        label=_("Member state"), queryset=MemberState.objects.order_by("name")
    )
    name = forms.CharField(label=_("Company"), max_length=200)
    registration_number = forms.CharField(label=_("Registration number"), max_length=60)
    address = text_area(_("Address"), rows=2, required=False, max_length=1000)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact email"))
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=40, required=False
    )

    def __init__(self, *args, member_state=None, **kwargs):
        super().__init__(*args, **kwargs)
        if member_state is not None:
            # A liaison nominates for their own state only.
            del self.fields["member_state"]


class VettingForm(forms.Form):
    reason = reason_field(help_text=_("Recorded on the manufacturer's timeline."))


class SupplyChainForm(forms.Form):
    """The country of origin of each critical component; an empty field keeps
    the earlier declaration."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for component in Component:
            self.fields[component.value] = CountryField(blank=True).formfield(
                label=component.label, required=False
            )

    def origins(self):
        return {
            component: country
            for component, country in self.cleaned_data.items()
            if country
        }


class TestResultForm(forms.Form):
    capability = forms.ModelChoiceField(
        label=_("Capability"), queryset=CapabilityCategory.objects.all()
    )
    product = forms.CharField(label=_("Product"), max_length=200)
    site = forms.CharField(
        label=_("Test site"),
        max_length=200,
        initial=_("Sēlia military training ground"),
    )
    tested_on = forms.DateField(label=_("Tested on"), widget=DateInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=TestOutcome.choices)
    summary = text_area(_("Summary"))
    report = DocumentField(label=_("Test report"), required=False)


class BankAccountForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    bic = forms.CharField(label=_("BIC"), max_length=11)


# ---------------------------------------------------------------- tenders


class ManufacturerChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.member_state.name})"


class TenderForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = text_area(_("Description"), rows=5)
    requirements = forms.ModelMultipleChoiceField(
        label=_("Requirements it answers"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one open requirement.")},
    )
    pool = forms.ModelChoiceField(label=_("Funding pool"), queryset=None)
    procedure = forms.ChoiceField(
        label=_("Procedure"), choices=Procedure.choices, initial=Procedure.OPEN
    )
    invited = ManufacturerChoices(
        label=_("Invited manufacturers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for a restricted procedure."),
    )
    clarification_deadline = LocalDateTimeField(label=_("Clarifications until"))
    submission_deadline = LocalDateTimeField(label=_("Bids until"))
    weight_price = forms.IntegerField(
        label=_("Weight of price (%)"), min_value=0, max_value=100, initial=40
    )
    weight_technical = forms.IntegerField(
        label=_("Weight of technical merit (%)"), min_value=0, max_value=100, initial=25
    )
    weight_delivery = forms.IntegerField(
        label=_("Weight of delivery (%)"), min_value=0, max_value=100, initial=15
    )
    weight_tests = forms.IntegerField(
        label=_("Weight of test results (%)"), min_value=0, max_value=100, initial=10
    )
    weight_supply_chain = forms.IntegerField(
        label=_("Weight of supply chain (%)"),
        min_value=0,
        max_value=100,
        initial=10,
        help_text=_("The five weights add up to 100."),
    )
    price_formula = forms.ChoiceField(
        label=_("Price score"),
        choices=PriceFormula.choices,
        initial=PriceFormula.LOWEST_RATIO,
        # Left out, a new tender takes the first and an edited one keeps its own.
        required=False,
        help_text=_(
            "Price is scored by this formula from the bids' unit prices, the "
            "same for every evaluator; evaluators do not type it."
        ),
    )
    excluded_origins = forms.CharField(
        label=_("Excluded component origins"),
        required=False,
        max_length=500,
        initial=DEFAULT_EXCLUDED_ORIGINS,
        help_text=_(
            "Country codes (ISO 3166, e.g. RU, BY) separated by commas: no critical "
            "component of a bidder may come from them."
        ),
    )
    standstill_days = forms.IntegerField(
        label=_("Standstill days"), min_value=0, max_value=90, initial=10
    )

    class Media:
        # "Total: 95 of 100" as the weights are typed (static/js/weights.js);
        # without it, the form says the same on submission.
        js = [Script("js/weights.js", defer=True)]

    def __init__(self, *args, requirements, pools, manufacturers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirements"].queryset = requirements
        self.fields["pool"].queryset = pools
        self.fields["invited"].queryset = manufacturers
        for name in CRITERIA:
            self.fields[f"weight_{name}"].widget.attrs["data-weight"] = ""
        self.fields[f"weight_{CRITERIA[-1]}"].widget.attrs.update(
            {
                "data-weights-total": gettext("Total: %(total)s of %(target)s")
                % {"total": "{total}", "target": WEIGHTS_TOTAL},
                "data-weights-target": WEIGHTS_TOTAL,
            }
        )

    def clean_excluded_origins(self):
        text = self.cleaned_data["excluded_origins"]
        return [code for code in text.replace(",", " ").upper().split() if code]

    def clean(self):
        """The weights' total (the service's rule, ``weights_error``), reported
        together with the other fields' errors rather than in a second round.
        It shows next to the first weight, where the service's refusal goes."""
        cleaned = super().clean()
        weights = [cleaned.get(f"weight_{name}") for name in CRITERIA]
        if None not in weights and (
            message := weights_error(dict(zip(CRITERIA, weights, strict=True)))
        ):
            self.add_error(f"weight_{CRITERIA[0]}", message)
        return cleaned

    def weights(self):
        return {name: self.cleaned_data[f"weight_{name}"] for name in CRITERIA}

    def tender_fields(self) -> dict:
        """The tender's fields as ``tender_create`` and ``tender_update`` take them."""
        data = self.cleaned_data
        names = (
            "title description requirements pool clarification_deadline "
            "submission_deadline procedure excluded_origins standstill_days invited "
            "price_formula"
        )
        return {name: data[name] for name in names.split()} | {
            "weights": self.weights()
        }


class LotForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    capability = forms.ModelChoiceField(
        label=_("Capability"), queryset=CapabilityCategory.objects.all()
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY
    )
    max_unit_price = forms.DecimalField(
        label=_("Maximum unit price (EUR)"), max_digits=14, decimal_places=2
    )
    delivery_from = forms.DateField(label=_("Delivery from"), widget=DateInput)
    delivery_to = forms.DateField(label=_("Delivery until"), widget=DateInput)


class AmendForm(forms.Form):
    description = text_area(_("Description"), rows=5)
    reason = reason_field(
        label=_("What changed and why"),
        help_text=_("Recorded on the timeline; bidders get at least the minimum "
                    "notice to take the change into account."),
    )  # fmt: skip


class CancelForm(forms.Form):
    reason = reason_field(help_text=_("Recorded on the timeline."))
    confirm = confirm_field(_("I understand that a cancelled tender cannot reopen"))


class OpenBidsForm(forms.Form):
    confirm = confirm_field(
        _("Open every bid now; the opening is recorded with my name")
    )


class AppointForm(forms.Form):
    evaluator = forms.ModelChoiceField(label=_("Evaluator"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = (
            User.objects.filter(is_active=True, groups__name=Role.EVALUATOR)
            .distinct()
            .order_by("first_name", "last_name")
        )


class ClarificationAskForm(forms.Form):
    question = text_area(
        _("Question"),
        rows=4,
        help_text=_("The answer is published to every bidder, without your name."),
    )


class ClarificationAnswerForm(forms.Form):
    answer = text_area(
        _("Answer"),
        rows=4,
        help_text=_("Published to every bidder, without naming who asked."),
    )


# ---------------------------------------------------------------- bids


class BidForm(forms.Form):
    unit_price = forms.DecimalField(
        label=_("Unit price (EUR)"), max_digits=14, decimal_places=2
    )
    quantity = forms.IntegerField(
        label=_("Quantity offered"), min_value=1, max_value=MAX_QUANTITY
    )
    delivery_schedule = text_area(_("Delivery schedule"), rows=3)
    compliance = text_area(
        _("Compliance with the specification"),
        rows=4,
        required=False,
        help_text=_(
            "One requirement per line, then a colon and your answer, "
            "e.g. “Night camera: yes”."
        ),
    )
    document_1 = DocumentField(label=_("Document"), required=False)
    document_2 = DocumentField(label=_("Another document"), required=False)
    document_3 = DocumentField(label=_("Another document"), required=False)
    keep_documents = forms.BooleanField(
        label=_("Keep the documents already in the bid"), required=False, initial=True
    )

    def __init__(self, *args, lot=None, changing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.lot = lot
        if not changing:
            del self.fields["keep_documents"]

    def clean(self):
        """Report the lot's price and quantity limits together with the
        missing fields. The rule is the service's, which checks it again."""
        cleaned = super().clean()
        if self.lot is not None:
            checks = (("unit_price", price_error), ("quantity", quantity_error))
            for name, check in checks:
                if cleaned.get(name) is not None and (
                    message := check(self.lot, cleaned[name])
                ):
                    self.add_error(name, message)
        return cleaned

    def clean_compliance(self):
        answers = {}
        for number, line in enumerate(self.cleaned_data["compliance"].splitlines(), 1):
            if not line.strip():
                continue
            key, colon, value = line.partition(":")
            if not colon or not key.strip():
                raise ValidationError(
                    _("Line %(n)d: write the requirement, a colon, then your answer.")
                    % {"n": number}
                )
            answers[key.strip()] = value.strip()
        return answers

    def documents(self):
        return [
            self.cleaned_data[name]
            for name in ("document_1", "document_2", "document_3")
            if self.cleaned_data.get(name)
        ]


def compliance_text(compliance: dict) -> str:
    return "\n".join(f"{key}: {value}" for key, value in compliance.items())


class WithdrawForm(forms.Form):
    confirm = confirm_field(_("Withdraw this bid"))


# ---------------------------------------------------------------- evaluation


class DeclarationForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with any of these bidders?"),
        choices=[
            ("no", _("No, I have no conflict of interest with any of them")),
            ("yes", _("Yes: I recuse myself from this committee")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = text_area(
        _("The conflict"),
        rows=3,
        required=False,
        help_text=_("Required if you have a conflict: with whom, and why."),
    )


class ScoreMatrixForm(forms.Form):
    """An evaluator's scores of a page of bids: a box per bid and typed
    criterion, 0 to 100, and a comment per bid. Every box of every bid is
    checked in one round. A box left empty is not scored yet; a saved score
    cannot be emptied, only changed. Price has no box: the tender's formula
    scores it, and a price score sent anyway is refused.

    The boxes are named ``bid-<bid id>-<criterion>`` and
    ``bid-<bid id>-comment``."""

    def __init__(self, *args, bids, saved=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bids = list(bids)
        # {(bid pk, criterion): value} of the scores already saved.
        self.saved = saved or {}
        for bid in self.bids:
            name = _("Lot %(n)d, %(name)s") % {
                "n": bid.lot.number,
                "name": bid.manufacturer.name,
            }
            for criterion in TYPED_CRITERIA:
                self.fields[self.cell(bid, criterion)] = forms.IntegerField(
                    label=f"{name}: {CRITERION_LABELS[criterion]}",
                    min_value=0,
                    max_value=100,
                    required=False,
                    widget=forms.NumberInput(
                        attrs={"inputmode": "numeric", "step": 1, "class": "score"}
                    ),
                )
            self.fields[self.cell(bid, "comment")] = forms.CharField(
                label=_("%(name)s: comment") % {"name": name},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    @staticmethod
    def cell(bid, criterion) -> str:
        return f"bid-{bid.public_id}-{criterion}"

    def clean(self):
        data = super().clean()
        if any(key.endswith(f"-{PRICE}") for key in self.data):
            self.add_error(
                None,
                _("The price is not typed: the tender's formula scores it."),
            )
        for bid in self.bids:
            for criterion in TYPED_CRITERIA:
                name = self.cell(bid, criterion)
                if (
                    name in data
                    and data[name] is None
                    and (bid.pk, criterion) in self.saved
                ):
                    self.add_error(
                        name,
                        _("A saved score cannot be emptied: give a whole number "
                          "from 0 to 100."),
                    )  # fmt: skip
        return data

    def scores(self) -> list[tuple]:
        """(bid, {criterion: value}, comment) of each bid with a box filled."""
        rows = []
        for bid in self.bids:
            values = {
                criterion: self.cleaned_data[self.cell(bid, criterion)]
                for criterion in TYPED_CRITERIA
                if self.cleaned_data.get(self.cell(bid, criterion)) is not None
            }
            if values:
                rows.append((bid, values, self.cleaned_data[self.cell(bid, "comment")]))
        return rows


class SubmitScoresForm(forms.Form):
    confirm = confirm_field(
        _("I have checked my scores: submit them; they can no longer change")
    )


class BidChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.manufacturer.name


class AwardRecommendForm(forms.Form):
    # Named by the public id: the pk would count the bids.
    bid = BidChoiceField(
        label=_("Bid to award"),
        queryset=None,
        widget=forms.RadioSelect,
        to_field_name="public_id",
    )
    justification = text_area(
        _("Justification"),
        rows=4,
        help_text=_("Usually the ranking; explain any departure from it."),
    )

    def __init__(self, *args, bids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid"].queryset = bids


class AwardApproveForm(forms.Form):
    comment = text_area(
        _("Comment"),
        rows=2,
        required=False,
        max_length=2000,
        help_text=_("Optional; recorded on the timeline."),
    )
    confirm = confirm_field(
        _("I approve this award on behalf of my co-lead state; the standstill "
          "period starts now")
    )  # fmt: skip


class ComplaintForm(forms.Form):
    text = text_area(_("Complaint"), rows=6)


class ComplaintDecisionForm(forms.Form):
    uphold = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("dismiss", _("Dismiss the complaint")),
            ("uphold", _("Uphold it: the award is cancelled and evaluation resumes")),
        ],
        coerce=lambda value: value == "uphold",
        widget=forms.RadioSelect,
    )
    decision = reason_field(label=_("Reasons"))


class ContractSignForm(forms.Form):
    milestones = text_area(
        _("Delivery milestones"),
        rows=4,
        max_length=2000,
        help_text=_(
            "One per line: the due date (YYYY-MM-DD), a space, then the number of "
            "units, e.g. “2027-01-15 150”. They add up to the units offered."
        ),
    )
    confirm = confirm_field(
        _("Sign the contract; its value is committed from the tender's pool")
    )

    def clean_milestones(self):
        parsed = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split()
            try:
                if len(parts) != 2:
                    raise ValueError
                parsed.append((dt.date.fromisoformat(parts[0]), int(parts[1])))
            except ValueError as exc:
                raise ValidationError(
                    _("Line %(n)d: write the date as YYYY-MM-DD, a space, then the "
                      "number of units, e.g. 2027-01-15 150.")
                    % {"n": number}
                ) from exc  # fmt: skip
        if not parsed:
            raise ValidationError(_("Give at least one delivery milestone."))
        return parsed


class MilestoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("Milestone %(n)d: %(units)d units by %(due)s") % {
            "n": obj.number,
            "units": obj.quantity,
            "due": day_text(obj.due_on),
        }


class DeliveryReportForm(forms.Form):
    milestone = MilestoneChoiceField(label=_("Milestone"), queryset=None)
    quantity = forms.IntegerField(
        label=_("Units delivered"), min_value=1, max_value=MAX_QUANTITY
    )
    note = text_area(_("Note"), rows=2, required=False, max_length=2000)

    def __init__(self, *args, milestones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = milestones


class DeliveryDecisionForm(forms.Form):
    quantity_accepted = forms.IntegerField(
        label=_("Units accepted"),
        min_value=0,
        max_value=MAX_QUANTITY,
        help_text=_("0 rejects the batch. Accepted units become payable."),
    )
    test_site = forms.CharField(
        label=_("Test site"),
        max_length=200,
        initial=_("Sēlia military training ground"),
    )
    tested_on = forms.DateField(label=_("Tested on"), widget=DateInput)
    note = text_area(_("Note"), rows=2, required=False, max_length=2000)
    report = DocumentField(label=_("Acceptance report"), required=False)


# ---------------------------------------------------------------- receipts


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class ReceiptForm(forms.Form):
    unit = UnitChoiceField(label=_("Receiving unit"), queryset=None)
    quantity_received = forms.IntegerField(
        label=_("Units received"), min_value=0, max_value=MAX_QUANTITY
    )
    quantity_damaged = forms.IntegerField(
        label=_("Of them damaged"),
        min_value=0,
        max_value=MAX_QUANTITY,
        initial=0,
        required=False,
    )
    received_on = forms.DateField(label=_("Date of handover"), widget=DateInput)
    place = forms.CharField(label=_("Place of handover"), max_length=200)
    serials = text_area(
        _("Serial ranges or lot numbers"),
        rows=3,
        max_length=5000,
        help_text=_("One range or lot per line, e.g. “SN-1001 to SN-1150”."),
    )
    condition = forms.ChoiceField(
        label=_("Condition"),
        choices=ReceiptCondition.choices,
        widget=forms.RadioSelect,
    )
    note = text_area(_("Note"), rows=3, required=False, max_length=2000)
    document_1 = DocumentField(label=_("Document"), required=False)
    document_2 = DocumentField(label=_("Another document"), required=False)

    def __init__(self, *args, delivery, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.delivery = delivery
        self.fields["unit"].queryset = units
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk

    def clean(self):
        """Report the batch's limits together with the form's own errors. The
        rule is the service's, which checks it again."""
        from procurement.services.receipts import receipt_errors

        cleaned = super().clean()
        errors = receipt_errors(
            self.delivery,
            quantity_received=cleaned.get("quantity_received"),
            quantity_damaged=cleaned.get("quantity_damaged"),
            received_on=cleaned.get("received_on"),
            condition=cleaned.get("condition"),
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def documents(self):
        return [
            self.cleaned_data[name]
            for name in ("document_1", "document_2")
            if self.cleaned_data.get(name)
        ]


class DiscrepancyResolveForm(forms.Form):
    resolution = text_area(
        _("Resolution"),
        rows=4,
        max_length=5000,
        help_text=_(
            "How it was settled: units replaced or found, a credit, a claim. "
            "Recorded on the case; the payment it held may then go on."
        ),
    )


RATING_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]


class FieldReportForm(forms.Form):
    unit = UnitChoiceField(label=_("Reporting unit"), queryset=None)

    def __init__(self, *args, receipt, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.receipt = receipt
        self.fields["unit"].queryset = units
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
        for criterion in TYPED_CRITERIA:
            self.fields[f"rating_{criterion}"] = forms.TypedChoiceField(
                label=CRITERION_LABELS[criterion],
                choices=RATING_CHOICES,
                coerce=int,
                help_text=_("1 (poor) to 5 (excellent)."),
                error_messages={
                    "required": _("Rate it from 1 (poor) to 5 (excellent)."),
                    "invalid_choice": _("Rate it from 1 (poor) to 5 (excellent)."),
                },
            )
        self.fields["units_failed"] = forms.IntegerField(
            label=_("Units failed"), min_value=0, max_value=MAX_QUANTITY, initial=0
        )
        self.fields["units_lost"] = forms.IntegerField(
            label=_("Units lost"), min_value=0, max_value=MAX_QUANTITY, initial=0
        )
        self.fields["failures"] = text_area(
            _("Failures"),
            rows=3,
            required=False,
            help_text=_("What failed, how often, in what conditions."),
        )
        self.fields["lessons"] = text_area(_("Lessons learned"), rows=4)
        self.fields["sensitive_detail"] = text_area(
            _("Sensitive detail"),
            rows=3,
            required=False,
            help_text=_("Seen only by the secretariat and the manufacturer concerned."),
        )
        self.fields["document_1"] = DocumentField(label=_("Document"), required=False)
        self.fields["document_2"] = DocumentField(
            label=_("Another document"), required=False
        )

    def ratings(self) -> dict:
        return {
            c: self.cleaned_data.get(f"rating_{c}")
            for c in TYPED_CRITERIA
            if self.cleaned_data.get(f"rating_{c}") is not None
        }

    def clean(self):
        from procurement.services.receipts import field_report_errors

        cleaned = super().clean()
        errors = field_report_errors(
            self.receipt,
            ratings=self.ratings(),
            units_failed=cleaned.get("units_failed"),
            units_lost=cleaned.get("units_lost"),
        )
        for name, message in errors.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def documents(self):
        return [
            self.cleaned_data[name]
            for name in ("document_1", "document_2")
            if self.cleaned_data.get(name)
        ]


# ---------------------------------------------------------------- opening committee


class PassphraseInput(forms.PasswordInput):
    """A passphrase is never sent back into the page, and the browser is asked
    not to offer a saved password for it."""

    def __init__(self):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false"})


class OpeningCommitteeForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "At least three people who may open bids: procurement officers, "
            "secretariat officers or evaluators, none of them bound to a "
            "manufacturer. Each accepts with a passphrase only they know."
        ),
    )
    threshold = forms.IntegerField(
        label=_("Members needed to open the bids"),
        min_value=2,
        max_value=99,
        initial=2,
        help_text=_(
            "Any this many members together open the bids; fewer cannot, and "
            "neither can the secretariat's servers."
        ),
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = people

    def clean(self):
        from procurement.services.opening import committee_problems

        cleaned = super().clean()
        if "members" in cleaned and cleaned.get("threshold") is not None:
            problems = committee_problems(cleaned["members"], cleaned["threshold"])
            for name, message in problems.items():
                self.add_error(name, message)
        return cleaned


class OpenerAcceptForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Your passphrase"),
        strip=False,
        max_length=200,
        widget=PassphraseInput(),
        help_text=_(
            "At least 12 characters; a few words are easier to remember than "
            "symbols. Nobody can recover it: if you lose it, the other members "
            "re-issue a share to a replacement."
        ),
    )
    passphrase_again = forms.CharField(
        label=_("The same passphrase again"),
        strip=False,
        max_length=200,
        widget=PassphraseInput(),
    )

    def clean(self):
        from procurement.services.opening import MIN_PASSPHRASE_LENGTH

        cleaned = super().clean()
        first = cleaned.get("passphrase")
        if first is not None and len(first) < MIN_PASSPHRASE_LENGTH:
            self.add_error(
                "passphrase",
                gettext("The passphrase has at least %(n)d characters.")
                % {"n": MIN_PASSPHRASE_LENGTH},
            )
        again = cleaned.get("passphrase_again")
        if first is not None and again is not None and first != again:
            self.add_error(
                "passphrase_again",
                gettext("The two passphrases differ; type the same one twice."),
            )
        return cleaned


class CommitteePassphrasesForm(forms.Form):
    """One passphrase field per member who holds a share; at least
    ``threshold`` of them filled in. The service says nothing of whose
    passphrase was wrong, and neither does this form."""

    def __init__(self, *args, openers=(), threshold=2, confirm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.threshold = threshold
        self.openers = list(openers)
        for opener in self.openers:
            self.fields[f"passphrase_{opener.pk}"] = forms.CharField(
                label=_("Passphrase of %(name)s") % {"name": opener.person},
                required=False,
                strip=False,
                max_length=200,
                widget=PassphraseInput(),
            )
        if confirm:
            self.fields["confirm"] = confirm_field(confirm)

    def passphrases(self) -> dict[int, str]:
        return {
            opener.pk: self.cleaned_data[f"passphrase_{opener.pk}"]
            for opener in self.openers
            if self.cleaned_data.get(f"passphrase_{opener.pk}")
        }

    def clean(self):
        cleaned = super().clean()
        given = len(self.passphrases())
        if given < self.threshold:
            self.add_error(
                None,
                gettext(
                    "The passphrases of at least %(k)d members are needed; %(n)d given."
                )
                % {"k": self.threshold, "n": given},
            )
        return cleaned


class OpenerReplaceForm(forms.Form):
    replaced = forms.ModelChoiceField(
        label=_("Member who lost their passphrase"), queryset=None
    )
    person = forms.ModelChoiceField(label=_("Replacement"), queryset=None)

    def __init__(self, *args, members=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaced"].queryset = members
        self.fields["person"].queryset = people
