"""What each page shows, by URL name: the one table audit.middleware reads to
write a ReadEvent per request without the views knowing.

A page that shows or hands out personal data is listed here; a page that
takes an object id and is not listed must be named in EXEMPT with the reason
(audit/tests/test_pages.py walks every URL pattern and fails otherwise), so
a new page cannot forget the log.

Case sub-pages (edit, plan, visits, notes...) are recorded as reads of the
case: that is what they show. Files are recorded as downloads of the record
that holds the file."""

from dataclasses import dataclass

from .models import ReadEvent

VIEW = ReadEvent.Action.VIEW
LIST = ReadEvent.Action.LIST
DOWNLOAD = ReadEvent.Action.DOWNLOAD
EXPORT = ReadEvent.Action.EXPORT


@dataclass(frozen=True)
class Page:
    model: str
    # The URL keyword that holds the record's id ("" for lists), or the
    # position of an unnamed group (simple_history's version page).
    kwarg: str | int = "pk"
    action: str = VIEW
    # The URL keyword that holds a registry.Person id, when the URL gives it.
    person_kwarg: str | int = ""
    # Recorded for anonymous visitors too (a referee's link): the link is the key.
    public: bool = False
    # URL keywords that are secrets (a link's token): kept out of the logged address.
    secret_kwargs: tuple = ()


def _case(kwarg="pk", action=VIEW):
    return Page("reintegration.case", kwarg, action)


def _application(kwarg="pk", action=VIEW):
    return Page("scholarships.application", kwarg, action)


PAGES: dict[str, Page] = {
    # --- the registry ------------------------------------------------------------------
    "registry:person_list": Page("registry.person", "", LIST),
    "registry:person_list_export": Page("registry.person", "", EXPORT),
    "registry:person_detail": Page("registry.person", person_kwarg="pk"),
    "registry:person_edit": Page("registry.person", person_kwarg="pk"),
    "registry:document_create": Page("registry.person", person_kwarg="pk"),
    "registry:consent_create": Page("registry.person", person_kwarg="pk"),
    "registry:household_create": Page("registry.person", person_kwarg="pk"),
    "registry:document_edit": Page("registry.identitydocument"),
    "registry:document_scan": Page("registry.identitydocument", action=DOWNLOAD),
    "registry:consent_withdraw": Page("registry.consent"),
    "registry:household_member_add": Page("registry.household"),
    "registry:changes": Page("registry.person", "", LIST),
    # Everything held about a person, on screen and as files for them.
    "registry:subject_access": Page("registry.person", person_kwarg="pk"),
    "registry:subject_access_pdf": Page("registry.person", action=EXPORT, person_kwarg="pk"),
    "registry:subject_access_json": Page("registry.person", action=EXPORT, person_kwarg="pk"),
    # --- scholarships: the applicant's portal (their own application) -------------------
    "scholarships:my_applications": _application("", LIST),
    "scholarships:application_detail": _application(),
    "scholarships:application_summary_pdf": _application(action=DOWNLOAD),
    "scholarships:application_step": _application(),
    "scholarships:documents_step": _application(),
    "scholarships:document_download": Page("scholarships.applicationdocument", "doc", DOWNLOAD),
    "scholarships:referees_step": _application(),
    "scholarships:submit_step": _application(),
    "scholarships:application_withdraw": _application(),
    "scholarships:offer_accept": Page("scholarships.awardoffer", "offer"),
    "scholarships:offer_decline": Page("scholarships.awardoffer", "offer"),
    "scholarships:offer_award_pdf": Page("scholarships.awardoffer", "offer", DOWNLOAD),
    # A referee, without an account, sees whom the letter is for.
    "scholarships:referee_upload": Page("scholarships.referee", "", public=True,
                                        secret_kwargs=("token",)),
    # --- scholarships: staff ------------------------------------------------------------
    "scholarships:application_list": _application("", LIST),
    "scholarships:application_view": _application(),
    "scholarships:referee_letter_download": Page("scholarships.referee", "referee", DOWNLOAD),
    "scholarships:application_move": _application(),
    "scholarships:reviewers_assign": _application(),
    "scholarships:offer_make": _application(),
    "scholarships:staff_offer_letter": Page("scholarships.awardoffer", "offer", DOWNLOAD),
    "scholarships:follow_up": _application(),
    "scholarships:scholar_list": _application("", LIST),
    # The ranked applications of one call.
    "scholarships:ranking": Page("scholarships.call", "call", LIST),
    "scholarships:meeting_detail": Page("scholarships.committeemeeting"),
    # --- scholarships: reviewers --------------------------------------------------------
    "scholarships:reviewer_home": Page("scholarships.reviewassignment", "", LIST),
    "scholarships:review_detail": Page("scholarships.reviewassignment"),
    "scholarships:reviewer_document": Page("scholarships.applicationdocument", "doc", DOWNLOAD),
    "scholarships:reviewer_letter": Page("scholarships.referee", "referee", DOWNLOAD),
    # --- reintegration: lists -----------------------------------------------------------
    "reintegration:caseload": _case("", LIST),
    "reintegration:team": _case("", LIST),
    "reintegration:all_cases": _case("", LIST),
    "reintegration:export": _case("", EXPORT),
    "reintegration:export_xlsx": _case("", EXPORT),
    "reintegration:access_log": Page("reintegration.sensitiveaccess", "", LIST),
    "reintegration:intake": Page("registry.person", "", LIST),
    "reintegration:case_open": Page("registry.person", "person", person_kwarg="person"),
    # --- reintegration: one case and its sub-pages --------------------------------------
    **{f"reintegration:{name}": _case() for name in (
        "case_detail", "case_edit", "case_move", "case_departure", "case_arrival",
        "case_reassign", "member_add", "member_remove", "vulnerabilities",
        "vulnerability_remove", "note_add", "note_edit", "note_correct",
        "plan", "plan_start", "plan_objectives", "line_add", "line_edit", "line_remove",
        "plan_submit", "plan_approve", "plan_return", "plan_close", "delivery_add",
        "visit_add", "visit_record", "visit_reschedule", "visit_waive",
    )},
    "reintegration:delivery_evidence": Page("reintegration.delivery", "delivery", DOWNLOAD),
    # --- reintegration: partner organisations ------------------------------------------
    "reintegration:partner_cases": _case("", LIST),
    "reintegration:partner_case": _case(),
    "reintegration:partner_evidence": Page("reintegration.delivery", "delivery", DOWNLOAD),
    # --- reports and background exports (reporting/) -----------------------------------
    # A job's page shows only its owner's own export (what, when, how far); its
    # file, when downloaded, is an export of the records it holds.
    "reporting:job": Page("reporting.exportjob"),
    "reporting:job_status": Page("reporting.exportjob"),
    "reporting:job_download": Page("reporting.exportjob", action=EXPORT),
    # An admin bulk action in the background: its owner's page names the
    # records it refused (references, never names).
    "reporting:bulk_job": Page("reporting.bulkjob"),
    "reporting:bulk_job_status": Page("reporting.bulkjob"),
    # Aggregate figures (small counts suppressed): their exports are logged.
    "scholarships:report_export": _application("", EXPORT),
    "reintegration:report_export": _case("", EXPORT),
    # The staff list's export (the views write the row with its row count).
    "scholarships:application_list_export": _application("", EXPORT),
    # --- the read log itself: reading who read what is a read too ------------------------
    "audit:console": Page("audit.readevent", "", LIST),
    "audit:person": Page("registry.person", person_kwarg="pk"),
}

# The admin pages of the models that hold personal data. Their URL names are
# derived: "admin:<app>_<model>_change" is a read of "<app>.<model>".
ADMIN_PERSONAL_DATA = (
    "auth.user",
    # Login attempts: usernames and IP addresses.
    "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog",
    "registry.person", "registry.identitydocument", "registry.household", "registry.consent",
    "registry.duplicatecandidate", "registry.personmerge",
    # Reminders: to whom, about what.
    "reminders.reminderlog", "reminders.reminderevent",
    "scholarships.application", "scholarships.applicationtransition",
    "scholarships.reviewerprofile", "scholarships.reviewassignment",
    "scholarships.reviewscore", "scholarships.committeemeeting", "scholarships.awardoffer",
    "scholarships.scholarfollowup", "scholarships.progressreport",
    "reintegration.case", "reintegration.casemember", "reintegration.casetransition",
    "reintegration.caseassignment", "reintegration.vulnerability", "reintegration.casenote",
    "reintegration.sensitiveaccess", "reintegration.plan", "reintegration.plantransition",
    "reintegration.budgetline", "reintegration.delivery", "reintegration.monitoringvisit",
    "reintegration.surveyresponse", "reintegration.surveyanswer",
    # The e-mails sent: to whom, and what they said.
    "outbox.message",
    "audit.readevent",
)

# Admin pages about one record, by the suffix of their URL name.
ADMIN_RECORD_PAGES = ("change", "history", "delete", "password", "move")


def _admin_pages() -> dict[str, Page]:
    pages = {}
    for label in ADMIN_PERSONAL_DATA:
        app, model = label.split(".")
        person_kwarg = "object_id" if label == "registry.person" else ""
        pages[f"admin:{app}_{model}_changelist"] = Page(label, "", LIST)
        for suffix in ADMIN_RECORD_PAGES:
            pages[f"admin:{app}_{model}_{suffix}"] = Page(label, "object_id",
                                                          person_kwarg=person_kwarg)
        # One old version (simple_history): "<object_id>/history/<version>/", unnamed groups.
        pages[f"admin:{app}_{model}_simple_history"] = Page(
            label, 0, person_kwarg=0 if person_kwarg else "")
    return pages


PAGES.update(_admin_pages())

# Pages that take an id but are not logged, each with its reason. The test of
# this module fails on a page with an id that is in neither table.
EXEMPT = {
    # The account's own links: a signup confirmation and a password reset
    # show no one's data but the key's holder's, and their tokens are secrets.
    "accounts:signup_confirm",
    "password_reset_confirm",
    # Public pages of a call for applications: no personal data.
    "scholarships:call_detail",
    # Starting one's own application from a call: a form, then a redirect to it.
    "scholarships:application_start",
    # Redirects to the record's own admin page, which is logged.
    "admin:view_on_site",
}

ADMIN_RECORD_PAGES += ("simple_history",)

# The admin models that hold configuration, not personal data: their admin
# pages are not logged (their changes are kept by django-simple-history).
ADMIN_CONFIGURATION = (
    "auth.group",
    "registry.organisation",
    "reminders.reminderkind",
    "scholarships.programme", "scholarships.call",
    # The rubric and the documents a call asks for (their history is shown).
    "scholarships.criterion", "scholarships.requireddocument",
    # Teams and desks list staff accounts, not the persons helped.
    "reintegration.team", "reintegration.partnerdesk",
    "reintegration.budgetceiling", "reintegration.vulnerabilitytopup",
    "reintegration.surveyversion", "reintegration.question", "reintegration.answeroption",
)


def page_for(url_name: str) -> Page | None:
    return PAGES.get(url_name)
