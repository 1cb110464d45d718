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

from accounts.decorators import role_required
from accounts.roles import Role
from privatemedia.files import stream_private_file

from .. import selectors, services
from ..forms.decisions import AssignReviewerForm, DeclarationForm, ReviewForm
from ..models import ApplicationDocument, Referee, ReviewAssignment
from .staff import STEP_SECTIONS

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

@role_required(Role.REVIEWER)
def reviewer_home(request):
    queue = selectors.reviewer_queue(request.user)
    done = Paginator(queue["done"], DONE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "scholarships/reviewer_home.html", {
        "to_declare": queue["to_declare"], "to_score": queue["to_score"], "page": done,
        "empty": not (queue["to_declare"] or queue["to_score"] or queue["done"]),
    })


def _application_sections(application) -> list:
    """What the applicant submitted, without the contact details, which a
    reviewer does not need."""
    snapshot = application.submitted_snapshot or {}
    return snapshot.get("sections", [])[1:STEP_SECTIONS]


@require_http_methods(["GET", "POST"])
@role_required(Role.REVIEWER)
def review_detail(request, pk):
    assignment = selectors.assignment_for_reviewer(user=request.user, pk=pk)
    application = assignment.application
    declaration = review_form = None
    status = assignment.status
    if status == ReviewAssignment.Status.TO_DECLARE:
        declaration = DeclarationForm(request.POST or None)
        if request.method == "POST" and declaration.is_valid():
            conflict = declaration.cleaned_data["conflict"] == "yes"
            try:
                services.review_declare(actor=request.user, assignment=assignment,
                                        conflict=conflict,
                                        note=declaration.cleaned_data["note"])
            except ValidationError as error:
                declaration.add_error(None, error)
            else:
                messages.success(request, MSG_CONFLICT_DECLARED if conflict
                                 else MSG_NO_CONFLICT)
                if conflict:
                    return redirect("scholarships:reviewer_home")
                return redirect("scholarships:review_detail", pk=assignment.pk)
    criteria = list(application.call.criteria.all())
    if status == ReviewAssignment.Status.TO_SCORE:
        review_form = ReviewForm(request.POST or None, criteria=criteria)
        if request.method == "POST" and review_form.is_valid():
            try:
                services.review_submit(actor=request.user, assignment=assignment,
                                       scores=review_form.scores,
                                       comment=review_form.cleaned_data["comment"],
                                       criterion_comments=review_form.criterion_comments)
            except ValidationError as error:
                for key, errors in getattr(error, "message_dict", {None: error.messages}).items():
                    field = key if key in ("comment", None) else f"criterion_{key}"
                    if field == "__all__" or field not in review_form.fields:
                        field = None
                    for message in errors:
                        review_form.add_error(field, message)
            else:
                messages.success(request, MSG_REVIEW_SUBMITTED)
                return redirect("scholarships:review_detail", pk=assignment.pk)
    elif request.method == "POST" and status != ReviewAssignment.Status.TO_DECLARE:
        return redirect("scholarships:review_detail", pk=assignment.pk)
    is_open = assignment.is_open
    own_scores = (list(assignment.scores.select_related("criterion"))
                  if status == ReviewAssignment.Status.SUBMITTED else [])
    return render(request, "scholarships/review/detail.html", {
        "assignment": assignment,
        "application": application,
        "person": application.applicant,
        # Before the declaration: only what a reviewer needs to spot a conflict.
        "referees": [r.name for r in application.referees.filter(replaced_at__isnull=True)],
        "declaration": declaration,
        "review_form": review_form,
        "sections": _application_sections(application) if is_open else [],
        "documents": list(application.documents.order_by("kind")) if is_open else [],
        "letters": list(application.referees.filter(letter_received_at__isnull=False)
                        .order_by("id")) if is_open else [],
        "own_scores": own_scores,
        "others": selectors.reviews_seen_by(assignment),
        "criteria": criteria,
    })


def _open_assignment(request, pk):
    assignment = selectors.assignment_for_reviewer(user=request.user, pk=pk)
    if not assignment.is_open:
        raise Http404  # no declaration yet, or a conflict: nothing to download
    return assignment


@role_required(Role.REVIEWER)
def reviewer_document_download(request, pk, doc):
    assignment = _open_assignment(request, pk)
    document = get_object_or_404(ApplicationDocument, pk=doc,
                                 application_id=assignment.application_id)
    name = assignment.application.reference or f"application-{assignment.application_id}"
    return stream_private_file(document.file, content_type=document.content_type,
                               download_name=f"{name}-{document.kind}")


@role_required(Role.REVIEWER)
def reviewer_letter_download(request, pk, referee):
    assignment = _open_assignment(request, pk)
    letter = get_object_or_404(Referee, pk=referee, application_id=assignment.application_id,
                               letter_received_at__isnull=False)
    name = assignment.application.reference or f"application-{assignment.application_id}"
    return stream_private_file(letter.letter, content_type=letter.letter_content_type,
                               download_name=f"{name}-reference-letter-{letter.pk}")


# --- the administrator ---------------------------------------------------------------------

def _name(user) -> str:
    return user.get_full_name() or user.get_username()


@require_POST
@role_required(Role.SCHOLARSHIP_ADMIN)
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

