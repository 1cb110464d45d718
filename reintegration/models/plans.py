"""The reintegration plan: objectives and budget lines in euros, within a
ceiling that depends on the household and its vulnerabilities (data an
administrator edits), approved by a supervisor, and the assistance delivered
against each line."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from privatemedia.files import RandomName

from ..states import PlanState
from .cases import Case, Vulnerability

CENT = Decimal("0.01")


def euros(**kwargs):
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


class BudgetCeiling(models.Model):
    """The most a plan may budget for a household of at least this size."""

    household_size = models.PositiveSmallIntegerField(
        _("household size from"), unique=True, validators=[MinValueValidator(1)],
        help_text=_("Applies to households of this many persons or more, up to the next "
                    "row. The principal counts as one."),
    )
    amount = euros(verbose_name=_("ceiling (EUR)"), validators=[MinValueValidator(CENT)])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget ceiling")
        verbose_name_plural = _("budget ceilings")
        ordering = ["household_size"]
        constraints = [
            models.CheckConstraint(condition=Q(household_size__gte=1),
                                   name="ceiling_household_size_positive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ceiling_amount_positive"),
        ]

    def __str__(self):
        return _("%(size)s person(s) or more: %(amount)s EUR") % {
            "size": self.household_size, "amount": self.amount}


class VulnerabilityTopUp(models.Model):
    """What a vulnerability adds to the ceiling."""

    kind = models.CharField(_("vulnerability"), max_length=20, unique=True,
                            choices=Vulnerability.Kind.choices)
    amount = euros(verbose_name=_("added to the ceiling (EUR)"),
                   validators=[MinValueValidator(Decimal("0"))])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ceiling top-up for a vulnerability")
        verbose_name_plural = _("ceiling top-ups for vulnerabilities")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="top_up_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: +{self.amount} EUR"


class Plan(models.Model):
    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                                related_name="plan")
    objectives = models.TextField(
        _("objectives"), blank=True,
        help_text=_("What the returnee wants to achieve, agreed with them: a business, a "
                    "job, schooling for the children, housing."),
    )
    state = models.CharField(_("state"), max_length=10, choices=PlanState.choices,
                             default=PlanState.DRAFT, editable=False)
    ceiling = euros(verbose_name=_("ceiling when approved (EUR)"), null=True, blank=True,
                    editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("drafted by"),
                                   null=True, on_delete=models.SET_NULL, related_name="+",
                                   editable=False)
    created_at = models.DateTimeField(_("drafted"), auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                                     null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True,
                                        editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"),
                                  null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_reason = models.TextField(_("reason for closing"), blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reintegration plan")
        verbose_name_plural = _("reintegration plans")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[PlanState.APPROVED, PlanState.CLOSED])
                | Q(approved_at__isnull=False, ceiling__isnull=False),
                name="plan_approved_has_approval",
            ),
            models.CheckConstraint(
                condition=~Q(state=PlanState.CLOSED) | (Q(closed_at__isnull=False)
                                                        & ~Q(closed_reason="")),
                name="plan_closed_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self):
        return _("Plan of %(case)s") % {"case": self.case.reference}


class PlanTransition(models.Model):
    """Audit row for every state change of a plan."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE,
                             related_name="transitions")
    from_state = models.CharField(_("from"), max_length=10, choices=PlanState.choices)
    to_state = models.CharField(_("to"), max_length=10, choices=PlanState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("plan state change")
        verbose_name_plural = _("plan state changes")
        ordering = ["plan", "at", "id"]

    def __str__(self):
        return f"{self.plan_id}: {self.from_state} → {self.to_state}"


class BudgetLine(models.Model):
    class Category(models.TextChoices):
        BUSINESS = "business", _("Business start-up")
        HOUSING = "housing", _("Housing")
        EDUCATION = "education", _("Education")
        MEDICAL = "medical", _("Medical")
        VOCATIONAL = "vocational", _("Vocational training")
        IMMEDIATE = "immediate", _("Immediate needs")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE,
                             related_name="lines")
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    description = models.CharField(_("description"), max_length=300)
    amount = euros(verbose_name=_("amount (EUR)"), validators=[MinValueValidator(CENT)])
    # Sum of the deliveries against this line, kept by services.delivery_record
    # under a row lock; the database refuses more than the amount approved.
    delivered = euros(verbose_name=_("delivered (EUR)"), default=Decimal("0.00"),
                      editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["plan", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_line_amount_positive"),
            models.CheckConstraint(condition=Q(delivered__gte=0),
                                   name="budget_line_delivered_not_negative"),
            models.CheckConstraint(condition=Q(delivered__lte=F("amount")),
                                   name="budget_line_delivered_within_amount"),
        ]
        indexes = [models.Index(fields=["category"])]

    def __str__(self):
        return f"{self.get_category_display()}: {self.description}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.delivered


class Delivery(models.Model):
    """Assistance provided against a budget line, with its evidence."""

    class Kind(models.TextChoices):
        IN_KIND = "in_kind", _("In kind")
        SUPPLIER = "supplier", _("Paid to a supplier")
        CASH = "cash", _("Cash")

    line = models.ForeignKey(BudgetLine, verbose_name=_("budget line"),
                             on_delete=models.PROTECT, related_name="deliveries")
    kind = models.CharField(_("how"), max_length=10, choices=Kind.choices)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    amount = euros(verbose_name=_("amount (EUR)"), validators=[MinValueValidator(CENT)])
    delivered_on = models.DateField(_("delivered on"))
    description = models.CharField(_("what was provided"), max_length=300)
    evidence = models.FileField(_("evidence"), upload_to=RandomName("reintegration-evidence"),
                                max_length=200)
    evidence_content_type = models.CharField(max_length=60, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("assistance delivered")
        verbose_name_plural = _("assistance delivered")
        ordering = ["line", "delivered_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="delivery_amount_positive"),
            models.CheckConstraint(condition=~Q(kind="supplier") | ~Q(supplier=""),
                                   name="delivery_supplier_named"),
        ]
        indexes = [models.Index(fields=["delivered_on"])]

    def __str__(self):
        return f"{self.delivered_on}: {self.amount} EUR ({self.get_kind_display()})"
