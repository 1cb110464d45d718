from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from common import formats
from privatemedia.files import RandomName
from registry.models import Organisation, Person

from .states import OfferStatus, ReviewStatus, State


class Degree(models.TextChoices):
    """Ordered from lowest to highest: the order is used by eligibility."""

    SECONDARY = "secondary", _("Secondary school")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")

    @classmethod
    def rank(cls, value: str) -> int:
        return cls.values.index(value) if value in cls.values else -1


class LanguageLevel(models.TextChoices):
    NONE = "none", _("None")
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", _("C2 or mother tongue")


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Passport or identity card")
    DIPLOMA = "diploma", _("Highest diploma")
    TRANSCRIPT = "transcript", _("Transcript of records")
    CV = "cv", _("Curriculum vitae")
    ADMISSION = "admission", _("Admission letter or proof of contact with the host institution")
    LANGUAGE = "language", _("Language certificate")
    RESEARCH_PROPOSAL = "research_proposal", _("Research proposal")


def academic_year_label(year: int) -> str:
    """2027 -> "2027-2028": the academic year starting that year."""
    return f"{year}-{year + 1}"


def call_label(title: str, academic_year: int) -> str:
    """How a call reads in lists, from bare values (list pages read rows
    without making Call instances)."""
    return f"{title} ({academic_year_label(academic_year)})"


class Programme(models.Model):
    class Kind(models.TextChoices):
        MASTERS = "masters", _("Master's programme")
        PHD = "phd", _("Doctorate (PhD)")
        SHORT_TRAINING = "short_training", _("Short training")
        INTRA_AFRICAN = "intra_african", _("Intra-African (South-South) scholarship")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Call(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="calls",
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    academic_year = models.PositiveSmallIntegerField(
        _("academic year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year the academic year starts: 2027 for 2027-2028."),
    )
    summary = models.TextField(_("who can apply, in a few lines"))
    description = models.TextField(_("full description"), blank=True)
    award_conditions = models.TextField(
        _("conditions of the award"), blank=True,
        help_text=_("What a scholar commits to on accepting, one condition a line. Shown on "
                    "the page where the award is accepted; empty, the general conditions."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(
        _("closes at"), help_text=_("Exact to the second: a submission after it is refused."),
    )
    eligible_nationalities = CountryField(_("eligible nationalities"), multiple=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    age_reference_date = models.DateField(
        _("age reference date"), null=True, blank=True,
        help_text=_("The maximum age applies on this date."),
    )
    min_degree = models.CharField(
        _("minimum prior degree"), max_length=12, choices=Degree.choices, blank=True,
    )
    exclude_eu_residents = models.BooleanField(
        _("exclude residents of Belgium and the EU"), default=True,
    )
    exclude_award_holders = models.BooleanField(
        _("exclude holders of an award this academic year"), default=True,
    )
    host_institutions = models.ManyToManyField(
        Organisation, verbose_name=_("host institutions"), blank=True, related_name="calls",
        limit_choices_to={"kind": Organisation.Kind.HOST_UNIVERSITY},
    )
    reviewers_per_application = models.PositiveSmallIntegerField(
        _("reviewers per application"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    quota = models.PositiveIntegerField(_("number of awards"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=["host_institutions"])

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")),
                                   name="call_closes_after_opening"),
            models.CheckConstraint(
                condition=Q(max_age__isnull=True) | Q(age_reference_date__isnull=False),
                name="call_max_age_has_reference_date",
            ),
        ]
        indexes = [models.Index(fields=["opens_at", "closes_at"])]

    def __str__(self):
        return call_label(self.title, self.academic_year)

    def get_absolute_url(self):
        return reverse("scholarships:call_detail", args=[self.slug])

    @property
    def academic_year_label(self) -> str:
        return academic_year_label(self.academic_year)

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at


class RequiredDocument(models.Model):
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="required_documents",
    )
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        constraints = [models.UniqueConstraint(fields=["call", "kind"],
                                               name="required_document_once")]

    def __str__(self):
        return self.get_kind_display()


class Criterion(models.Model):
    """One line of a call's review rubric."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="criteria",
    )
    name = models.CharField(_("criterion"), max_length=150)
    description = models.TextField(_("guidance for reviewers"), blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scale_max = models.PositiveSmallIntegerField(
        _("highest score"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Weights decide the ranking: every change is kept.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")
        ordering = ["call", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return self.name


# The order of the staff's application list, which its indexes follow.
LIST_ORDER = (F("submitted_at").desc(nulls_last=True), F("created_at").desc(), F("id").desc())


class Application(models.Model):
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications",
    )
    applicant = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT,
        related_name="scholarship_applications",
    )
    state = models.CharField(
        _("state"), max_length=14, choices=State.choices, default=State.DRAFT, editable=False,
    )
    reference = models.CharField(
        _("reference"), max_length=20, unique=True, null=True, blank=True, editable=False,
    )
    # Education
    highest_degree = models.CharField(
        _("highest degree obtained"), max_length=12, choices=Degree.choices, blank=True,
    )
    degree_title = models.CharField(_("title of the degree"), max_length=200, blank=True)
    degree_institution = models.CharField(_("institution"), max_length=200, blank=True)
    degree_country = CountryField(_("country of the institution"), blank=True)
    degree_year = models.PositiveSmallIntegerField(
        _("year obtained"), null=True, blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )
    # Employment
    employer = models.CharField(_("current employer"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    years_of_experience = models.PositiveSmallIntegerField(
        _("years of professional experience"), null=True, blank=True,
        validators=[MaxValueValidator(60)],
    )
    # Study plan
    host_institution = models.ForeignKey(
        Organisation, verbose_name=_("host institution"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="scholarship_applications",
    )
    study_programme = models.CharField(_("programme of study"), max_length=200, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration in months"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # Languages
    english_level = models.CharField(_("English"), max_length=4, choices=LanguageLevel.choices,
                                     blank=True)
    french_level = models.CharField(_("French"), max_length=4, choices=LanguageLevel.choices,
                                    blank=True)
    dutch_level = models.CharField(_("Dutch"), max_length=4, choices=LanguageLevel.choices,
                                   blank=True)
    # Motivation
    motivation = models.TextField(_("motivation"), blank=True)

    steps_done = models.JSONField(_("steps completed"), default=list, editable=False)
    # The mean of the submitted reviews' totals, kept by the review services
    # (services.review.scores_refresh) whenever a review is submitted or
    # leaves "submitted", and when a call's weights change: the ranking sorts
    # by it from an index instead of averaging every review of the call for
    # each page. Six decimals keep the order of the exact means (two totals
    # of two decimals, or three).
    review_score = models.DecimalField(_("review score"), max_digits=9, decimal_places=6,
                                       null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_snapshot = models.JSONField(
        _("what was submitted"), default=dict, blank=True, editable=False,
    )
    confirmation_sent_at = models.DateTimeField(
        _("confirmation e-mailed at"), null=True, blank=True, editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            # One live application per person and call; a withdrawn one may be followed
            # by a new one.
            models.UniqueConstraint(
                fields=["call", "applicant"], condition=~Q(state="withdrawn"),
                name="application_one_per_call",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(state="withdrawn", submitted_at__isnull=True)
                | Q(submitted_at__isnull=False, reference__isnull=False),
                name="application_submitted_has_reference",
            ),
        ]
        # The staff list's order (LIST_ORDER) has indexes too, alone and after
        # its two most used filters (state, call), so a page is read from an
        # index without sorting the table. They are made by migration 0003 with
        # SQL per database: "NULLS LAST" in an index is PostgreSQL's (SQLite
        # sorts NULLs last in a descending index anyway and refuses the words),
        # which models.Index cannot express. The ranking's order within a call
        # (selectors.Ranking: call, review_score DESC NULLS LAST, submitted_at,
        # id) is made the same way, by migration 0013.
        indexes = [
            models.Index(fields=["call", "state"]),
            models.Index(fields=["-created_at"], name="application_created"),
        ]

    def __str__(self):
        return self.reference or _("Draft application %(id)s") % {"id": self.pk}

    def get_absolute_url(self):
        return reverse("scholarships:application_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.state == State.DRAFT


class ApplicationTransition(models.Model):
    """Audit row for every state change of an application."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_state = models.CharField(_("from"), max_length=14, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=14, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)
    # A committee decision belongs to the meeting that took it.
    meeting = models.ForeignKey(
        "CommitteeMeeting", verbose_name=_("committee meeting"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="decisions",
    )
    # Why the call's quota or the yearly ceiling was exceeded, when it was.
    override_reason = models.TextField(_("reason for exceeding the quota or ceiling"),
                                       blank=True)
    # The applicant is e-mailed a decision that offers them nothing (reserve
    # list, not selected), once per move (notifications.application_outcome_send).
    applicant_notified_at = models.DateTimeField(_("applicant e-mailed at"), null=True,
                                                 blank=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["application", "at", "id"]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"

    @property
    def by_system(self) -> bool:
        return self.actor_id is None


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=RandomName("applications"), max_length=200)
    content_type = models.CharField(max_length=60, editable=False)
    size = models.PositiveIntegerField(_("size"), editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        constraints = [models.UniqueConstraint(fields=["application", "kind"],
                                               name="application_document_once")]

    def __str__(self):
        return self.get_kind_display()


class Referee(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="referees",
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    language = models.CharField(_("language of the e-mail"), max_length=5,
                                choices=settings.LANGUAGES, default="en")
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    letter = models.FileField(_("letter"), upload_to=RandomName("references"), blank=True,
                              max_length=200)
    letter_content_type = models.CharField(max_length=60, blank=True, editable=False)
    # A referee may type the letter instead of uploading a file.
    letter_text = models.TextField(_("letter, typed"), blank=True)
    letter_received_at = models.DateTimeField(_("letter received at"), null=True, blank=True)
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("referee")
        verbose_name_plural = _("referees")
        ordering = ["application", "id"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.replaced_at is None


# --- review ------------------------------------------------------------------------------

class ReviewerProfile(models.Model):
    """What automatic assignment needs to know about a reviewer: applicants of
    the reviewer's country, or going to the reviewer's institution, are never
    assigned to them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="reviewer_profile",
    )
    country = CountryField(
        _("country"), help_text=_("The reviewer's nationality: applicants of this nationality "
                                  "are not assigned to them."),
    )
    institution = models.ForeignKey(
        Organisation, verbose_name=_("institution"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reviewers",
        help_text=_("Applicants going to this institution are not assigned to them."),
    )
    expertise = models.CharField(_("expertise"), max_length=200, blank=True)
    is_active = models.BooleanField(
        _("takes new assignments"), default=True,
        help_text=_("Untick while the reviewer is away: automatic assignment skips them."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")
        ordering = ["user__username"]
        indexes = [models.Index(fields=["is_active", "country"])]

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class ReviewAssignment(models.Model):
    """One reviewer asked to score one application: a record with its own small
    state. The reviewer first declares a conflict of interest or none; only
    then does the application open."""

    Status = ReviewStatus

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="review_assignments",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT,
        related_name="review_assignments",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.TO_DECLARE)
    # Reminders (a separate piece of work) look for assignments by age.
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now, db_index=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Empty when assigned automatically."),
    )
    declared_at = models.DateTimeField(_("conflict of interest declared at"), null=True,
                                       blank=True)
    conflict_note = models.TextField(_("conflict of interest"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The weighted mean of the scores, out of 100, fixed when the review is submitted.
    total = models.DecimalField(_("score out of 100"), max_digits=5, decimal_places=2,
                                null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("reviewer e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["application", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"],
                                    name="review_assignment_once"),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=100),
                name="review_total_out_of_100",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted")
                | Q(total__isnull=False, submitted_at__isnull=False),
                name="review_submitted_has_total",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "status"]),
            models.Index(fields=["application", "status"]),
            # The admin's filter by status alone.
            models.Index(fields=["status", "assigned_at"]),
        ]

    def __str__(self):
        return f"{self.application} · {self.reviewer}"

    @property
    def is_open(self) -> bool:
        """The application is open to the reviewer: no conflict declared."""
        return self.status in (self.Status.TO_SCORE, self.Status.SUBMITTED)


class ReviewScore(models.Model):
    assignment = models.ForeignKey(
        ReviewAssignment, verbose_name=_("review"), on_delete=models.CASCADE,
        related_name="scores",
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores",
    )
    score = models.PositiveSmallIntegerField(_("score"))
    # What this one score rests on, when the reviewer says (the review's own
    # comment, on the assignment, is required).
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assignment", "criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"],
                                    name="review_score_once"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


# --- selection -----------------------------------------------------------------------------

class CommitteeMeeting(models.Model):
    """A selection committee's meeting on one call: who was there, why it
    decided as it did. Its decisions are the state changes pointing at it."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="committee_meetings",
    )
    held_on = models.DateField(_("meeting date"))
    members_present = models.TextField(_("members present"),
                                       help_text=_("One name per line."))
    rationale = models.TextField(_("rationale of the decisions"))
    override_reason = models.TextField(_("reason for exceeding the quota or ceiling"),
                                       blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")
        ordering = ["-held_on", "-recorded_at"]
        indexes = [models.Index(fields=["call", "-held_on"])]

    def __str__(self):
        return _("Committee of %(date)s, %(call)s") % {"date": formats.day(self.held_on),
                                                        "call": self.call.title}

    def get_absolute_url(self):
        return reverse("scholarships:meeting_detail", args=[self.pk])

    @property
    def members(self) -> list[str]:
        return [line.strip() for line in self.members_present.splitlines() if line.strip()]


# --- awards --------------------------------------------------------------------------------

MONEY = {"max_digits": 9, "decimal_places": 2}


class AwardOffer(models.Model):
    """An award offered to an applicant: the package, the period and the
    deadline to answer. Its own small state; the application moves with it."""

    Status = OfferStatus

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT,
        related_name="offers",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    monthly_allowance = models.DecimalField(_("monthly allowance (EUR)"), **MONEY)
    tuition = models.DecimalField(_("tuition fees (EUR)"), **MONEY)
    travel = models.DecimalField(_("travel (EUR)"), **MONEY)
    insurance = models.DecimalField(_("insurance (EUR)"), **MONEY)
    starts_on = models.DateField(_("start of the scholarship"))
    ends_on = models.DateField(_("end of the scholarship"))
    # Reminders (a separate piece of work) and the lapse sweep look offers up by deadline.
    deadline = models.DateTimeField(_("answer before"), db_index=True)
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("offered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Empty when offered automatically to the next reserve candidate."),
    )
    replaces = models.ForeignKey(
        "self", verbose_name=_("place freed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="replacements",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_reason = models.TextField(_("reason given"), blank=True)
    applicant_notified_at = models.DateTimeField(_("applicant e-mailed at"), null=True,
                                                 blank=True)
    # When the place this offer held was freed, the administrators are told once.
    admins_notified_at = models.DateTimeField(_("administrators told at"), null=True,
                                              blank=True)

    class Meta:
        verbose_name = _("award offer")
        verbose_name_plural = _("award offers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=Q(status="open"),
                                    name="award_offer_one_open"),
            models.CheckConstraint(condition=Q(monthly_allowance__gt=0),
                                   name="award_offer_allowance_positive"),
            models.CheckConstraint(condition=Q(tuition__gte=0, travel__gte=0, insurance__gte=0),
                                   name="award_offer_amounts_not_negative"),
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")),
                                   name="award_offer_ends_after_start"),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return _("Offer to %(application)s") % {"application": self.application}

    @property
    def months(self) -> int:
        """Whole months of allowance in the period (a started month counts)."""
        months = ((self.ends_on.year - self.starts_on.year) * 12
                  + self.ends_on.month - self.starts_on.month)
        return months + (1 if self.ends_on.day >= self.starts_on.day else 0)

    @property
    def total(self) -> Decimal:
        return (self.monthly_allowance * self.months + self.tuition + self.travel
                + self.insurance)


class StatusChange(models.Model):
    """Who changed a record's status, when, from what to what and why: one row
    per move of a workflow declared in workflow.py (applications keep theirs
    in ApplicationTransition)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Empty when the system made the change."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class OfferTransition(StatusChange):
    offer = models.ForeignKey(AwardOffer, verbose_name=_("award offer"),
                              on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=10, choices=OfferStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=OfferStatus.choices)

    class Meta(StatusChange.Meta):
        verbose_name = _("offer status change")
        verbose_name_plural = _("offer status changes")


class ReviewTransition(StatusChange):
    assignment = models.ForeignKey(ReviewAssignment, verbose_name=_("review assignment"),
                                   on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=12, choices=ReviewStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=ReviewStatus.choices)

    class Meta(StatusChange.Meta):
        verbose_name = _("review status change")
        verbose_name_plural = _("review status changes")


# --- scholar follow-up ----------------------------------------------------------------------

class ScholarFollowUp(models.Model):
    """What happens after an accepted offer: arrival, enrolment, completion or
    discontinuation, and where the alumnus lives afterwards (returning home is
    the outcome the programme reports on)."""

    class Residence(models.TextChoices):
        RETURNED_HOME = "returned_home", _("Returned to the home country")
        BELGIUM = "belgium", _("Stayed in Belgium")
        ELSEWHERE = "elsewhere", _("Lives elsewhere")

    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.PROTECT,
        related_name="follow_up",
    )
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    enrolment_confirmed_on = models.DateField(_("enrolment confirmed on"), null=True,
                                              blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    discontinued_on = models.DateField(_("discontinued on"), null=True, blank=True)
    discontinuation_reason = models.TextField(_("reason for discontinuation"), blank=True)
    residence = models.CharField(_("lives now"), max_length=14, choices=Residence.choices,
                                 blank=True)
    residence_country = CountryField(_("country of residence"), blank=True)
    residence_confirmed_on = models.DateField(_("residence last confirmed on"), null=True,
                                              blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scholar follow-up")
        verbose_name_plural = _("scholar follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(enrolment_confirmed_on__isnull=True) | Q(arrived_on__isnull=False),
                name="follow_up_enrolment_after_arrival",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(discontinued_on__isnull=True),
                name="follow_up_completed_or_discontinued",
            ),
            models.CheckConstraint(
                condition=Q(residence="") | Q(residence_confirmed_on__isnull=False),
                name="follow_up_residence_has_date",
            ),
        ]
        indexes = [models.Index(fields=["residence"])]

    def __str__(self):
        return str(self.application)


class ProgressReport(models.Model):
    class Assessment(models.TextChoices):
        GOOD = "good", _("Good progress")
        CONCERNS = "concerns", _("Some concerns")
        INSUFFICIENT = "insufficient", _("Insufficient progress")

    follow_up = models.ForeignKey(
        ScholarFollowUp, verbose_name=_("scholar"), on_delete=models.CASCADE,
        related_name="progress_reports",
    )
    academic_year = models.PositiveSmallIntegerField(
        _("academic year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year the academic year starts: 2027 for 2027-2028."),
    )
    received_on = models.DateField(_("received on"))
    assessment = models.CharField(_("assessment"), max_length=12, choices=Assessment.choices)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["follow_up", "academic_year"]
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "academic_year"],
                                    name="progress_report_once_a_year"),
        ]
        indexes = [models.Index(fields=["academic_year", "assessment"])]

    def __str__(self):
        return f"{self.follow_up} · {self.academic_year}-{self.academic_year + 1}"
