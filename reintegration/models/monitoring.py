"""Monitoring visits after arrival and the reintegration sustainability survey.

The survey's questions, weights and answer scores are versioned data: a filled
survey points at the version it used, and a version that has been used is
never edited (the admin makes it read-only), so last year's score stays what
it was."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common import formats

from .cases import Case


def score_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))], **kwargs)


class Dimension(models.TextChoices):
    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")


class SurveyVersion(models.Model):
    number = models.PositiveSmallIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    is_active = models.BooleanField(
        _("in use for new surveys"), default=True,
        help_text=_("New surveys use the highest active version."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        ordering = ["-number"]

    def __str__(self):
        return _("%(title)s (version %(number)s)") % {"title": self.title, "number": self.number}


class Question(models.Model):
    version = models.ForeignKey(SurveyVersion, verbose_name=_("survey version"),
                                on_delete=models.PROTECT, related_name="questions")
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    text = models.CharField(_("question"), max_length=300)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Its share in the dimension's score and in the composite score."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["version", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="question_weight_positive"),
        ]

    def __str__(self):
        return self.text


class AnswerOption(models.Model):
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT,
                                 related_name="options")
    text = models.CharField(_("answer"), max_length=200)
    score = score_field(_("score (0 to 1)"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["question", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1),
                                   name="answer_score_between_0_and_1"),
        ]

    def __str__(self):
        return f"{self.text} ({self.score})"


class MonitoringVisit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        WAIVED = "waived", _("Waived")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("By phone")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="visits")
    months_after_arrival = models.PositiveSmallIntegerField(
        _("months after arrival"), null=True, blank=True,
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.PLANNED, editable=False)
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    waived_reason = models.TextField(_("reason for waiving"), blank=True)
    early_reason = models.TextField(_("reason for recording it early"), blank=True)
    notes = models.TextField(_("observations"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monitoring visit")
        verbose_name_plural = _("monitoring visits")
        ordering = ["case", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(done_on__isnull=False) & ~Q(mode="")),
                name="visit_done_has_date_and_mode",
            ),
            models.CheckConstraint(condition=~Q(status="waived") | ~Q(waived_reason=""),
                                   name="visit_waived_has_reason"),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        if self.months_after_arrival:
            return _("Visit at %(months)s months") % {"months": self.months_after_arrival}
        return _("Visit due on %(day)s") % {"day": formats.day(self.due_on)}

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PLANNED and self.due_on < timezone.localdate()


class SurveyResponse(models.Model):
    """A survey filled at a visit. The scores are computed once, from the
    answers and the weights of `version`, when the survey is recorded."""

    visit = models.OneToOneField(MonitoringVisit, verbose_name=_("visit"),
                                 on_delete=models.CASCADE, related_name="survey")
    version = models.ForeignKey(SurveyVersion, verbose_name=_("survey version"),
                                on_delete=models.PROTECT, related_name="responses")
    economic = score_field(_("economic score"))
    social = score_field(_("social score"))
    psychosocial = score_field(_("psychosocial score"))
    composite = score_field(_("composite score"))
    # How much the composite fell since the previous survey of the case (None
    # for the first survey or a rise).
    drop = score_field(_("drop since the previous survey"), null=True, blank=True)
    filled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filled by"),
                                  null=True, on_delete=models.SET_NULL, related_name="+")
    filled_at = models.DateTimeField(_("filled at"), default=timezone.now)

    class Meta:
        verbose_name = _("sustainability survey")
        verbose_name_plural = _("sustainability surveys")
        ordering = ["visit__due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(economic__gte=0, economic__lte=1, social__gte=0, social__lte=1,
                            psychosocial__gte=0, psychosocial__lte=1, composite__gte=0,
                            composite__lte=1),
                name="survey_scores_between_0_and_1",
            ),
        ]

    def __str__(self):
        return _("Survey of %(visit)s") % {"visit": self.visit}


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, verbose_name=_("survey"),
                                 on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT,
                                 related_name="+")
    option = models.ForeignKey(AnswerOption, verbose_name=_("answer"), on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["response", "question__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
        ]

    def __str__(self):
        return f"{self.question} → {self.option.text}"
