"""Requirements from Ukraine's Armed Forces and the manufacturers that may bid for
them. Tenders, bids, evaluation, awards, contracts and deliveries build on these."""

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from secretariat.kernel.chain import ChainedModel
from secretariat.kernel.models import AppendOnlyModel
from secretariat.kernel.workflow import Workflow


class RequirementPriority(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class RequirementStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for review")
    CLARIFY = "clarify", _("Clarification asked")
    DECLINED = "declined", _("Declined")
    OPEN = "open", pgettext_lazy("requirement status", "Open")
    IN_TENDER = "in_tender", _("In a tender")
    FULFILLED = "fulfilled", _("Fulfilled")
    WITHDRAWN = "withdrawn", pgettext_lazy("requirement status", "Withdrawn")


R = RequirementStatus
# A requirement submitted by Ukraine's end users is reviewed by the secretariat
# first: accepted (open), sent back with a question, or declined. It goes out
# to tender with the tender that answers it (when that tender is published) and
# is open again if the tender is cancelled.
REQUIREMENT_TRANSITIONS = {
    R.SUBMITTED: {
        R.OPEN: _("Accept"),
        R.CLARIFY: _("Ask for clarification"),
        R.DECLINED: _("Decline"),
        R.WITHDRAWN: _("Withdraw"),
    },
    R.CLARIFY: {R.SUBMITTED: _("Answer and resubmit"), R.WITHDRAWN: _("Withdraw")},
    R.DECLINED: {},
    R.OPEN: {R.IN_TENDER: _("Put out to tender"), R.WITHDRAWN: _("Withdraw")},
    R.IN_TENDER: {R.OPEN: _("Reopen"), R.FULFILLED: _("Fulfilled")},
    R.FULFILLED: {},
    R.WITHDRAWN: {},
}
del R


class MilitaryUnit(models.Model):
    """A unit or command of a member state's armed forces (Ukraine's) whose
    people, the end users, state requirements, receive deliveries and report
    from the field. Reference data kept by administrators."""

    member_state = models.ForeignKey(
        "members.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("end users"),
        related_name="units",
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit or command")
        verbose_name_plural = _("units and commands")

    def __str__(self):
        return self.name


class Requirement(models.Model):
    """A need stated by Ukraine's Armed Forces: submitted by one of its units'
    end users and reviewed by the secretariat, or recorded by a procurement
    officer from a request received outside the system."""

    title = models.CharField(_("title"), max_length=200)
    source_reference = models.CharField(
        _("Armed Forces reference"),
        max_length=60,
        blank=True,
        help_text=_("The number of the request from Ukraine's Armed Forces."),
    )
    capability = models.ForeignKey(
        "secretariat.CapabilityCategory",
        verbose_name=_("capability"),
        on_delete=models.PROTECT,
        related_name="requirements",
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    specification = models.TextField(_("technical specification"))
    priority = models.CharField(
        _("priority"), max_length=10, choices=RequirementPriority.choices
    )
    needed_by = models.DateField(_("needed by"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequirementStatus.choices,
        default=RequirementStatus.OPEN,
    )
    workflow = Workflow(
        moves=REQUIREMENT_TRANSITIONS,
        labels=dict(RequirementStatus.choices),
        named_by="reference",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # The unit that stated it, when one of its end users submitted it.
    unit = models.ForeignKey(
        MilitaryUnit,
        verbose_name=_("unit or command"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
    )
    # The secretariat's last question or reason, and the submitter's answer.
    review_note = models.TextField(_("review note"), blank=True)
    submitter_answer = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["needed_by", "id"]
        indexes = [
            models.Index(fields=["status", "needed_by"], name="requirement_status"),
            models.Index(fields=["capability", "status"], name="requirement_capab"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="requirement_quantity_positive"
            )
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("procurement:requirement", args=[self.reference])

    @property
    def reference(self):
        return f"REQ-{self.pk:05d}"


class VettingStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    VETTED = "vetted", _("Vetted")
    SUSPENDED = "suspended", _("Suspended")


V = VettingStatus
# Vetting: every allowed move, and the label of its button.
VETTING_TRANSITIONS = {
    V.APPLIED: {V.VETTED: _("Vet"), V.SUSPENDED: _("Suspend")},
    V.VETTED: {V.SUSPENDED: _("Suspend")},
    V.SUSPENDED: {V.VETTED: _("Reinstate")},
}
del V


class Manufacturer(models.Model):
    """A national manufacturer of a member state that may bid in tenders."""

    name = models.CharField(_("company"), max_length=200)
    member_state = models.ForeignKey(
        "members.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="manufacturers",
    )
    registration_number = models.CharField(_("registration number"), max_length=60)
    address = models.TextField(_("address"), blank=True)
    contact_name = models.CharField(_("contact"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    vetting_status = models.CharField(
        _("vetting"),
        max_length=10,
        choices=VettingStatus.choices,
        default=VettingStatus.APPLIED,
    )
    workflow = Workflow(
        moves=VETTING_TRANSITIONS,
        labels=dict(VettingStatus.choices),
        status_field="vetting_status",
        named_by="name",
        stamp="vetting_changed_at",
    )
    vetting_changed_at = models.DateTimeField(null=True, blank=True)
    # Where the Coalition pays the company; required before a delivery is paid.
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["member_state", "vetting_status"], name="manufacturer_state"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "registration_number"],
                name="manufacturer_unique_registration",
            )
        ]

    def __str__(self):
        return self.name

    def allowed_transitions(self):
        return self.workflow.next_moves(self.vetting_status)


class Component(models.TextChoices):
    """The critical components whose origin a manufacturer declares."""

    FLIGHT_CONTROLLER = "flight_controller", _("Flight controller")
    MOTORS = "motors", _("Motors")
    CAMERAS = "cameras", _("Cameras")
    RADIOS = "radios", _("Radios")
    BATTERIES = "batteries", _("Batteries")


class SupplyChainDeclaration(models.Model):
    """Where a manufacturer's critical component comes from, as last declared."""

    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.CASCADE, related_name="supply_chain"
    )
    component = models.CharField(
        _("component"), max_length=20, choices=Component.choices
    )
    origin_country = CountryField(_("country of origin"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["manufacturer", "component"]
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "component"], name="supply_chain_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_component_display()}: {self.origin_country.name}"


class TestOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    PASSED_WITH_CONDITIONS = "conditional", _("Passed with conditions")
    FAILED = "failed", _("Failed")


class TestResult(models.Model):
    """A test of a manufacturer's product, for example at the Sēlia training
    ground."""

    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.CASCADE, related_name="test_results"
    )
    capability = models.ForeignKey(
        "secretariat.CapabilityCategory", on_delete=models.PROTECT, related_name="+"
    )
    product = models.CharField(_("product"), max_length=200)
    site = models.CharField(_("test site"), max_length=200)
    tested_on = models.DateField(_("tested on"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=TestOutcome.choices)
    summary = models.TextField(_("summary"))
    report = models.ForeignKey(
        "secretariat.Attachment",
        verbose_name=_("report"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-tested_on", "-id"]

    def __str__(self):
        return f"{self.product} at {self.site}: {self.get_outcome_display()}"


# ==================================================================== tenders


class Procedure(models.TextChoices):
    OPEN = "open", _("Open to all vetted manufacturers of member states")
    RESTRICTED = "restricted", _("Restricted to invited manufacturers")


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published (clarifications)")
    TENDERING = "tendering", _("Tendering")
    CLOSED = "closed", _("Closed, awaiting opening")
    OPENED = "opened", _("Opened")
    EVALUATION = "evaluation", _("Evaluation")
    AWARDED = "awarded", _("Awarded (standstill)")
    CONTRACTED = "contracted", _("Contracted")
    CANCELLED = "cancelled", _("Cancelled")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


T = TenderStatus
# The tender lifecycle. The clarification and submission deadlines move a tender
# from published to tendering and from tendering to closed by themselves.
TENDER_TRANSITIONS = {
    T.DRAFT: {T.PUBLISHED: _("Publish"), T.CANCELLED: _("Cancel")},
    T.PUBLISHED: {T.TENDERING: _("Open for bids"), T.CANCELLED: _("Cancel")},
    T.TENDERING: {T.CLOSED: _("Close"), T.CANCELLED: _("Cancel")},
    T.CLOSED: {
        T.OPENED: _("Open the bids"),
        T.CANCELLED: _("Cancel"),
        T.UNSUCCESSFUL: _("Unsuccessful"),
    },
    T.OPENED: {
        T.EVALUATION: _("Start evaluation"),
        T.CANCELLED: _("Cancel"),
        T.UNSUCCESSFUL: _("Unsuccessful"),
    },
    T.EVALUATION: {
        T.AWARDED: _("Award"),
        T.CANCELLED: _("Cancel"),
        T.UNSUCCESSFUL: _("Unsuccessful"),
    },
    # Back to evaluation: a complaint against an award was upheld.
    T.AWARDED: {
        T.CONTRACTED: _("Contracted"),
        T.EVALUATION: _("Back to evaluation"),
        T.CANCELLED: _("Cancel"),
    },
    T.CONTRACTED: {},
    T.CANCELLED: {},
    T.UNSUCCESSFUL: {},
}
# Statuses before opening: bids are sealed.
SEALED_STATUSES = {T.DRAFT, T.PUBLISHED, T.TENDERING, T.CLOSED}
del T


def opened_tenders(prefix: str = "") -> Q:
    """The filter matching what ``Tender.is_sealed`` says is no longer sealed;
    ``prefix`` reaches the tender from another model, e.g. ``"lot__tender__"``."""
    return Q(**{f"{prefix}opened_at__isnull": False}) & ~Q(
        **{f"{prefix}status__in": SEALED_STATUSES}
    )


CRITERIA = ["price", "technical", "delivery", "tests", "supply_chain"]
# Price is objective: it is scored by the tender's formula (``price_formula``),
# never typed by an evaluator. The evaluators score the others. Price scores
# typed before the formula existed stay in the table but count for nothing.
PRICE = "price"
TYPED_CRITERIA = [c for c in CRITERIA if c != PRICE]


class PriceFormula(models.TextChoices):
    LOWEST_RATIO = (
        "lowest_ratio",
        _(
            "The lot's lowest eligible unit price divided by the bid's unit "
            "price, times 100"
        ),
    )
    LINEAR_TO_MAX = (
        "linear_to_max",
        _(
            "100 for the lowest eligible unit price of the lot, falling in a straight "
            "line to 0 at the lot's maximum unit price"
        ),
    )


class Tender(models.Model):
    case = models.OneToOneField(
        "secretariat.Case", on_delete=models.PROTECT, related_name="tender"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    requirements = models.ManyToManyField(
        Requirement, verbose_name=_("requirements"), related_name="tenders"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=TenderStatus.choices,
        default=TenderStatus.DRAFT,
    )
    workflow = Workflow(
        moves=TENDER_TRANSITIONS,
        labels=dict(TenderStatus.choices),
        case="case",
        mirrored=True,
        closes=frozenset(
            {TenderStatus.CONTRACTED, TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL}
        ),
        named_by="case.reference",
        # Publish before clarifications end; bid before submissions close.
        # Past bidding a tender's tasks carry their own dates (a standstill).
        due={
            TenderStatus.DRAFT: "clarification_deadline",
            TenderStatus.PUBLISHED: "clarification_deadline",
            TenderStatus.TENDERING: "submission_deadline",
        },
    )
    procedure = models.CharField(
        _("procedure"), max_length=10, choices=Procedure.choices, default=Procedure.OPEN
    )
    invited = models.ManyToManyField(
        Manufacturer,
        verbose_name=_("invited manufacturers"),
        blank=True,
        related_name="+",
    )
    pool = models.ForeignKey(
        "secretariat.Pool",
        verbose_name=_("funding pool"),
        on_delete=models.PROTECT,
        related_name="tenders",
    )
    # Supply-chain eligibility: no critical component from these countries.
    excluded_origins = models.JSONField(
        _("excluded component origins"), default=list, blank=True
    )
    weight_price = models.PositiveSmallIntegerField(_("price weight"), default=40)
    weight_technical = models.PositiveSmallIntegerField(
        _("technical weight"), default=25
    )
    weight_delivery = models.PositiveSmallIntegerField(_("delivery weight"), default=15)
    weight_tests = models.PositiveSmallIntegerField(
        _("test results weight"), default=10
    )
    weight_supply_chain = models.PositiveSmallIntegerField(
        _("supply-chain weight"), default=10
    )
    clarification_deadline = models.DateTimeField(_("clarifications until"))
    submission_deadline = models.DateTimeField(_("bids until"))
    standstill_days = models.PositiveSmallIntegerField(_("standstill days"), default=10)
    price_formula = models.CharField(
        _("price formula"),
        max_length=16,
        choices=PriceFormula.choices,
        default=PriceFormula.LOWEST_RATIO,
        # Also in the database: bulk loads (``seed_scale``) leave it out.
        db_default=PriceFormula.LOWEST_RATIO,
    )
    published_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-case__opened_at"]
        indexes = [
            models.Index(
                fields=["status", "submission_deadline"], name="tender_status"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_price=100
                    - models.F("weight_technical")
                    - models.F("weight_delivery")
                    - models.F("weight_tests")
                    - models.F("weight_supply_chain")
                ),
                name="tender_weights_total_100",
            ),
            models.CheckConstraint(
                condition=Q(submission_deadline__gt=models.F("clarification_deadline")),
                name="tender_deadlines_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.case.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("procurement:tender", args=[self.case.reference])

    @property
    def is_sealed(self):
        """Whether its bids are still sealed: until a procurement officer opens
        them. A tender cancelled (or found unsuccessful) before its opening was
        never opened: its bids stay sealed for good, as if returned unopened."""
        return self.opened_at is None or self.status in SEALED_STATUSES

    def weights(self):
        return {name: getattr(self, f"weight_{name}") for name in CRITERIA}


class Lot(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot"))
    title = models.CharField(_("title"), max_length=200)
    capability = models.ForeignKey(
        "secretariat.CapabilityCategory", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    max_unit_price = models.DecimalField(
        _("maximum unit price (EUR)"), max_digits=14, decimal_places=2
    )
    delivery_from = models.DateField(_("delivery from"))
    delivery_to = models.DateField(_("delivery until"))

    class Meta:
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "number"], name="lot_unique_number"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="lot_quantity"),
            models.CheckConstraint(
                condition=Q(max_unit_price__gt=0), name="lot_max_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(delivery_to__gte=models.F("delivery_from")),
                name="lot_delivery_window",
            ),
        ]

    def __str__(self):
        return f"Lot {self.number}: {self.title}"


class Clarification(models.Model):
    """A bidder's question and the answer published to every bidder, without
    naming who asked."""

    tender = models.ForeignKey(
        Tender, on_delete=models.CASCADE, related_name="clarifications"
    )
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self):
        return self.question[:60]


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", pgettext_lazy("bid status", "Withdrawn")


# A bid's moves. Its trail is its own (``BidEvent``), never the tender's case:
# before opening, even a count of moves on the case would tell how many bids
# there are.
BID_TRANSITIONS = {
    BidStatus.SUBMITTED: {BidStatus.WITHDRAWN: _("Withdraw")},
    BidStatus.WITHDRAWN: {},
}


class Bid(models.Model):
    """A manufacturer's sealed offer for a lot.

    Its price, quantity, delivery schedule, compliance answers and documents are
    held only in ``sealed`` (encrypted with the bid key), so that neither the
    application before opening nor a database dump reveals them.
    """

    # The bid's name for people and clients (URLs, the API, receipts). The
    # integer pk is one sequence for every bid, so a bidder who saw two of their
    # own ids would learn how many bids came in between; a random id tells
    # nothing. The pk stays internal (foreign keys, ordering).
    public_id = models.UUIDField(
        _("bid id"), default=uuid.uuid4, unique=True, editable=False
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="bids")
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, related_name="bids"
    )
    status = models.CharField(
        max_length=10, choices=BidStatus.choices, default=BidStatus.SUBMITTED
    )
    workflow = Workflow(
        moves=BID_TRANSITIONS,
        labels=dict(BidStatus.choices),
        named_by="title",
        stamp="changed_at",
        # Its own append-only trail (``BidEvent``) records its moves.
        timeline=False,
    )
    sealed = models.BinaryField(_("sealed offer"))
    # A bid of a tender with an opening committee is sealed to the tender's
    # public key. At the opening its token moves here, as the bidder sealed it
    # (the receipts are digests of these bytes), and ``sealed`` holds the offer
    # sealed again with the bid keys, so that every later stage reads it as any
    # other opened bid.
    committee_sealed = models.BinaryField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    # Decided at opening: a bid can pass the deadline and still fail a rule (a
    # manufacturer suspended since, say). Ineligible bids are listed, not scored.
    eligible = models.BooleanField(null=True)
    ineligible_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["lot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "manufacturer"],
                condition=Q(status="submitted"),
                name="one_live_bid_per_lot_and_manufacturer",
            )
        ]

    def __str__(self):
        return f"Bid {self.public_id} on {self.lot}"

    def get_absolute_url(self):
        return reverse("procurement:bid", args=[self.public_id])

    @property
    def title(self):
        return _("The bid on lot %(n)d of %(ref)s") % {
            "n": self.lot.number,
            "ref": self.lot.tender.case.reference,
        }


class BidEventAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CHANGED = "changed", _("Changed")
    WITHDRAWN = "withdrawn", pgettext_lazy("bid event", "Withdrawn")


class BidEvent(ChainedModel, AppendOnlyModel):
    """The audit trail of one bid: who submitted, changed or withdrew it, and
    when. It is kept apart from the tender's case timeline, which everyone on the
    case reads, because before opening even the number of these events would tell
    how many bids there are. It is read like the bid itself: by the bidder at any
    time, by staff once the tender is opened.

    ``sealed_digest`` is the SHA-256 of the sealed (encrypted) offer as stored,
    the bidder's receipt for the version that counted; a digest of the plain
    offer would let anyone with a database dump guess prices."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=10, choices=BidEventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    sealed_digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["bid", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "chain_seq"], name="bid_event_chain_seq"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"

    def chain_name(self) -> str:
        # One chain per lot, published once the lot's bids are opened.
        return f"bids/lot-{self.bid.lot_id}"


# ============================================================ opening committee


class OpeningCommittee(models.Model):
    """The people named to open a tender's bids: any ``threshold`` of them
    together can, fewer cannot, and neither can the servers alone
    (``procurement.opening_keys``). The tender's key pair is made at
    publication: its public half seals the bids; its private half is kept
    only wrapped under a secret split among the members."""

    tender = models.OneToOneField(
        Tender, on_delete=models.CASCADE, related_name="opening_committee"
    )
    threshold = models.PositiveSmallIntegerField(_("members needed to open"))
    public_key = models.BinaryField(null=True, blank=True)
    wrapped_private_key = models.BinaryField(null=True, blank=True)
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    named_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=2), name="opening_threshold_at_least_2"
            ),
        ]

    def __str__(self):
        return f"Opening committee of {self.tender}"

    @property
    def has_keys(self) -> bool:
        return self.public_key is not None


class Opener(models.Model):
    """A member of an opening committee. Their key pair is made when they
    accept the appointment, its private half boxed under their passphrase;
    their share of the tender's key is sealed to it at publication (or when
    the members re-issue one to them as a replacement)."""

    committee = models.ForeignKey(
        OpeningCommittee, on_delete=models.CASCADE, related_name="openers"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Named after publication in place of a member who lost their passphrase.
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    public_key = models.BinaryField(null=True, blank=True)
    sealed_private_key = models.JSONField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    sealed_share = models.BinaryField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["committee", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "person"], name="opener_once_per_committee"
            ),
        ]

    def __str__(self):
        return str(self.person)

    def get_absolute_url(self):
        return reverse("procurement:opener_accept", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.replaced_at is None


# ==================================================================== evaluation


class MemberStanding(models.TextChoices):
    APPOINTED = "appointed", _("Appointed, declaration due")
    DECLARED = "declared", _("No conflict declared")
    RECUSED = "recused", _("Recused: conflict of interest")


class CommitteeMember(models.Model):
    """An evaluator on a tender's committee. Bids are shown to them only after
    they declare no conflict of interest with every bidder."""

    tender = models.ForeignKey(
        Tender, on_delete=models.CASCADE, related_name="committee"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="committees"
    )
    standing = models.CharField(
        max_length=10, choices=MemberStanding.choices, default=MemberStanding.APPOINTED
    )
    # The bidders (manufacturer ids) the declaration covered.
    declared_for = models.JSONField(default=list, blank=True)
    conflict_note = models.TextField(_("conflict"), blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    scores_submitted_at = models.DateTimeField(null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["tender", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "evaluator"], name="committee_member_once"
            )
        ]

    def __str__(self):
        return f"{self.evaluator} on {self.tender}"

    def get_absolute_url(self):
        return reverse("procurement:evaluation", args=[self.pk])


class Score(models.Model):
    """One evaluator's score of one bid on one criterion, 0 to 100."""

    member = models.ForeignKey(
        CommitteeMember, on_delete=models.CASCADE, related_name="scores"
    )
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="scores")
    criterion = models.CharField(max_length=20)
    value = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "bid", "criterion"], name="score_once"
            ),
            models.CheckConstraint(
                condition=Q(value__lte=100), name="score_at_most_100"
            ),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.value}"


# ==================================================================== awards


class AwardStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("Recommended")
    APPROVED = "approved", _("Approved (standstill)")
    CANCELLED = "cancelled", _("Cancelled")


# An approved award is cancelled when a complaint against it is upheld.
AWARD_TRANSITIONS = {
    AwardStatus.RECOMMENDED: {AwardStatus.APPROVED: _("Approve")},
    AwardStatus.APPROVED: {AwardStatus.CANCELLED: _("Cancel")},
    AwardStatus.CANCELLED: {},
}


class Award(models.Model):
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="awards")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="awards")
    status = models.CharField(
        max_length=12, choices=AwardStatus.choices, default=AwardStatus.RECOMMENDED
    )
    workflow = Workflow(
        moves=AWARD_TRANSITIONS,
        labels=dict(AwardStatus.choices),
        case="lot.tender.case",
        named_by="title",
    )
    justification = models.TextField(_("justification"))
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recommended_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    standstill_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lot", "-recommended_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot"],
                condition=~Q(status="cancelled"),
                name="one_live_award_per_lot",
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=models.F("recommended_by")),
                name="award_approver_not_recommender",
            ),
        ]

    # What ``__str__`` reads, for lists that name many (My work's queues).
    str_related = ("lot", "bid__manufacturer")

    def __str__(self):
        return f"Award of {self.lot} to {self.bid.manufacturer}"

    @property
    def is_contracted(self) -> bool:
        """Whether its contract is signed. The award's status stays approved:
        the contract (``Contract.status``) carries the rest of its story, and
        every rule about a live, public award keeps reading one status."""
        return self.status == AwardStatus.APPROVED and hasattr(self, "contract")

    @property
    def state_key(self) -> str:
        """The award's state as a page's status badge shows it."""
        return "contracted" if self.is_contracted else self.status

    @property
    def state_label(self) -> str:
        """The award's state in words: a signed award is contracted, and an
        approved one whose standstill is over is no longer in its standstill."""
        if self.is_contracted:
            return str(_("Contracted"))
        if self.status == AwardStatus.APPROVED and (
            self.standstill_until is None or timezone.now() >= self.standstill_until
        ):
            return str(_("Approved"))
        return str(self.get_status_display())

    @property
    def title(self):
        return _("The award of lot %(n)d of %(ref)s") % {
            "n": self.lot.number,
            "ref": self.lot.tender.case.reference,
        }


class ComplaintStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


# A complaint is decided once, either way.
COMPLAINT_TRANSITIONS = {
    ComplaintStatus.PENDING: {
        ComplaintStatus.UPHELD: _("Uphold"),
        ComplaintStatus.DISMISSED: _("Dismiss"),
    },
    ComplaintStatus.UPHELD: {},
    ComplaintStatus.DISMISSED: {},
}


class Complaint(models.Model):
    """A losing bidder's complaint against an award, during the standstill."""

    award = models.ForeignKey(
        Award, on_delete=models.PROTECT, related_name="complaints"
    )
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, related_name="complaints"
    )
    text = models.TextField(_("complaint"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.PENDING
    )
    workflow = Workflow(
        moves=COMPLAINT_TRANSITIONS,
        labels=dict(ComplaintStatus.choices),
        case="award.lot.tender.case",
        named_by="title",
        stamp="decided_at",
    )
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]

    str_related = ("manufacturer", "award__lot", "award__bid__manufacturer")

    def __str__(self):
        return f"Complaint of {self.manufacturer} against {self.award}"

    @property
    def title(self):
        # Not naming the company: the tender's timeline is read by its bidders.
        return _("The complaint about the award of lot %(n)d of %(ref)s") % {
            "n": self.award.lot.number,
            "ref": self.award.lot.tender.case.reference,
        }


# ==================================================================== contracts


class ContractStatus(models.TextChoices):
    SIGNED = "signed", _("Signed")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


CONTRACT_TRANSITIONS = {
    ContractStatus.SIGNED: {
        ContractStatus.COMPLETED: _("Complete"),
        ContractStatus.TERMINATED: _("Terminate"),
    },
    ContractStatus.COMPLETED: {},
    ContractStatus.TERMINATED: {},
}


class Contract(models.Model):
    award = models.OneToOneField(
        Award, on_delete=models.PROTECT, related_name="contract"
    )
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, related_name="contracts"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(
        _("unit price (EUR)"), max_digits=14, decimal_places=2
    )
    value_eur = models.DecimalField(_("value (EUR)"), max_digits=18, decimal_places=2)
    # The money of the fund reserved for this contract when it was signed.
    commitment = models.OneToOneField(
        "secretariat.Commitment", on_delete=models.PROTECT, related_name="contract"
    )
    status = models.CharField(
        max_length=10, choices=ContractStatus.choices, default=ContractStatus.SIGNED
    )
    workflow = Workflow(
        moves=CONTRACT_TRANSITIONS,
        labels=dict(ContractStatus.choices),
        case="award.lot.tender.case",
        named_by="reference",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-signed_at"]
        # Lists are newest first.
        indexes = [models.Index(fields=["signed_at"], name="contract_signed")]
        constraints = [
            models.CheckConstraint(condition=Q(value_eur__gt=0), name="contract_value"),
        ]

    str_related = ("manufacturer",)

    def __str__(self):
        return f"{self.reference} {self.manufacturer}"

    @property
    def reference(self):
        return f"CTR-{self.pk:05d}"


class MilestoneQuerySet(models.QuerySet):
    def with_units_left(self):
        """Each milestone with ``left``, its units still to deliver: a rejected
        batch goes back and is delivered again, so it does not count."""
        reported = Sum(
            "deliveries__quantity",
            filter=~Q(deliveries__status=DeliveryStatus.REJECTED),
        )
        return self.annotate(left=F("quantity") - Coalesce(reported, 0))


class Milestone(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="milestones"
    )
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField(_("due on"))
    quantity = models.PositiveIntegerField(_("quantity"))
    amount_eur = models.DecimalField(_("amount (EUR)"), max_digits=18, decimal_places=2)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="milestone_unique_number"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="milestone_qty"),
        ]

    def __str__(self):
        return f"Milestone {self.number}: {self.quantity} by {self.due_on}"


# ==================================================================== deliveries


class DeliveryStatus(models.TextChoices):
    REPORTED = "reported", _("Reported, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


# A batch is tested once: accepted (some units at least) or rejected.
DELIVERY_TRANSITIONS = {
    DeliveryStatus.REPORTED: {
        DeliveryStatus.ACCEPTED: _("Accept"),
        DeliveryStatus.REJECTED: _("Reject"),
    },
    DeliveryStatus.ACCEPTED: {},
    DeliveryStatus.REJECTED: {},
}


class Delivery(models.Model):
    """A batch delivered under a contract milestone, tested and accepted (or
    not) by the secretariat."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="deliveries"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, related_name="deliveries"
    )
    quantity = models.PositiveIntegerField(_("quantity delivered"))
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.REPORTED
    )
    workflow = Workflow(
        moves=DELIVERY_TRANSITIONS,
        labels=dict(DeliveryStatus.choices),
        case="contract.award.lot.tender.case",
        named_by="title",
        stamp="decided_at",
    )
    quantity_accepted = models.PositiveIntegerField(_("quantity accepted"), default=0)
    test_site = models.CharField(_("test site"), max_length=200, blank=True)
    tested_on = models.DateField(_("tested on"), null=True, blank=True)
    report = models.ForeignKey(
        "secretariat.Attachment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    disbursement = models.OneToOneField(
        "secretariat.DisbursementRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivery",
    )

    class Meta:
        ordering = ["-reported_at"]
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_qty"),
            models.CheckConstraint(
                condition=Q(quantity_accepted__lte=models.F("quantity")),
                name="delivery_accepted_at_most_delivered",
            ),
        ]

    str_related = ("contract__manufacturer",)

    def __str__(self):
        return f"{self.quantity} units under {self.contract}"

    def get_absolute_url(self):
        return reverse("procurement:delivery", args=[self.pk])

    @property
    def title(self):
        return _("The delivery of %(n)d units under %(ref)s") % {
            "n": self.quantity,
            "ref": self.contract.reference,
        }


class ReceiptCondition(models.TextChoices):
    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Some units damaged")
    UNUSABLE = "unusable", _("Unusable")


class Receipt(models.Model):
    """Ukraine's confirmation that an accepted batch arrived at the handover:
    how many, when, where, which serials, in what condition."""

    delivery = models.OneToOneField(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.PROTECT,
        related_name="receipt",
    )
    unit = models.ForeignKey(
        MilitaryUnit,
        verbose_name=_("unit or command"),
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    quantity_received = models.PositiveIntegerField(_("quantity received"))
    quantity_damaged = models.PositiveIntegerField(_("of them damaged"), default=0)
    received_on = models.DateField(_("date of handover"))
    place = models.CharField(_("place of handover"), max_length=200)
    serials = models.TextField(_("serial ranges or lot numbers"))
    condition = models.CharField(
        _("condition"), max_length=10, choices=ReceiptCondition.choices
    )
    note = models.TextField(_("note"), blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_damaged__lte=F("quantity_received")),
                name="receipt_damaged_at_most_received",
            ),
        ]

    def __str__(self):
        return _("Receipt of %(n)d units under %(ref)s") % {
            "n": self.quantity_received,
            "ref": self.delivery.contract.reference,
        }


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("discrepancy status", "Open")
    RESOLVED = "resolved", _("Resolved")


DISCREPANCY_TRANSITIONS = {
    DiscrepancyStatus.OPEN: {DiscrepancyStatus.RESOLVED: _("Resolve")},
    DiscrepancyStatus.RESOLVED: {},
}


class Discrepancy(models.Model):
    """A receipt that found fewer units than accepted, or damaged ones: a case
    for the procurement officer, holding the milestone's unpaid money until it
    is resolved."""

    case = models.OneToOneField(
        "secretariat.Case", on_delete=models.PROTECT, related_name="discrepancy"
    )
    receipt = models.OneToOneField(
        Receipt, on_delete=models.PROTECT, related_name="discrepancy"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DiscrepancyStatus.choices,
        default=DiscrepancyStatus.OPEN,
    )
    workflow = Workflow(
        moves=DISCREPANCY_TRANSITIONS,
        labels=dict(DiscrepancyStatus.choices),
        case="case",
        mirrored=True,
        closes=frozenset({DiscrepancyStatus.RESOLVED}),
        named_by="case.reference",
        stamp="resolved_at",
    )
    units_missing = models.PositiveIntegerField(_("units missing"), default=0)
    units_damaged = models.PositiveIntegerField(_("units damaged"), default=0)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-case__opened_at"]
        verbose_name_plural = _("discrepancies")

    def __str__(self):
        return f"{self.case.reference} {self.case.title}"

    def get_absolute_url(self):
        return reverse("procurement:discrepancy", args=[self.case.reference])


class FieldReport(models.Model):
    """How a received batch performed at the front. Its detail stays with the
    secretariat and the manufacturer concerned (without the submitter's name);
    only aggregates leave that circle."""

    receipt = models.ForeignKey(
        Receipt,
        verbose_name=_("received batch"),
        on_delete=models.PROTECT,
        related_name="field_reports",
    )
    unit = models.ForeignKey(
        MilitaryUnit,
        verbose_name=_("unit or command"),
        on_delete=models.PROTECT,
        related_name="field_reports",
    )
    # Ratings from 1 to 5 on the tender's own criteria (CRITERIA, without price).
    ratings = models.JSONField(_("ratings"), default=dict)
    units_failed = models.PositiveIntegerField(_("units failed"), default=0)
    units_lost = models.PositiveIntegerField(_("units lost"), default=0)
    failures = models.TextField(_("failures"), blank=True)
    lessons = models.TextField(_("lessons learned"))
    sensitive_detail = models.TextField(
        _("sensitive detail"),
        blank=True,
        help_text=_("Seen only by the secretariat and the manufacturer concerned."),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-filed_at", "-id"]

    def __str__(self):
        return _("Field report on %(receipt)s") % {"receipt": self.receipt}


class DeliveryMonth(models.Model):
    """Drones delivered (batches not rejected, by the month they were reported)
    and accepted (by the month of the decision), in the fund's time zone. Kept
    by the delivery services, so that the dashboard's totals and twelve months
    read a few dozen rows rather than every delivery ever made."""

    month = models.DateField(unique=True)
    delivered = models.BigIntegerField(default=0)
    accepted = models.BigIntegerField(default=0)

    def __str__(self):
        return (
            f"{self.month:%Y-%m}: {self.delivered} delivered, {self.accepted} accepted"
        )

    @staticmethod
    def month_of(moment) -> date:
        return timezone.localdate(moment, ZoneInfo(settings.TIME_ZONE)).replace(day=1)

    @classmethod
    def add(cls, moment, *, delivered: int = 0, accepted: int = 0) -> None:
        """Count ``delivered`` (which may be negative: a batch rejected) and
        ``accepted`` units in the month of ``moment``."""
        match = cls.objects.filter(month=cls.month_of(moment))
        change = {
            "delivered": models.F("delivered") + delivered,
            "accepted": models.F("accepted") + accepted,
        }
        if match.update(**change):
            return
        try:
            # Two first deliveries of a month may race to create its row: the
            # savepoint lets the loser add to the winner's.
            with transaction.atomic():
                cls.objects.create(
                    month=cls.month_of(moment), delivered=delivered, accepted=accepted
                )
        except IntegrityError:
            match.update(**change)

    @classmethod
    def recount(cls) -> None:
        """Count every delivery again (after deliveries were written other than
        by the services, as the scale seed does)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        months = {}
        for field, rows in (
            ("delivered", Delivery.objects.exclude(status=DeliveryStatus.REJECTED)
             .annotate(m=TruncMonth("reported_at", tzinfo=zone))
             .order_by().values("m").annotate(n=Sum("quantity"))),
            ("accepted", Delivery.objects.filter(
                status=DeliveryStatus.ACCEPTED, decided_at__isnull=False)
             .annotate(m=TruncMonth("decided_at", tzinfo=zone))
             .order_by().values("m").annotate(n=Sum("quantity_accepted"))),
        ):  # fmt: skip
            for row in rows:
                month = timezone.localtime(row["m"], zone).date().replace(day=1)
                months.setdefault(month, {"delivered": 0, "accepted": 0})
                months[month][field] += row["n"] or 0
        with transaction.atomic():
            cls.objects.all().delete()
            cls.objects.bulk_create(
                cls(month=month, **counts) for month, counts in months.items()
            )


# ==================================================================== open data


class OcdsRelease(AppendOnlyModel):
    """One OCDS release of a tender, kept as it was published: written once by
    ``procurement.services.ocds_release_record`` at each public change of the
    tender, never changed or deleted (on PostgreSQL a trigger refuses it too,
    migration 0014). ``body`` is the release's JSON text exactly as served, so
    that a consumer fetching it again gets the same bytes."""

    tender = models.ForeignKey(
        Tender, on_delete=models.PROTECT, related_name="ocds_releases"
    )
    # 1, 2, 3... within the tender: the order of publication.
    sequence = models.PositiveIntegerField()
    ocid = models.CharField(max_length=100)
    release_id = models.CharField(max_length=120, unique=True)
    date = models.DateTimeField()
    tag = models.JSONField(default=list)
    body = models.TextField()

    class Meta:
        ordering = ["tender", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "sequence"], name="ocds_release_sequence_once"
            )
        ]

    def __str__(self):
        return self.release_id
