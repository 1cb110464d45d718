"""Return cases: the team that follows them, the case itself, the household
members who return with the principal, the audit trail of its states and
assignments, its vulnerabilities (special category data), its notes, and the
log of who looked at restricted data."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from common import formats
from registry.models import HouseholdMember, Organisation, Person

from ..states import AFTER_ARRIVAL, OPEN, NextAction, State

# Partners that deliver reintegration on the ground.
PARTNER_KINDS = (Organisation.Kind.INTERNATIONAL, Organisation.Kind.NGO,
                 Organisation.Kind.LOCAL_PARTNER)


class Team(models.Model):
    """A supervisor and the caseworkers whose cases they see and whose plans
    they approve. Edited in the administration."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), on_delete=models.PROTECT,
        related_name="supervised_reintegration_teams",
    )
    caseworkers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("caseworkers"), blank=True,
        related_name="reintegration_teams",
    )
    # Who may see which cases follows from the team: every change is kept.
    history = HistoricalRecords(m2m_fields=["caseworkers"])

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerDesk(models.Model):
    """The staff of a partner organisation who log in: they see the cases the
    organisation delivers for, once a plan is agreed, and record the assistance
    they deliver (reintegration.access). Edited in the administration."""

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("partner organisation"), on_delete=models.PROTECT,
        related_name="partner_desk", limit_choices_to={"kind__in": PARTNER_KINDS},
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff with a login"), blank=True,
        related_name="partner_desks",
    )
    # Who at a partner may see cases follows from the desk: every change is kept.
    history = HistoricalRecords(m2m_fields=["staff"])

    class Meta:
        verbose_name = _("partner desk")
        verbose_name_plural = _("partner desks")
        ordering = ["organisation__name"]

    def __str__(self):
        return str(self.organisation)


class Case(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    principal = models.ForeignKey(
        Person, verbose_name=_("principal returnee"), on_delete=models.PROTECT,
        related_name="return_cases",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.INTAKE, editable=False,
    )
    state_changed_at = models.DateTimeField(_("in this state since"), default=timezone.now,
                                            editable=False)
    country_of_return = CountryField(_("country of return"))
    region_of_return = models.CharField(
        _("region or town of return"), max_length=120, blank=True,
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("caseworker"), on_delete=models.PROTECT,
        related_name="reintegration_cases",
    )
    partner = models.ForeignKey(
        Organisation, verbose_name=_("partner organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reintegration_cases",
        limit_choices_to={"kind__in": PARTNER_KINDS},
        help_text=_("The organisation that delivers reintegration in the country of return."),
    )
    planned_departure_on = models.DateField(_("planned departure"), null=True, blank=True,
                                            editable=False)
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True, editable=False)
    # Kept up to date by the services (services.cases.case_refresh), so that
    # the caseload sorts by due date and the reminders find what is due.
    next_action = models.CharField(_("next action"), max_length=20, choices=NextAction.choices,
                                   blank=True, editable=False)
    next_action_due = models.DateField(_("due"), null=True, blank=True, editable=False)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now,
                                            editable=False)
    score_dropped = models.BooleanField(
        _("sustainability score dropped"), default=False, editable=False,
        help_text=_("The last survey scored markedly lower than the one before."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["last_activity_at", "next_action",
                                                 "next_action_due", "score_dropped"])

    class Meta:
        verbose_name = _("return case")
        verbose_name_plural = _("return cases")
        ordering = ["-created_at"]
        constraints = [
            # One open case per person; a closed or withdrawn one may be followed by
            # another. (registry.person_merge refuses to merge two persons who
            # each have an open case.)
            models.UniqueConstraint(
                F("principal"), condition=Q(state__in=OPEN),
                name="case_one_open_per_principal",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=AFTER_ARRIVAL) | Q(arrived_on__isnull=False),
                name="case_returned_has_arrival",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.DEPARTURE_PLANNED) | Q(planned_departure_on__isnull=False),
                name="case_departure_planned_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["caseworker", "state"]),
            models.Index(fields=["state", "next_action_due"]),
            models.Index(fields=["next_action_due"]),
            models.Index(fields=["country_of_return"]),
            models.Index(fields=["partner"]),
            models.Index(fields=["planned_departure_on"]),
            models.Index(fields=["last_activity_at"]),
            # The admin's changelist order (-created_at, then -pk).
            models.Index(fields=["-created_at", "-id"], name="case_admin_order"),
        ]
        permissions = [
            ("approve_plan", _("Can approve reintegration plans of the team's cases")),
            ("reassign_case", _("Can reassign the team's cases")),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("reintegration:case_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN


class CaseMember(models.Model):
    """A household member who returns with the principal."""

    # registry.services.person_merge: a person listed twice in one case is
    # listed once.
    merge_drops_duplicates = True

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="members")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT,
        related_name="return_case_memberships",
    )
    relation = models.CharField(_("relation to the principal"), max_length=10,
                                choices=HouseholdMember.Relation.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("returning household member")
        verbose_name_plural = _("returning household members")
        ordering = ["case", "relation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="case_member_once"),
        ]

    def __str__(self):
        return f"{self.person.full_name} ({self.get_relation_display()})"


class CaseTransition(models.Model):
    """Audit row for every state change of a case."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="transitions")
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("case state change")
        verbose_name_plural = _("case state changes")
        ordering = ["case", "at", "id"]
        indexes = [models.Index(fields=["to_state", "at"])]

    def __str__(self):
        return f"{self.case_id}: {self.from_state} → {self.to_state}"


class CaseAssignment(models.Model):
    """Audit row for every (re)assignment of a case to a caseworker."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="assignments")
    from_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    to_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("case assignment")
        verbose_name_plural = _("case assignments")
        ordering = ["case", "at", "id"]

    def __str__(self):
        return f"{self.case_id}: {self.from_caseworker_id} → {self.to_caseworker_id}"


class Vulnerability(models.Model):
    """Special category data: only the case's caseworker, their supervisor and
    the data protection officer ever see it (reintegration.access)."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("Medical condition")
        DISABILITY = "disability", _("Disability")
        UNACCOMPANIED_CHILD = "unaccompanied_child", _("Unaccompanied or separated child")
        TRAFFICKING = "trafficking", _("Victim of trafficking")
        SINGLE_PARENT = "single_parent", _("Single parent")
        ELDERLY = "elderly", _("Elderly person")
        PSYCHOSOCIAL = "psychosocial", _("Psychosocial needs")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="vulnerabilities")
    kind = models.CharField(_("vulnerability"), max_length=20, choices=Kind.choices)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")
        ordering = ["case", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="vulnerability_once_per_case"),
        ]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return self.get_kind_display()


class CaseNote(models.Model):
    """The case diary. A note can be changed for a day after it was written
    (REINTEGRATION_NOTE_EDIT_HOURS); after that a correction is a new note that
    references it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    text = models.TextField(_("note"))
    is_confidential = models.BooleanField(
        _("confidential"), default=False,
        help_text=_("Only the case's caseworker, their supervisor and the data protection "
                    "officer can read a confidential note."),
    )
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="corrections",
    )
    edited_at = models.DateTimeField(_("last changed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["case", "-written_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(corrects=F("id")),
                                   name="case_note_not_correcting_itself"),
        ]
        indexes = [models.Index(fields=["case", "written_at"])]

    def __str__(self):
        return _("Note of %(when)s") % {
            "when": formats.moment(self.written_at)}


class SensitiveAccess(models.Model):
    """Who saw a case's restricted data, and how: the data protection
    officer reads this log."""

    class What(models.TextChoices):
        CASE_PAGE = "case_page", _("Case page with vulnerabilities and confidential notes")
        VULNERABILITIES = "vulnerabilities", _("Vulnerabilities")
        EXPORT = "export", _("Caseload export with vulnerabilities")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True,
                             on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="sensitive_accesses")
    what = models.CharField(_("what"), max_length=20, choices=What.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("access to restricted data")
        verbose_name_plural = _("accesses to restricted data")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at"]),
            models.Index(fields=["user", "-at"]),
            models.Index(fields=["case", "-at"]),
            models.Index(fields=["what", "-at"]),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.case_id} · {self.what}"
