"""The scholarship office's pages: the dashboard, the list of applications and
one application on one page. Scholarship administrators and the data
protection officer only; everyone else gets 403."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from listing.pagination import bounded_page
from registry.selectors import duplicate_queue_size
from reminders.selectors import reminders_about

from .. import access, guards, selectors, services
from ..duplicates import duplicate_warnings
from ..eligibility import eligibility_problems
from ..filters import ApplicationFilter
from ..forms.decisions import AssignReviewerForm, MoveForm
from ..models import DocumentKind, Referee, ReviewScore
from ..steps import STEPS, missing_items, shown_summary
from ..workflow import Actor, State
from .uploads import referee_letter_response

MSG_MOVED = _("The application is now “%(state)s”.")
MSG_BAD_MOVE = _("This step is not possible from this page. Reload it and try again.")
REVIEWABLE = (State.ELIGIBLE, State.IN_REVIEW)

APPLICATIONS_PER_PAGE = 25
# steps.summary: personal data, then one section per step with fields, then
# documents and referees (which this page shows live, with download links).
STEP_SECTIONS = 1 + sum(1 for step in STEPS if step.fields)


@access.administrator_required
def admin_home(request):
    dashboard, counted_at = selectors.call_dashboard()
    # Columns only for the states some call has applications in, in workflow order.
    used = {state for row in dashboard for state in row["counts"]}
    states = [state for state in State if state in used]
    for row in dashboard:
        # The link's query made here: the template writes 300 cells.
        row["cells"] = [(row["counts"].get(state, 0), f"?call={row['call'].pk}&state={state.value}")
                        for state in states]
    return render(request, "scholarships/admin_home.html", {
        "open_duplicates": duplicate_queue_size(user=request.user),
        "dashboard": dashboard,
        "states": states,
        "counted_at": counted_at,
        "now": timezone.now(),
    })


@access.staff_required
def application_list(request):
    filterset = ApplicationFilter(request.GET or None,
                                  queryset=selectors.application_table(user=request.user))
    page = bounded_page(filterset.qs, request.GET.get("page"), per_page=APPLICATIONS_PER_PAGE,
                        rows=selectors.application_rows)
    return render(request, "scholarships/staff/application_list.html", {
        "filter": filterset, "page": page,
        "rows": selectors.application_row_cells(page.object_list, today=timezone.localdate()),
    })


@access.staff_required
def application_view(request, pk):
    application = selectors.application_for_staff(user=request.user, pk=pk)
    person = application.applicant
    documents = list(application.documents.all())
    uploaded = {document.kind for document in documents}
    required = [d.kind for d in application.call.required_documents.all()]
    missing_documents = [DocumentKind(kind).label for kind in required if kind not in uploaded]
    # What was submitted is frozen with the application; a draft is shown as it stands.
    shown = shown_summary(application)
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
        "duplicates": duplicate_warnings([application]).get(application.pk, []),
        **_decision_context(request, application),
    })


def _decision_context(request, application) -> dict:
    """The next steps the user may take, as buttons (or links to the page that
    takes them), the review and the offers."""
    moves = guards.next_steps(user=request.user, application=application)
    assignments = list(application.review_assignments.select_related("reviewer")
                       .prefetch_related(Prefetch("scores", queryset=ReviewScore.objects
                                                  .select_related("criterion")))
                       .order_by("assigned_at", "id"))
    summary = selectors.review_summary(application)
    is_admin = access.actor_capacity(request.user, application) == Actor.ADMINISTRATOR
    may_assign = is_admin and application.state in REVIEWABLE
    assign_form = None
    if may_assign:
        # Only drawn here (the assignment view validates with its own form):
        # the reviewers' labels read as values rather than as objects.
        assign_form = AssignReviewerForm(application=application)
        field = assign_form.fields["reviewer"]
        field.choices = [("", field.empty_label), *selectors.reviewer_choices(field.queryset)]
    return {
        "moves": moves,
        "seen_state": application.state,
        "summary": summary,
        "assignments": assignments,
        "assign_form": assign_form,
        "offers": list(application.offers.select_related("created_by", "replaces__application")
                       .order_by("-created_at", "-id")),
        # The follow-up page is a next step while the scholar is followed; a link after.
        "show_follow_up": application.state in selectors.SCHOLAR_STATES and not any(
            step["move"].page == "scholarships:follow_up" for step in moves),
        "is_admin": is_admin,
    }


@require_POST
@access.administrator_required
def application_move(request, pk):
    """A next-step button: the move goes through the one service, with the
    state the administrator saw."""
    application = selectors.application_for_staff(user=request.user, pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, MSG_BAD_MOVE)
        return redirect("scholarships:application_view", pk=pk)
    try:
        services.application_move(actor=request.user, application=application,
                                  to=form.cleaned_data["to"],
                                  reason=form.cleaned_data["reason"],
                                  expected_state=form.cleaned_data["seen"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, MSG_MOVED % {"state": State(form.cleaned_data["to"]).label})
    return redirect("scholarships:application_view", pk=pk)


@access.staff_required
def referee_letter_download(request, pk, referee):
    """A referee's letter: staff only (the applicant never sees it)."""
    application = selectors.application_for_staff(user=request.user, pk=pk)
    letter = get_object_or_404(Referee, pk=referee, application=application,
                               letter_received_at__isnull=False)
    name = application.reference or f"application-{application.pk}"
    return referee_letter_response(letter, download_name=f"{name}-reference-letter-{letter.pk}")
