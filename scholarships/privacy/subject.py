"""See the package docstring: what a subject-access export holds of this
programme (registry.subject_access): the person's applications with their
answers, the list of documents and referees (not the files), the moves of
each application, whether reviews exist and their final scores, the offers
and the follow-up of a scholar."""

from django.utils.translation import gettext_lazy as _

ANSWER_FIELDS = [
    "reference", "call", "state", "highest_degree", "degree_title", "degree_institution",
    "degree_country", "degree_year", "employer", "position", "years_of_experience",
    "host_institution", "study_programme", "planned_start", "duration_months",
    "english_level", "french_level", "dutch_level", "motivation", "submitted_at",
    "created_at", "updated_at",
]


def subject_sections(person) -> list[dict]:
    from registry.subject_access import section

    from ..models import (
        Application,
        ApplicationDocument,
        ApplicationTransition,
        AwardOffer,
        ProgressReport,
        Referee,
        ReviewAssignment,
        ScholarFollowUp,
    )

    applications = list(Application.objects.filter(applicant=person)
                        .select_related("call", "host_institution").order_by("created_at"))
    mine = {"application__applicant": person}
    return [
        section("scholarships.applications", _("Scholarship applications"), applications,
                ANSWER_FIELDS,
                extra={"academic_year": (_("academic year"),
                                         lambda a: a.call.academic_year)}),
        section("scholarships.documents", _("Application documents"),
                ApplicationDocument.objects.filter(**mine).select_related("application")
                .order_by("application_id", "id"),
                ["application", "kind", "file", "content_type", "size", "uploaded_at"]),
        section("scholarships.referees", _("Referees"),
                Referee.objects.filter(**mine).select_related("application")
                .order_by("application_id", "id"),
                ["application", "name", "email", "institution", "invited_at", "letter",
                 "letter_received_at", "replaced_at"]),
        section("scholarships.transitions", _("Application history"),
                ApplicationTransition.objects.filter(**mine).select_related("application")
                .order_by("at", "id"),
                ["application", "from_state", "to_state", "at", "reason"]),
        # Reviews: that they exist, their state and final score; not who
        # reviewed (reviewers are protected by the review's confidentiality).
        section("scholarships.reviews", _("Reviews"),
                ReviewAssignment.objects.filter(**mine).select_related("application")
                .order_by("assigned_at", "id"),
                ["application", "status", "submitted_at", "total"]),
        section("scholarships.offers", _("Award offers"),
                AwardOffer.objects.filter(**mine).select_related("application")
                .order_by("created_at", "id"),
                ["application", "status", "monthly_allowance", "tuition", "travel",
                 "insurance", "starts_on", "ends_on", "deadline", "created_at", "answered_at",
                 "answer_reason"]),
        section("scholarships.follow_up", _("Scholar follow-up"),
                ScholarFollowUp.objects.filter(**mine).select_related("application")
                .order_by("id"),
                ["application", "arrived_on", "enrolment_confirmed_on", "completed_on",
                 "discontinued_on", "discontinuation_reason", "residence",
                 "residence_confirmed_on"]),
        section("scholarships.progress_reports", _("Progress reports"),
                ProgressReport.objects.filter(follow_up__application__applicant=person)
                .order_by("received_on", "id"),
                ["academic_year", "received_on", "assessment", "notes"]),
    ]


def register() -> None:
    from registry import programmes
    from registry.models import Side

    programmes.register(Side.SCHOLARSHIP, programmes.SUBJECT_DATA, subject_sections)
