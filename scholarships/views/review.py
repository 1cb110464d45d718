"""The reviewer's pages (their queue, the declaration of a conflict of
interest, the scoring, the documents of the applications assigned to them)
and the administrator's assignment of reviewers.

A reviewer reaches an application only through their own assignment
(selectors.assignment_for_reviewer: anything else is 404), and its content
and documents only after declaring no conflict of interest."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from privatemedia.files import stream_private_file

from .. import access, selectors, services
from ..forms.decisions import AssignReviewerForm, DeclarationForm, ReviewForm
from ..models import ApplicationDocument, Referee, ReviewAssignment
from ..steps import render as render_snapshot
from .staff import STEP_SECTIONS
from .uploads import referee_letter_response

MSG_NO_CONFLICT = _("Thank you. The application is open: you can score it now.")
MSG_CONFLICT_DECLARED = _("Thank you. The application goes to another reviewer.")
MSG_REVIEW_SUBMITTED = _("Your review was submitted. You can now read the other reviews.")
MSG_ASSIGNED = _("%(reviewer)s was asked to review this application.")
MSG_AUTO_ASSIGNED = _("Reviewers assigned: %(names)s.")
MSG_NOBODY_FREE = _("No reviewer could be assigned: every active reviewer is from the "
                    "applicant's country or host institution, or was already asked.")
MSG_SHORT = _("Only %(count)s of the reviewers needed could be found.")
MSG_CANCELLED = _("The review was taken back from %(reviewer)s.")

DONE_PER_PAGE = 25


# --- the reviewer ------------------------------------------------------------------------

@access.reviewer_required
def reviewer_home(request):
    queue = selectors.reviewer_queue(request.user)
    done = Paginator(queue["done"], DONE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "scholarships/reviewer_home.html", {
        "to_declare": queue["to_declare"], "to_score": queue["to_score"], "page": done,
        "to_declare_count": queue["to_declare_count"], "to_score_count": queue["to_score_count"],
        "empty": not (queue["to_declare"] or queue["to_score"] or done.paginator.count),
    })


def _application_sections(application) -> list:
    """What the applicant submitted, without the contact details, which a
    reviewer does not need."""
    if not application.submitted_snapshot:
        return []
    return render_snapshot(application.submitted_snapshot).get("sections", [])[1:STEP_SECTIONS]


def _declare(request, assignment):
    """The conflict-of-interest declaration: the form, or where to go once declared."""
    form = DeclarationForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return form, None
    conflict = form.cleaned_data["conflict"] == "yes"
    try:
        services.review_declare(actor=request.user, assignment=assignment, conflict=conflict,
                                note=form.cleaned_data["note"])
    except ValidationError as error:
        form.add_error(None, error)
        return form, None
    messages.success(request, MSG_CONFLICT_DECLARED if conflict else MSG_NO_CONFLICT)
    if conflict:
        return form, redirect("scholarships:reviewer_home")
    return form, redirect("scholarships:review_detail", pk=assignment.pk)


def _score(request, assignment, criteria):
    """The scores: the form (errors beside each criterion), or the page again
    once submitted."""
    form = ReviewForm(request.POST or None, criteria=criteria)
    if request.method != "POST" or not form.is_valid():
        return form, None
    try:
        services.review_submit(actor=request.user, assignment=assignment, scores=form.scores,
                               comment=form.cleaned_data["comment"],
                               criterion_comments=form.criterion_comments)
    except ValidationError as error:
        for key, errors in getattr(error, "message_dict", {None: error.messages}).items():
            field = key if key in ("comment", None) else f"criterion_{key}"
            if field == "__all__" or field not in form.fields:
                field = None
            for message in errors:
                form.add_error(field, message)
        return form, None
    messages.success(request, MSG_REVIEW_SUBMITTED)
    return form, redirect("scholarships:review_detail", pk=assignment.pk)


def _review_page(assignment, criteria) -> dict:
    """What the reviewer reads (access.py decides what opens when)."""
    application = assignment.application
    opened = access.reviewer_sees_application(assignment)
    return {
        "assignment": assignment,
        "application": application,
        "person": application.applicant,
        # Before the declaration: only what a reviewer needs to spot a conflict.
        "referees": [r.name for r in application.referees.filter(replaced_at__isnull=True)],
        "sections": _application_sections(application) if opened else [],
        "documents": list(application.documents.order_by("kind")) if opened else [],
        "letters": list(application.referees.filter(letter_received_at__isnull=False)
                        .order_by("id")) if opened else [],
        "own_scores": (list(assignment.scores.select_related("criterion"))
                       if assignment.status == ReviewAssignment.Status.SUBMITTED else []),
        "others": selectors.reviews_seen_by(assignment),
        "criteria": criteria,
    }


@require_http_methods(["GET", "POST"])
@access.reviewer_required
def review_detail(request, pk):
    """One review: declare a conflict of interest or none, then score."""
    assignment = selectors.assignment_for_reviewer(user=request.user, pk=pk)
    criteria = list(assignment.application.call.criteria.all())
    declaration = review_form = done = None
    if assignment.status == ReviewAssignment.Status.TO_DECLARE:
        declaration, done = _declare(request, assignment)
    elif assignment.status == ReviewAssignment.Status.TO_SCORE:
        review_form, done = _score(request, assignment, criteria)
    elif request.method == "POST":
        done = redirect("scholarships:review_detail", pk=assignment.pk)
    if done:
        return done
    return render(request, "scholarships/review/detail.html", {
        **_review_page(assignment, criteria), "declaration": declaration,
        "review_form": review_form,
    })


def _open_assignment(request, pk):
    assignment = selectors.assignment_for_reviewer(user=request.user, pk=pk)
    if not access.reviewer_sees_application(assignment):
        raise Http404  # no declaration yet, or a conflict: nothing to download
    return assignment


@access.reviewer_required
def reviewer_document_download(request, pk, doc):
    assignment = _open_assignment(request, pk)
    document = get_object_or_404(ApplicationDocument, pk=doc,
                                 application_id=assignment.application_id)
    name = assignment.application.reference or f"application-{assignment.application_id}"
    return stream_private_file(document.file, content_type=document.content_type,
                               download_name=f"{name}-{document.kind}")


@access.reviewer_required
def reviewer_letter_download(request, pk, referee):
    assignment = _open_assignment(request, pk)
    letter = get_object_or_404(Referee, pk=referee, application_id=assignment.application_id,
                               letter_received_at__isnull=False)
    name = assignment.application.reference or f"application-{assignment.application_id}"
    return referee_letter_response(letter, download_name=f"{name}-reference-letter-{letter.pk}")


# --- the administrator ---------------------------------------------------------------------

def _name(user) -> str:
    return user.get_full_name() or user.get_username()


@require_POST
@access.administrator_required
def reviewers_assign(request, pk):
    """Assign one reviewer by hand, or fill the missing ones automatically
    ("auto"), or take a review back ("cancel")."""
    application = selectors.application_for_staff(user=request.user, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "auto":
            created = services.reviewers_assign_automatically(actor=request.user,
                                                              application=application)
            summary = selectors.review_summary(application)
            if created:
                messages.success(request, MSG_AUTO_ASSIGNED % {
                    "names": ", ".join(_name(a.reviewer) for a in created)})
            if summary.live < summary.needed:
                messages.warning(request, MSG_SHORT % {"count": summary.live} if created
                                 else MSG_NOBODY_FREE)
        elif action == "cancel":
            assignment = get_object_or_404(ReviewAssignment, pk=request.POST.get("assignment"),
                                           application=application)
            services.review_assignment_cancel(actor=request.user, assignment=assignment)
            messages.success(request, MSG_CANCELLED % {"reviewer": _name(assignment.reviewer)})
        else:
            form = AssignReviewerForm(request.POST, application=application)
            if not form.is_valid():
                for errors in form.errors.values():
                    for message in errors:
                        messages.error(request, message)
            else:
                reviewer = form.cleaned_data["reviewer"]
                services.review_assign(actor=request.user, application=application,
                                       reviewer=reviewer)
                messages.success(request, MSG_ASSIGNED % {"reviewer": _name(reviewer)})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("scholarships:application_view", pk=pk)

