"""Programmes, calls and applications in the Django admin.

Calls are configured here (dates, eligibility rules, documents, the review
rubric). Applications are read here, never written: they change only through
scholarships.services, so the admin shows them, their documents, referees and
audit trail read-only. Each list runs a fixed number of queries whatever the
number of rows: what a row shows is in list_select_related or annotated.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from common.admin import ReadOnlyAdminMixin, RegistryHistoryAdmin, RegistrySearchMixin
from common.admin_list import FastChangeListMixin
from listing.pagination import BoundedCountPaginator
from reporting.admin_bulk import start_in_background

from . import access, guards, services
from .forms.calls import REASON_FIELD, CallForm, CriterionFormSet
from .models import (
    Application,
    ApplicationDocument,
    ApplicationTransition,
    AwardOffer,
    Call,
    CommitteeMeeting,
    Criterion,
    Programme,
    ProgressReport,
    Referee,
    RequiredDocument,
    ReviewAssignment,
    ReviewerProfile,
    ReviewScore,
    ScholarFollowUp,
)
from .workflow import State

MSG_WEIGHT_POSITIVE = _("A weight must be greater than zero.")
EMPTY = "—"


class ReadOnlyInline(admin.TabularInline):
    """Records that only the services write: shown, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- programmes --------------------------------------------------------------------

# TranslationAdmin shows the name, title, summary... of programmes and calls once
# per language (English required); plain, not tabbed: the tabs load scripts
# from a CDN that the content security policy refuses.
@admin.register(Programme)
class ProgrammeAdmin(TranslationAdmin):
    list_display = ["name", "kind", "call_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(call_total=Count("calls"))

    @admin.display(description=_("calls"), ordering="call_total")
    def call_count(self, obj):
        return obj.call_total


# --- calls ---------------------------------------------------------------------------

class HistoryLinkInline(admin.TabularInline):
    """An inline whose rows link to their own history (InlineHistoryAdmin)."""

    extra = 0
    readonly_fields = ["history_link"]

    @admin.display(description=_("history"))
    def history_link(self, obj):
        if not obj.pk:
            return EMPTY
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("History"))


class InlineHistoryAdmin(RegistryHistoryAdmin):
    """The history of records edited as inlines of a call: reached from the
    inline's link, absent from the admin's index, and read only (they are
    edited on the call's page, with its checks)."""

    allow_revert = False

    def has_module_permission(self, request):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CallSetupInline(HistoryLinkInline):
    """A part of the call's setup: changed by the administrators only
    (access.may_decide), saved through the services by CallAdmin.save_related."""

    def has_add_permission(self, request, obj=None):
        return access.may_decide(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return access.may_decide(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return access.may_decide(request.user) and super().has_delete_permission(request, obj)


class RequiredDocumentInline(CallSetupInline):
    model = RequiredDocument


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["order", "name", "weight", "scale_max", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def clean_weight(self):
        weight = self.cleaned_data.get("weight")
        if weight is not None and weight <= 0:
            raise ValidationError(MSG_WEIGHT_POSITIVE, code="weight_positive")
        return weight


class CriterionInline(CallSetupInline):
    model = Criterion
    form = CriterionForm
    formset = CriterionFormSet


admin.site.register(RequiredDocument, InlineHistoryAdmin)
admin.site.register(Criterion, InlineHistoryAdmin)


def _weight_total():
    return Coalesce(
        Subquery(Criterion.objects.filter(call=OuterRef("pk")).order_by()
                 .values("call").annotate(total=Sum("weight")).values("total")),
        Decimal("0"), output_field=DecimalField(max_digits=8, decimal_places=2),
    )


def _application_total():
    return Coalesce(
        Subquery(Application.objects.filter(call=OuterRef("pk")).order_by()
                 .values("call").annotate(total=Count("id")).values("total")),
        0, output_field=IntegerField(),
    )


@admin.register(Call)
class CallAdmin(TranslationAdmin, RegistryHistoryAdmin):
    """Calls keep their history; reverting one needs the change permission
    (RegistryHistoryAdmin refuses it to view-only users such as the DPO).

    Only the administrators change a call (access.may_decide), and every save
    (the change page, the rubric and documents inlines, a revert) goes through
    services.calls: once reviews are scored, the rubric, the number of awards
    and the reviewers per application change only with a reason, asked on
    the form (CallForm) and kept in the history."""

    form = CallForm

    list_display = ["title", "programme", "academic_year_label", "opens_at", "closes_at",
                    "quota", "weight_sum", "application_count"]
    list_filter = ["programme", "academic_year"]
    list_select_related = ["programme"]
    search_fields = ["title"]
    show_full_result_count = False
    date_hierarchy = "opens_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["host_institutions"]
    readonly_fields = ["weight_sum", "public_page", "created_at"]
    fieldsets = [
        (None, {"fields": ["programme", "title", "slug", "public_page", "academic_year",
                           "summary", "description", "award_conditions"]}),
        (_("Dates"), {
            "fields": ["opens_at", "closes_at"],
            "description": _("Enter Brussels time; it is stored in UTC and shown to "
                             "applicants in Brussels time and their own."),
        }),
        (_("Who can apply"), {"fields": ["eligible_nationalities", "max_age",
                                         "age_reference_date", "min_degree",
                                         "exclude_eu_residents", "exclude_award_holders"]}),
        (_("Review and awards"), {
            "fields": ["host_institutions", "reviewers_per_application", "quota", "weight_sum",
                       "created_at"],
            "description": _("The review rubric is below. A score is the weighted mean over "
                             "the criteria, so the weights need not add up to 1."),
        }),
    ]
    inlines = [RequiredDocumentInline, CriterionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            weight_total=_weight_total(), application_total=_application_total())

    @admin.display(description=_("academic year"), ordering="academic_year")
    def academic_year_label(self, obj):
        return obj.academic_year_label

    @admin.display(description=_("sum of the weights"), ordering="weight_total")
    def weight_sum(self, obj):
        # Annotated by get_queryset, which the change page loads through too.
        total = getattr(obj, "weight_total", None)
        return EMPTY if total is None else number_format(total, decimal_pos=2)

    @admin.display(description=_("applications"), ordering="application_total")
    def application_count(self, obj):
        total = getattr(obj, "application_total", 0)
        if not total:
            return 0
        url = reverse("scholarships:application_list")
        return format_html('<a href="{}?call={}">{}</a>', url, obj.pk, total)

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        if not obj.pk:
            return EMPTY
        url = obj.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "eligible_nationalities":
            kwargs["widget"] = FilteredSelectMultiple(db_field.verbose_name, is_stacked=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # --- saved through services.calls ---

    def has_add_permission(self, request):
        return access.may_decide(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return access.may_decide(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return access.may_decide(request.user) and super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not services.call_is_frozen(obj):
            return fieldsets
        return [*fieldsets, (_("Reviews are scored"), {"fields": [REASON_FIELD]})]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, CriterionInline) and request.method == "POST":
            kwargs["change_reason"] = request.POST.get(REASON_FIELD, "")
        return kwargs

    def save_model(self, request, obj, form, change):
        if change:
            services.call_update(actor=request.user, call=obj, changes=form.call_changes,
                                 reason=form.cleaned_data.get(REASON_FIELD, ""))
            return
        created = services.call_create(
            actor=request.user, values=form.field_values(),
            host_institutions=form.cleaned_data.get("host_institutions") or ())
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        reason = form.cleaned_data.get(REASON_FIELD, "")
        for formset in formsets:
            formset.save(commit=False)  # what changed, for the admin's log
            if formset.model is Criterion:
                written = [*(c for c, _fields in formset.changed_objects), *formset.new_objects]
                services.criteria_update(
                    actor=request.user, call=form.instance, reason=reason,
                    criteria=[services.CriterionValues(
                        pk=c.pk, name=c.name, weight=c.weight, scale_max=c.scale_max,
                        order=c.order, description=c.description) for c in written],
                    remove=[c.pk for c in formset.deleted_objects])
            elif formset.model is RequiredDocument:
                services.required_documents_set(
                    actor=request.user, call=form.instance, reason=reason,
                    kinds=[f.cleaned_data["kind"] for f in formset.forms
                           if f.cleaned_data.get("kind") and f not in formset.deleted_forms])


# --- applications --------------------------------------------------------------------

class ApplicationDocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ["kind", "download", "content_type", "size", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        url = reverse("scholarships:document_download", args=[obj.application_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))


class RefereeInline(ReadOnlyInline):
    model = Referee
    fields = ["name", "email", "institution", "language", "invited_at", "letter_link",
              "replaced_at"]
    readonly_fields = fields

    @admin.display(description=_("letter"))
    def letter_link(self, obj):
        if not obj.letter_received_at:
            return gettext("not received")
        url = reverse("scholarships:referee_letter_download", args=[obj.application_id, obj.pk])
        return format_html('{} <a href="{}">{}</a>', gettext("received"), url,
                           gettext("Download"))


class ApplicationTransitionInline(ReadOnlyInline):
    model = ApplicationTransition
    fields = ["at", "actor", "from_state", "to_state", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


APPLICATION_FIELDSETS = [
    (None, {"fields": ["reference", "staff_page", "call", "applicant", "state",
                       "submitted_at", "confirmation_sent_at", "created_at", "updated_at"]}),
    (_("Education"), {"fields": ["highest_degree", "degree_title", "degree_institution",
                                 "degree_country", "degree_year"]}),
    (_("Employment"), {"fields": ["employer", "position", "years_of_experience"]}),
    (_("Study plan"), {"fields": ["host_institution", "study_programme", "planned_start",
                                  "duration_months"]}),
    (_("Languages"), {"fields": ["english_level", "french_level", "dutch_level"]}),
    (_("Motivation"), {"fields": ["motivation"]}),
]


class ReviewAssignmentInline(ReadOnlyInline):
    model = ReviewAssignment
    fk_name = "application"
    fields = ["reviewer", "status", "assigned_at", "assigned_by", "declared_at",
              "conflict_note", "total", "submitted_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer", "assigned_by")


class AwardOfferInline(ReadOnlyInline):
    model = AwardOffer
    fk_name = "application"
    fields = ["status", "monthly_allowance", "tuition", "travel", "insurance", "starts_on",
              "ends_on", "deadline", "created_at", "answered_at"]
    readonly_fields = fields


def may_decide(request) -> bool:
    return access.may_decide(request.user)


def report_moves(model_admin, request, moved, refused, done_message):
    """What a bulk action did: how many moved, and each refusal with its reason."""
    if moved:
        model_admin.message_user(request, done_message % {"count": len(moved)},
                                 messages.SUCCESS)
    if refused:
        shown = refused[:REFUSALS_SHOWN]
        lines = format_html_join("", "<li>{}: {}</li>", ((str(a), reason) for a, reason in shown))
        more = len(refused) - len(shown)
        tail = gettext("and %(count)d more.") % {"count": more} if more else ""
        model_admin.message_user(request, format_html(
            "{}<ul>{}</ul>{}", ngettext("%(count)d application was refused:",
                                        "%(count)d applications were refused:",
                                        len(refused)) % {"count": len(refused)},
            lines, tail), messages.WARNING)


REFUSALS_SHOWN = 20


@admin.register(Application)
class ApplicationAdmin(FastChangeListMixin, ReadOnlyAdminMixin, RegistrySearchMixin,
                       admin.ModelAdmin):
    # Read-only: applications start in the portal and only the services move
    # them (application_submit, application_transition).
    """Read only: an application changes through the portal and the services.
    The staff page (scholarships:application_view) shows it with the
    automatic pre-check and the documents. The next steps allowed from its
    state are buttons that go through the same service as the staff page;
    the bulk actions call it once per application and report each refusal."""

    change_form_template = "admin/scholarships/application/change_form.html"
    actions = ["confirm_eligibility", "assign_reviewers", "close_review"]

    list_display = ["__str__", "applicant", "call", "state_label", "submitted_at"]
    list_filter = ["call", "state"]
    list_select_related = ["applicant", "call"]
    # What the columns read (common.admin_list): the reference, the state, the
    # applicant's and the call's names.
    list_only = ("reference", "state", "submitted_at", "applicant__given_names",
                 "applicant__family_name", "call__title", "call__title_en", "call__title_fr",
                 "call__title_nl", "call__academic_year")

    # The rows are written by common.admin_list (FastChangeListMixin), the
    # action checkbox included; the state by its label, not through the 17
    # states' flattened choices.
    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj):
        return State(obj.state).label
    show_full_result_count = False
    # Counts at most LIST_COUNT_LIMIT applications (100,000 rows otherwise).
    paginator = BoundedCountPaginator
    person_paths = ("applicant",)
    search_fields = ["reference"]
    search_help_text = _("A reference (SCH-2026-00042), the applicant's reference "
                         "(P-000123) or names in any order, with or without accents.")
    fieldsets = APPLICATION_FIELDSETS
    readonly_fields = [name for _title, options in APPLICATION_FIELDSETS
                       for name in options["fields"]]
    inlines = [ApplicationDocumentInline, RefereeInline, ReviewAssignmentInline,
               AwardOfferInline, ApplicationTransitionInline]

    def has_decide_permission(self, request):
        return may_decide(request)

    @admin.action(description=_("Confirm the eligibility of the selected applications"),
                  permissions=["decide"])
    def confirm_eligibility(self, request, queryset):
        if started := start_in_background(self, request, queryset,
                                          "scholarships.confirm_eligibility"):
            return started
        moved, refused = services.applications_move(
            actor=request.user, applications=list(queryset.order_by("pk")), to=State.ELIGIBLE)
        report_moves(self, request, moved, refused,
                     gettext("Eligibility confirmed for %(count)d applications."))

    @admin.action(description=_("Assign reviewers automatically to the selected applications"),
                  permissions=["decide"])
    def assign_reviewers(self, request, queryset):
        if started := start_in_background(self, request, queryset,
                                          "scholarships.assign_reviewers"):
            return started
        done = services.reviewers_assign_many(actor=request.user,
                                              applications=queryset.order_by("pk"))
        report_moves(self, request, done.complete, [*done.refused, *done.short],
                     gettext("Reviewers assigned to %(count)d applications."))

    @admin.action(description=_("Close the review of the selected applications (rank them)"),
                  permissions=["decide"])
    def close_review(self, request, queryset):
        if started := start_in_background(self, request, queryset, "scholarships.close_review"):
            return started
        moved, refused = services.applications_move(
            actor=request.user, applications=list(queryset.order_by("pk")), to=State.RANKED)
        report_moves(self, request, moved, refused,
                     gettext("%(count)d applications ranked."))

    def get_urls(self):
        return [path("<path:object_id>/move/", self.admin_site.admin_view(self.move_view),
                     name="scholarships_application_move"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if application is not None:
            extra["next_moves"] = guards.next_steps(user=request.user,
                                                       application=application)
            extra["seen_state"] = application.state
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def move_view(self, request, object_id):
        """A next-step button of the change page, through the one service."""
        if request.method != "POST":
            raise Http404
        if not may_decide(request):
            raise PermissionDenied
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404
        to, seen = request.POST.get("to", ""), request.POST.get("seen", "")
        if to not in State.values or seen not in State.values:
            raise Http404
        try:
            services.application_move(actor=request.user, application=application, to=to,
                                      reason=request.POST.get("reason", ""),
                                      expected_state=seen)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, gettext("The application is now “%(state)s”.") % {
                "state": State(to).label}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:scholarships_application_change",
                                            args=[application.pk]))

    @admin.display(description=_("full application"))
    def staff_page(self, obj):
        url = reverse("scholarships:application_view", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url,
                           gettext("Open the application with its documents"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "applicant", "call", "host_institution")

    def view_on_site(self, obj):
        # The model's own address is the applicant's portal page.
        return reverse("scholarships:application_view", args=[obj.pk])


@admin.register(ApplicationTransition)
class ApplicationTransitionAdmin(ReadOnlyAdminMixin, RegistrySearchMixin, admin.ModelAdmin):
    """The audit trail of state changes: read only, whoever asks."""

    list_display = ["at", "application", "applicant", "from_state", "to_state", "actor",
                    "reason"]
    list_filter = ["to_state", "at"]
    list_select_related = ["application__applicant", "actor"]
    show_full_result_count = False
    person_paths = ("application__applicant",)
    search_fields = ["application__reference", "reason"]
    search_help_text = _("An application's reference, or the applicant's reference or names.")
    fields = ["application", "from_state", "to_state", "actor", "at", "reason"]
    readonly_fields = fields

    @admin.display(description=_("applicant"), ordering="application__applicant__family_name")
    def applicant(self, obj):
        return obj.application.applicant


# --- review ----------------------------------------------------------------------------------

@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(RegistryHistoryAdmin):
    """Who reviews: automatic assignment skips a reviewer of the applicant's
    nationality or host institution and balances the load shown here. Its
    history is kept; reverting needs the change permission (not the DPO's)."""

    list_display = ["__str__", "user", "country", "institution", "expertise", "is_active",
                    "load"]
    list_filter = ["is_active", "country"]
    list_select_related = ["user", "institution"]
    show_full_result_count = False
    search_fields = ["user__username", "user__first_name", "user__last_name", "expertise"]
    autocomplete_fields = ["user", "institution"]
    fields = ["user", "country", "institution", "expertise", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(open_total=Count(
            "user__review_assignments", filter=Q(
                user__review_assignments__status__in=("to_declare", "to_score"))))

    @admin.display(description=_("reviews in hand"), ordering="open_total")
    def load(self, obj):
        return getattr(obj, "open_total", 0)


class ReviewScoreInline(ReadOnlyInline):
    model = ReviewScore
    fields = ["criterion", "score", "comment"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdminMixin, RegistrySearchMixin, admin.ModelAdmin):
    list_display = ["application", "reviewer", "status", "assigned_at", "declared_at", "total",
                    "submitted_at"]
    list_filter = ["status", "assigned_at", "application__call"]
    list_select_related = ["application", "reviewer"]
    show_full_result_count = False
    person_paths = ("application__applicant",)
    search_fields = ["application__reference", "reviewer__username", "reviewer__last_name"]
    search_help_text = _("An application's reference, a reviewer's login or name, or the "
                         "applicant's reference or names.")
    fields = ["application", "reviewer", "status", "assigned_at", "assigned_by", "declared_at",
              "conflict_note", "comment", "total", "submitted_at", "cancelled_at",
              "notified_at"]
    readonly_fields = fields
    inlines = [ReviewScoreInline]


@admin.register(ReviewScore)
class ReviewScoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["assignment", "criterion", "score"]
    list_filter = ["criterion__call"]
    list_select_related = ["assignment__application", "assignment__reviewer", "criterion"]
    show_full_result_count = False
    search_fields = ["assignment__application__reference", "criterion__name"]
    fields = ["assignment", "criterion", "score", "comment"]
    readonly_fields = fields


# --- selection and awards -----------------------------------------------------------------------

class DecisionInline(ReadOnlyInline):
    model = ApplicationTransition
    fk_name = "meeting"
    verbose_name = _("decision")
    verbose_name_plural = _("decisions")
    fields = ["application", "from_state", "to_state", "override_reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application")


@admin.register(CommitteeMeeting)
class CommitteeMeetingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Recorded from the ranking page (scholarships:ranking), read here."""

    list_display = ["held_on", "call", "recorded_by", "recorded_at", "decision_count"]
    list_filter = ["call", "held_on"]
    list_select_related = ["call", "recorded_by"]
    show_full_result_count = False
    search_fields = ["call__title", "members_present", "rationale"]
    date_hierarchy = "held_on"
    fields = ["call", "held_on", "members_present", "rationale", "override_reason",
              "recorded_by", "recorded_at"]
    readonly_fields = fields
    inlines = [DecisionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(decision_total=Count("decisions"))

    @admin.display(description=_("decisions"), ordering="decision_total")
    def decision_count(self, obj):
        return obj.decision_total


@admin.register(AwardOffer)
class AwardOfferAdmin(ReadOnlyAdminMixin, RegistrySearchMixin, admin.ModelAdmin):
    """Made on the staff page (scholarships:offer_make) and answered in the portal."""

    list_display = ["application", "status", "monthly_allowance", "starts_on", "ends_on",
                    "deadline", "created_by", "answered_at"]
    list_filter = ["status", "deadline", "application__call"]
    list_select_related = ["application", "created_by"]
    show_full_result_count = False
    person_paths = ("application__applicant",)
    search_fields = ["application__reference"]
    search_help_text = _("An application's reference, or the applicant's reference or names.")
    fields = ["application", "status", "monthly_allowance", "tuition", "travel", "insurance",
              "starts_on", "ends_on", "deadline", "created_at", "created_by", "replaces",
              "answered_at", "answer_reason", "applicant_notified_at", "admins_notified_at"]
    readonly_fields = fields


# --- follow-up ----------------------------------------------------------------------------------

class ProgressReportInline(ReadOnlyInline):
    model = ProgressReport
    fields = ["academic_year", "received_on", "assessment", "notes", "recorded_by"]
    readonly_fields = fields


@admin.register(ScholarFollowUp)
class ScholarFollowUpAdmin(ReadOnlyAdminMixin, RegistrySearchMixin, RegistryHistoryAdmin):
    """Recorded on the follow-up page (scholarships:follow_up); its history is kept."""

    list_display = ["application", "arrived_on", "enrolment_confirmed_on", "completed_on",
                    "discontinued_on", "residence", "residence_confirmed_on"]
    list_filter = ["residence", "application__call", "application__state"]
    list_select_related = ["application"]
    show_full_result_count = False
    person_paths = ("application__applicant",)
    search_fields = ["application__reference"]
    fields = ["application", "arrived_on", "enrolment_confirmed_on", "completed_on",
              "discontinued_on", "discontinuation_reason", "residence", "residence_country",
              "residence_confirmed_on", "updated_at"]
    readonly_fields = fields
    inlines = [ProgressReportInline]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdminMixin, RegistrySearchMixin, admin.ModelAdmin):
    list_display = ["follow_up", "academic_year", "received_on", "assessment", "recorded_by"]
    list_filter = ["assessment", "academic_year"]
    list_select_related = ["follow_up__application", "recorded_by"]
    show_full_result_count = False
    person_paths = ("follow_up__application__applicant",)
    search_fields = ["follow_up__application__reference", "notes"]
    fields = ["follow_up", "academic_year", "received_on", "assessment", "notes",
              "recorded_by", "recorded_at"]
    readonly_fields = fields
