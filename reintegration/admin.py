"""Reintegration in the Django admin.

Configured here: teams, budget ceilings and vulnerability top-ups, and the
versions of the sustainability survey (a version in use is read-only, so the
scores of the surveys that used it never change).

Case records are read here, never written: they change only through
reintegration.services. Every list is scoped by reintegration.access exactly
as the workspace is (a user sees the cases they may see), special category
data (vulnerabilities, confidential notes) only where the user has the right,
and each list runs a fixed number of queries whatever the number of rows."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.roles import Role, has_role
from common.admin import ReadOnlyAdminMixin, RegistryHistoryAdmin, RegistrySearchMixin
from common.admin_list import FastChangeListMixin, PresentCountryFilter
from listing.countries import country_column
from listing.pagination import BoundedCountPaginator

from . import access
from .models import (
    AnswerOption,
    BudgetCeiling,
    BudgetLine,
    Case,
    CaseAssignment,
    CaseMember,
    CaseNote,
    CaseTransition,
    Delivery,
    MonitoringVisit,
    PartnerDesk,
    Plan,
    PlanTransition,
    Question,
    SensitiveAccess,
    SurveyAnswer,
    SurveyResponse,
    SurveyVersion,
    Team,
    Vulnerability,
    VulnerabilityTopUp,
)

MSG_NOT_SUPERVISOR = _("%(user)s does not hold the supervisor role.")
MSG_NOT_CASEWORKER = _("%(users)s do not hold the caseworker or supervisor role.")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseScopeMixin:
    """Records of the cases the user may see only (`case_path` leads from
    the record to its case), read only."""

    case_path = "case"
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = access.visible_cases(request.user).values("pk")
        return queryset.filter(**{f"{self.case_path}__in": visible})


class CaseScopedAdmin(CaseScopeMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


class ScopedHistoryMixin:
    """The change history of a record, for those who may see the record.

    simple_history's history page falls back to the historical rows when the
    record is not in the admin's queryset (deleted, or not the user's), which
    would show another caseworker's case or a vulnerability to anyone with the
    view permission: here such a record is not found. Nothing is reverted
    from the history: these records change only through the services."""

    def history_view(self, request, object_id, extra_context=None):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class CaseScopedHistoryAdmin(ScopedHistoryMixin, CaseScopeMixin, ReadOnlyAdminMixin,
                             SimpleHistoryAdmin):
    pass


# --- configuration -------------------------------------------------------------------

class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "supervisor", "caseworkers"]

    def clean_supervisor(self):
        supervisor = self.cleaned_data["supervisor"]
        if not has_role(supervisor, Role.SUPERVISOR):
            raise ValidationError(MSG_NOT_SUPERVISOR % {"user": supervisor.get_username()})
        return supervisor

    def clean_caseworkers(self):
        caseworkers = self.cleaned_data["caseworkers"]
        wrong = [user.get_username() for user in caseworkers
                 if not has_role(user, *access.CASE_ROLES)]
        if wrong:
            raise ValidationError(MSG_NOT_CASEWORKER % {"users": ", ".join(wrong)})
        return caseworkers


@admin.register(Team)
class TeamAdmin(RegistryHistoryAdmin):
    form = TeamForm
    list_display = ["name", "supervisor", "caseworker_count"]
    list_filter = ["supervisor"]
    list_select_related = ["supervisor"]
    search_fields = ["name", "supervisor__username", "supervisor__last_name",
                     "caseworkers__username", "caseworkers__last_name"]
    filter_horizontal = ["caseworkers"]
    autocomplete_fields = ["supervisor"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(caseworker_total=Count("caseworkers"))

    @admin.display(description=_("caseworkers"), ordering="caseworker_total")
    def caseworker_count(self, obj):
        return obj.caseworker_total

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "caseworkers":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                groups__name__in=access.CASE_ROLES).distinct().order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(PartnerDesk)
class PartnerDeskAdmin(RegistryHistoryAdmin):
    """Who, at a partner organisation, logs in to see its cases (the users
    must hold the partner role; the role alone opens nothing)."""

    list_display = ["organisation", "staff_count"]
    list_filter = ["organisation__country"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "organisation__acronym", "staff__username",
                     "staff__last_name"]
    filter_horizontal = ["staff"]
    autocomplete_fields = ["organisation"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(staff_total=Count("staff"))

    @admin.display(description=_("staff with a login"), ordering="staff_total")
    def staff_count(self, obj):
        return obj.staff_total

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                groups__name=Role.PARTNER).distinct().order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(BudgetCeiling)
class BudgetCeilingAdmin(RegistryHistoryAdmin):
    list_display = ["household_size", "amount"]
    list_editable = ["amount"]
    list_filter = ["household_size"]
    list_select_related = []
    search_fields = ["household_size"]
    ordering = ["household_size"]


@admin.register(VulnerabilityTopUp)
class VulnerabilityTopUpAdmin(RegistryHistoryAdmin):
    list_display = ["kind", "amount"]
    list_editable = ["amount"]
    list_filter = ["kind"]
    list_select_related = []
    search_fields = ["kind"]


def _version_used(version: SurveyVersion | None) -> bool:
    return version is not None and version.pk is not None and version.responses.exists()


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["order", "dimension", "text", "weight", "options_link"]
    readonly_fields = ["options_link"]
    extra = 0

    @admin.display(description=_("answers"))
    def options_link(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("admin:reintegration_question_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("answers and scores"))

    def has_add_permission(self, request, obj=None):
        return not _version_used(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _version_used(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _version_used(obj) and super().has_delete_permission(request, obj)


@admin.register(SurveyVersion)
class SurveyVersionAdmin(admin.ModelAdmin):
    """A version that surveys have used is read-only: make a new version to
    change the questions or the weights."""

    list_display = ["number", "title", "is_active", "question_count", "response_count",
                    "created_at"]
    list_filter = ["is_active"]
    list_select_related = []
    search_fields = ["title"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            question_total=Count("questions", distinct=True),
            response_total=Count("responses", distinct=True))

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, obj):
        return obj.question_total

    @admin.display(description=_("surveys filled"), ordering="response_total")
    def response_count(self, obj):
        return obj.response_total

    def get_readonly_fields(self, request, obj=None):
        # Only whether new surveys use it may still change.
        return ["number", "title"] if _version_used(obj) else []


class AnswerOptionInline(admin.TabularInline):
    model = AnswerOption
    fields = ["order", "text", "score"]
    extra = 0

    def _used(self, obj):
        return obj is not None and _version_used(obj.version)

    def has_add_permission(self, request, obj=None):
        return not self._used(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._used(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._used(obj) and super().has_delete_permission(request, obj)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "version", "dimension", "weight", "order"]
    list_filter = ["version", "dimension"]
    list_select_related = ["version"]
    search_fields = ["text"]
    inlines = [AnswerOptionInline]

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and _version_used(obj.version)) and (
            super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and _version_used(obj.version)) and (
            super().has_delete_permission(request, obj))


@admin.register(AnswerOption)
class AnswerOptionAdmin(admin.ModelAdmin):
    list_display = ["text", "question", "score", "order"]
    list_filter = ["question__version", "question__dimension"]
    list_select_related = ["question"]
    search_fields = ["text", "question__text"]

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and _version_used(obj.question.version)) and (
            super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and _version_used(obj.question.version)) and (
            super().has_delete_permission(request, obj))


# --- cases (read only) -------------------------------------------------------------------

class CaseMemberInline(ReadOnlyInline):
    model = CaseMember
    fields = ["person", "relation"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class CaseTransitionInline(ReadOnlyInline):
    model = CaseTransition
    fields = ["at", "actor", "from_state", "to_state", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class CaseAssignmentInline(ReadOnlyInline):
    model = CaseAssignment
    fields = ["at", "actor", "from_caseworker", "to_caseworker", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "actor", "from_caseworker", "to_caseworker")


@admin.register(Case)
class CaseAdmin(FastChangeListMixin, ScopedHistoryMixin, ReadOnlyAdminMixin, RegistrySearchMixin,
                SimpleHistoryAdmin):
    """Read only, and only the cases the user may see. The case page
    (reintegration:case_detail) is where a case is worked; vulnerabilities and
    notes are not shown here."""

    # The country by name from a list made once per language (listing.countries).
    list_display = ["reference", "principal", "state",
                    country_column("country_of_return", _("country of return")), "partner",
                    "caseworker", "next_action_due", "last_activity_at"]
    # The countries some case returns to (a handful), not all 250.
    list_filter = ["state", ("country_of_return", PresentCountryFilter), "partner", "next_action"]
    list_select_related = ["principal", "caseworker", "partner"]
    # What the columns read (common.admin_list).
    list_only = ("reference", "state", "country_of_return", "next_action_due",
                 "last_activity_at", "principal__given_names", "principal__family_name",
                 "caseworker__username", "partner__name", "partner__acronym")
    show_full_result_count = False
    # Counts at most LIST_COUNT_LIMIT cases.
    paginator = BoundedCountPaginator
    person_paths = ("principal",)
    search_fields = ["reference", "region_of_return"]
    search_help_text = _("A case reference (RET-2026-00017), the returnee's reference "
                         "(P-000123) or names in any order, with or without accents.")
    fields = ["reference", "workspace_page", "principal", "state", "state_changed_at",
              "country_of_return", "region_of_return", "partner", "caseworker",
              "planned_departure_on", "arrived_on", "next_action", "next_action_due",
              "last_activity_at", "opened_by", "created_at", "updated_at"]
    readonly_fields = fields
    inlines = [CaseMemberInline, CaseTransitionInline, CaseAssignmentInline]

    def get_queryset(self, request):
        return access.visible_cases(request.user, super().get_queryset(request))

    @admin.display(description=_("case page"))
    def workspace_page(self, obj):
        url = reverse("reintegration:case_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the case page"))

    def view_on_site(self, obj):
        return reverse("reintegration:case_detail", args=[obj.pk])


@admin.register(CaseMember)
class CaseMemberAdmin(RegistrySearchMixin, CaseScopedHistoryAdmin):
    list_display = ["case", "person", "relation"]
    list_filter = ["relation"]
    list_select_related = ["case", "person"]
    person_paths = ("person", "case__principal")
    search_fields = ["case__reference"]


@admin.register(CaseTransition)
class CaseTransitionAdmin(CaseScopedAdmin):
    list_display = ["at", "case", "from_state", "to_state", "actor", "reason"]
    list_filter = ["to_state", "at"]
    list_select_related = ["case", "actor"]
    search_fields = ["case__reference", "reason"]


@admin.register(CaseAssignment)
class CaseAssignmentAdmin(CaseScopedAdmin):
    list_display = ["at", "case", "from_caseworker", "to_caseworker", "actor", "reason"]
    list_filter = ["at"]
    list_select_related = ["case", "from_caseworker", "to_caseworker", "actor"]
    search_fields = ["case__reference", "to_caseworker__username", "reason"]


@admin.register(Vulnerability)
class VulnerabilityAdmin(CaseScopedHistoryAdmin):
    """Special category data: only the rows the user may see (none for a
    superuser who is not the data protection officer)."""

    list_display = ["case", "kind", "recorded_at", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["case", "recorded_by"]
    search_fields = ["case__reference"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            access.special_category_condition(request.user, prefix="case__"))


@admin.register(CaseNote)
class CaseNoteAdmin(CaseScopedHistoryAdmin):
    list_display = ["written_at", "case", "author", "is_confidential", "corrects"]
    list_filter = ["is_confidential", "written_at"]
    list_select_related = ["case", "author", "corrects"]
    search_fields = ["case__reference", "text"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not access.may_have_special_rights(request.user):
            return queryset.filter(is_confidential=False)
        return queryset.filter(
            Q(is_confidential=False)
            | access.special_category_condition(request.user, prefix="case__"))


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who saw which case's restricted data: for the data protection officer."""

    list_display = ["at", "user", "case", "what"]
    list_filter = ["what", "at"]
    list_select_related = ["user", "case"]
    search_fields = ["user__username", "case__reference"]
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if has_role(request.user, Role.DPO) or request.user.is_superuser:
            return queryset
        return queryset.none()


class PlanTransitionInline(ReadOnlyInline):
    model = PlanTransition
    fields = ["at", "actor", "from_state", "to_state", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine
    fields = ["category", "description", "amount", "delivered"]
    readonly_fields = fields


@admin.register(Plan)
class PlanAdmin(CaseScopedHistoryAdmin):
    # The ceiling is left out: raised by vulnerabilities, it would tell a user
    # without the right that the household has one.
    list_display = ["case", "state", "created_by", "submitted_at", "approved_by", "approved_at"]
    list_filter = ["state"]
    list_select_related = ["case", "created_by", "approved_by"]
    search_fields = ["case__reference"]
    fields = ["case", "state", "objectives", "created_by", "created_at", "submitted_by",
              "submitted_at", "approved_by", "approved_at", "closed_by", "closed_at",
              "closed_reason"]
    readonly_fields = fields
    inlines = [BudgetLineInline, PlanTransitionInline]


@admin.register(PlanTransition)
class PlanTransitionAdmin(CaseScopedAdmin):
    case_path = "plan__case"
    list_display = ["at", "plan", "from_state", "to_state", "actor", "reason"]
    list_filter = ["to_state", "at"]
    list_select_related = ["plan__case", "actor"]
    search_fields = ["plan__case__reference", "reason"]


@admin.register(BudgetLine)
class BudgetLineAdmin(CaseScopedHistoryAdmin):
    case_path = "plan__case"
    list_display = ["plan", "category", "description", "amount", "delivered"]
    list_filter = ["category"]
    list_select_related = ["plan__case"]
    search_fields = ["plan__case__reference", "description"]


@admin.register(Delivery)
class DeliveryAdmin(CaseScopedAdmin):
    case_path = "line__plan__case"
    list_display = ["delivered_on", "case_reference", "line", "kind", "supplier", "amount",
                    "evidence_link"]
    list_filter = ["kind", "delivered_on", "line__category"]
    list_select_related = ["line__plan__case"]
    search_fields = ["line__plan__case__reference", "supplier", "description"]
    exclude = ["evidence"]

    @admin.display(description=_("case"), ordering="line__plan__case__reference")
    def case_reference(self, obj):
        return obj.line.plan.case.reference

    @admin.display(description=_("evidence"))
    def evidence_link(self, obj):
        url = reverse("reintegration:delivery_evidence", args=[obj.line.plan.case_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))


@admin.register(MonitoringVisit)
class MonitoringVisitAdmin(CaseScopedHistoryAdmin):
    list_display = ["case", "due_on", "months_after_arrival", "status", "mode", "done_on"]
    list_filter = ["status", "mode", "due_on"]
    list_select_related = ["case"]
    search_fields = ["case__reference"]


class SurveyAnswerInline(ReadOnlyInline):
    model = SurveyAnswer
    fields = ["question", "option"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "option")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(CaseScopedAdmin):
    case_path = "visit__case"
    list_display = ["visit", "case_reference", "version", "economic", "social", "psychosocial",
                    "composite", "drop"]
    list_filter = ["version", "filled_at"]
    list_select_related = ["visit__case", "version"]
    search_fields = ["visit__case__reference"]
    inlines = [SurveyAnswerInline]

    @admin.display(description=_("case"), ordering="visit__case__reference")
    def case_reference(self, obj):
        return obj.visit.case.reference


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(CaseScopedAdmin):
    case_path = "response__visit__case"
    list_display = ["response", "question", "option"]
    list_filter = ["question__dimension", "response__version"]
    list_select_related = ["response__visit", "question", "option"]
    search_fields = ["response__visit__case__reference"]
