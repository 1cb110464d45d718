"""The scholarship office's pages: the dashboard, the list of applications and
one application on one page. Scholarship administrators and the data
protection officer only; everyone else gets 403."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.decorators import role_required
from accounts.roles import Role
from listing.pagination import bounded_page
from privatemedia.files import stream_private_file
from registry.selectors import duplicate_queue_size
from reminders.selectors import reminders_about

from .. import selectors
from ..eligibility import eligibility_problems
from ..filters import ApplicationFilter
from ..models import DocumentKind, Referee
from ..steps import STEPS, missing_items, summary
from ..workflow import State

APPLICATIONS_PER_PAGE = 25
# steps.summary: personal data, then one section per step with fields, then
# documents and referees (which this page shows live, with download links).
STEP_SECTIONS = 1 + sum(1 for step in STEPS if step.fields)


@role_required(Role.SCHOLARSHIP_ADMIN)
def admin_home(request):
    dashboard = selectors.call_dashboard()
    # Columns only for the states some call has applications in, in workflow order.
    used = {state for row in dashboard for state in row["counts"]}
    states = [state for state in State if state in used]
    for row in dashboard:
        row["cells"] = [(state, row["counts"].get(state, 0)) for state in states]
    return render(request, "scholarships/admin_home.html", {
        "open_duplicates": duplicate_queue_size(),
        "dashboard": dashboard,
        "states": states,
        "now": timezone.now(),
    })


@role_required(Role.REVIEWER)
def reviewer_home(request):
    return render(request, "scholarships/reviewer_home.html")


@role_required(*selectors.STAFF_ROLES)
def application_list(request):
    filterset = ApplicationFilter(request.GET or None,
                                  queryset=selectors.application_table(user=request.user))
    page = bounded_page(filterset.qs, request.GET.get("page"), per_page=APPLICATIONS_PER_PAGE,
                        rows=selectors.application_rows)
    return render(request, "scholarships/staff/application_list.html", {
        "filter": filterset, "page": page,
        "rows": selectors.application_row_cells(page.object_list, today=timezone.localdate()),
    })


@role_required(*selectors.STAFF_ROLES)
def application_view(request, pk):
    application = selectors.application_for_staff(user=request.user, pk=pk)
    person = application.applicant
    documents = list(application.documents.all())
    uploaded = {document.kind for document in documents}
    required = [d.kind for d in application.call.required_documents.all()]
    missing_documents = [DocumentKind(kind).label for kind in required if kind not in uploaded]
    # What was submitted is frozen with the application; a draft is shown as it stands.
    shown = application.submitted_snapshot or summary(application)
    reference_date = application.call.age_reference_date or timezone.localdate()
    return render(request, "scholarships/staff/application_detail.html", {
        "application": application,
        "person": person,
        "age": person.age_on(reference_date),
        "reference_date": reference_date,
        # Steps data only; documents and referees have their own sections here.
        "sections": shown.get("sections", [])[:STEP_SECTIONS],
        "is_snapshot": bool(application.submitted_snapshot),
        "documents": documents,
        "missing_documents": missing_documents,
        "referees": application.all_referees,
        "transitions": application.transitions.all(),
        # Reminders about the application and its referees (reminders app).
        "reminders": reminders_about(application),
        "problems": eligibility_problems(application),
        "missing": missing_items(application) if application.state == State.DRAFT else [],
    })


@role_required(*selectors.STAFF_ROLES)
def referee_letter_download(request, pk, referee):
    """A referee's letter: staff only (the applicant never sees it)."""
    application = selectors.application_for_staff(user=request.user, pk=pk)
    letter = get_object_or_404(Referee, pk=referee, application=application,
                               letter_received_at__isnull=False)
    name = application.reference or f"application-{application.pk}"
    return stream_private_file(letter.letter, content_type=letter.letter_content_type,
                               download_name=f"{name}-reference-letter-{letter.pk}")
