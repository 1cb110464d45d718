"""Programmes, calls and applications in the Django admin.

Calls are configured here (dates, eligibility rules, documents, the review
rubric). Applications are read here, never written: they change only through
scholarships.services, so the admin shows them, their documents, referees and
audit trail read-only. Each list runs a fixed number of queries whatever the
number of rows: what a row shows is in list_select_related or annotated.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.admin import ReadOnlyAdminMixin, RegistryHistoryAdmin, RegistrySearchMixin

from .models import (
    Application,
    ApplicationDocument,
    ApplicationTransition,
    Call,
    Criterion,
    Programme,
    Referee,
    RequiredDocument,
)

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

@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
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

class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


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


class CriterionInline(admin.TabularInline):
    model = Criterion
    form = CriterionForm
    extra = 0


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
class CallAdmin(RegistryHistoryAdmin):
    """Calls keep their history; reverting one needs the change permission
    (RegistryHistoryAdmin refuses it to view-only users such as the DPO)."""

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
                           "summary", "description"]}),
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


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, RegistrySearchMixin, admin.ModelAdmin):
    # Read-only: applications start in the portal and only the services move
    # them (application_submit, application_transition).
    """Read only: an application changes through the portal and the services.
    The staff page (scholarships:application_view) shows it with the
    automatic pre-check and the documents."""

    list_display = ["__str__", "applicant", "call", "state", "submitted_at"]
    list_filter = ["call", "state"]
    list_select_related = ["applicant", "call"]
    show_full_result_count = False
    person_paths = ("applicant",)
    search_fields = ["reference"]
    search_help_text = _("A reference (SCH-2026-00042), the applicant's reference "
                         "(P-000123) or names in any order, with or without accents.")
    fieldsets = APPLICATION_FIELDSETS
    readonly_fields = [name for _title, options in APPLICATION_FIELDSETS
                       for name in options["fields"]]
    inlines = [ApplicationDocumentInline, RefereeInline, ApplicationTransitionInline]

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
