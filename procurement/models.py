"""Requirements from Ukraine's Armed Forces and the manufacturers that may bid for
them. Tenders, bids, evaluation, awards, contracts and deliveries build on these."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class RequirementPriority(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class RequirementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_TENDER = "in_tender", _("In a tender")
    FULFILLED = "fulfilled", _("Fulfilled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Requirement(models.Model):
    """A need stated by Ukraine's Armed Forces, recorded by a procurement officer."""

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
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

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
    vetting_changed_at = models.DateTimeField(null=True, blank=True)
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
        return VETTING_TRANSITIONS.get(self.vetting_status, {})


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
