"""The applicant's portal: their applications and what happens next, the
steps of the form, the read-only summary, and withdrawing.

Every page loads the application through selectors.application_for_applicant:
another applicant's number gives 404, never a hint that it exists."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.services import person_update

from .. import selectors, services
from ..forms.steps import MSG_PERSONAL_HELP, STEP_FORMS, WithdrawForm
from ..models import Application, AwardOffer, Call, Referee
from ..pdf import submission_summary_pdf
from ..steps import SAVED_STEPS, STEP_BY_SLUG, STEPS, shown_summary
from ..workflow import MSG_GUARD_DEADLINE_PASSED, NEXT_STEP, WITHDRAWABLE, State
from .session import MSG_CHECK_AND_SAVE, keeps_typed_data, typed_data

MSG_NO_PERSON = _("Your account is not linked to a person in the registry yet, so you cannot "
                  "apply. Write to the scholarship office from the e-mail address of your "
                  "account and they will link it.")
MSG_SAVED = _("Saved.")
MSG_SAVED_AS_DRAFT = _("Saved as a draft. This step is not complete yet: come back to it "
                       "whenever you like.")
MSG_WITHDRAWN = _("Your application was withdrawn.")
MSG_ALREADY_WITHDRAWN = _("This application was already withdrawn.")
MSG_WITHDRAWN_NOT_EDITABLE = _("This application was withdrawn and can no longer be changed.")
MSG_CALL_CLOSED_FOR_DRAFT = _("The call is closed: this draft can no longer be submitted.")

# Where each section of steps.summary() (and of a submitted snapshot) comes
# from: the personal data, then every step with fields, then documents and
# referees. See steps.summary.
SUMMARY_SLUGS = ("personal", *[step.slug for step in STEPS if step.fields],
                 "documents", "referees")


# --- helpers -------------------------------------------------------------------------

def _person(user):
    # The reverse one-to-one raises when missing; getattr's default catches it.
    return getattr(user, "person", None)


def _not_editable_message(application: Application):
    if application.state == State.WITHDRAWN:
        return MSG_WITHDRAWN_NOT_EDITABLE
    return services.MSG_NOT_EDITABLE


def _continue_url(application: Application, progress: list[dict]) -> str:
    """A draft continues at its first incomplete step; anything else is read."""
    if application.state != State.DRAFT:
        return application.get_absolute_url()
    for item in progress:
        if not item["done"]:
            return item["url"]
    return selectors.step_url(application, "submit")


def _next_step_url(application: Application, slug: str) -> str:
    slugs = [step.slug for step in STEPS]
    position = slugs.index(slug)
    if position + 1 < len(slugs):
        return selectors.step_url(application, slugs[position + 1])
    return application.get_absolute_url()


def _sections(application: Application) -> dict[str, dict]:
    """What the applicant gave, per step: as submitted once submitted (their
    profile may have changed since), as it stands for a draft."""
    data = shown_summary(application)
    return dict(zip(SUMMARY_SLUGS, data.get("sections", []), strict=False))


# --- the list of my applications ---------------------------------------------------------

@login_required
def my_applications(request):
    person = _person(request.user)
    rows = []
    if person is not None:
        # The progress of each draft needs its documents and referees: fetched
        # in one query each, whatever the number of applications.
        applications = selectors.applications_of(request.user).prefetch_related(
            "documents", "call__required_documents",
            Prefetch("referees", queryset=Referee.objects.order_by("id"),
                     to_attr="all_referees"),
        )
        now = timezone.now()
        for application in applications:
            progress = selectors.application_progress(application)
            is_draft = application.state == State.DRAFT
            rows.append({
                "application": application,
                "call": application.call,
                "state_label": State(application.state).label,
                "next_step": NEXT_STEP.get(application.state, ""),
                "is_draft": is_draft,
                "call_closed": is_draft and not application.call.is_open(now),
                "steps_done": sum(1 for item in progress if item["done"]),
                "steps_total": len(progress),
                "continue_url": _continue_url(application, progress),
                "may_withdraw": application.state in WITHDRAWABLE,
            })
    return render(request, "scholarships/portal/my_applications.html", {
        "person": person, "rows": rows, "msg_no_person": MSG_NO_PERSON,
        "msg_call_closed": MSG_CALL_CLOSED_FOR_DRAFT,
    })


# --- starting an application ---------------------------------------------------------------

@login_required
def application_start(request, slug):
    call = get_object_or_404(Call.objects.select_related("programme"), slug=slug)
    person = _person(request.user)
    existing = None
    if person is not None:
        existing = (Application.objects.filter(call=call, applicant=person)
                    .exclude(state=State.WITHDRAWN).first())
    error = None
    if request.method == "POST" and person is not None:
        try:
            application = services.application_start(actor=request.user, call=call,
                                                     person=person)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            application = selectors.application_for_applicant(request.user, application.pk)
            return redirect(_continue_url(application, selectors.application_progress(
                application)))
    return render(request, "scholarships/portal/start.html", {
        "call": call, "person": person, "existing": existing, "error": error,
        "is_open": call.is_open(), "steps": STEPS,
        "msg_no_person": MSG_NO_PERSON, "msg_not_open": services.MSG_CALL_NOT_OPEN,
    })


# --- the steps ---------------------------------------------------------------------------

def _step_form(application: Application, slug: str, data=None, *, strict: bool = True):
    # A copy: validating a ModelForm writes the typed values onto its instance,
    # and the page still shows the saved application beside the form.
    instance = copy.copy(application.applicant if slug == "personal" else application)
    return STEP_FORMS[slug](data, instance=instance, strict=strict, call=application.call)


def _step_save(user, application: Application, slug: str, form, *, complete: bool):
    """Write one step through the services. Personal data lives on the
    registry's Person; the step is then marked on the application. One
    transaction: if the application was submitted meanwhile (another tab), the
    person is not changed either."""
    with transaction.atomic():
        if slug == "personal":
            person_update(actor=user, person=form.instance)
            values = {}
        else:
            values = form.values
        save = services.application_step_save if complete else services.application_step_draft
        save(actor=user, application=application, step=slug, values=values)


def _step_post(request, application: Application, slug: str):
    as_draft = "draft" in request.POST
    form = _step_form(application, slug, request.POST)
    complete = form.is_valid()
    if not complete and as_draft:
        # A draft keeps what was typed, as long as each answer is well formed.
        form = _step_form(application, slug, request.POST, strict=False)
        if not form.is_valid():
            return _render_step(request, application, slug, form, status=200)
    elif not complete:
        return _render_step(request, application, slug, form, status=200)
    try:
        _step_save(request.user, application, slug, form, complete=complete)
    except ValidationError as exc:
        if str(services.MSG_NOT_EDITABLE) in exc.messages:  # submitted in another tab
            messages.error(request, services.MSG_NOT_EDITABLE)
            return redirect(request.path)
        form.add_error(None, exc.messages)
        return _render_step(request, application, slug, form, status=200)
    if complete and not as_draft:
        messages.success(request, MSG_SAVED)
        return redirect(_next_step_url(application, slug))
    messages.success(request, MSG_SAVED if complete else MSG_SAVED_AS_DRAFT)
    return redirect(request.path)


def _render_step(request, application: Application, slug: str, form, *, status: int = 200):
    return render(request, "scholarships/portal/step.html", {
        "application": application,
        "step": STEP_BY_SLUG[slug],
        "form": form,
        "section": None if form is not None else _sections(application).get(slug),
        "not_editable": None if application.is_editable else _not_editable_message(application),
        "progress": selectors.application_progress(application),
        "current_step": slug,
        "call_open": application.call.is_open(),
        "msg_call_closed": MSG_CALL_CLOSED_FOR_DRAFT,
        "intro": MSG_PERSONAL_HELP if slug == "personal" else "",
    }, status=status)


@keeps_typed_data
def application_step(request, pk, step):
    # Taken first so a stash is used once, whatever the page does next.
    typed = typed_data(request, announce=False)
    if step not in STEP_BY_SLUG:
        raise Http404
    application = selectors.application_for_applicant(request.user, pk)
    if step not in SAVED_STEPS:
        # Documents, referees and submission have pages of their own.
        return redirect(selectors.step_url(application, step))
    if not application.is_editable:
        if request.method == "POST":
            messages.error(request, _not_editable_message(application))
            return redirect(request.path)
        return _render_step(request, application, step, None)
    if request.method == "POST":
        return _step_post(request, application, step)
    if typed is not None:
        # Back from the login page after an expired session: the typed values,
        # not saved yet, checked as the button they pressed would have.
        messages.info(request, MSG_CHECK_AND_SAVE)
        form = _step_form(application, step, typed, strict="draft" not in typed)
    else:
        form = _step_form(application, step)
    return _render_step(request, application, step, form)


# --- reading an application ------------------------------------------------------------

@login_required
def application_detail(request, pk):
    application = selectors.application_for_applicant(request.user, pk)
    sections = _sections(application)
    editable = application.is_editable
    step_sections = [
        {**sections[slug], "slug": slug,
         "edit_url": selectors.step_url(application, slug) if editable else None}
        for slug in SUMMARY_SLUGS if slug in SAVED_STEPS and slug in sections
    ]
    offer = application.offers.order_by("-created_at", "-id").first()
    return render(request, "scholarships/portal/detail.html", {
        "application": application,
        "offer": offer,
        "offer_answerable": offer is not None and offer.status == AwardOffer.Status.OPEN
        and offer.deadline > timezone.now(),
        "msg_deadline_passed": MSG_GUARD_DEADLINE_PASSED,
        "state_label": State(application.state).label,
        "next_step": NEXT_STEP.get(application.state, ""),
        "sections": step_sections,
        "transitions": application.transitions.all(),
        "documents": sorted(application.documents.all(), key=lambda d: d.get_kind_display()),
        "referees": application.all_referees,
        "may_withdraw": application.state in WITHDRAWABLE,
        "progress": selectors.application_progress(application) if editable else None,
        "current_step": "",
        "continue_url": (_continue_url(application, selectors.application_progress(application))
                         if editable else None),
    })


# --- withdrawing ---------------------------------------------------------------------------

def _withdraw_refusal(application: Application):
    if application.state == State.WITHDRAWN:
        return MSG_ALREADY_WITHDRAWN
    if application.state not in WITHDRAWABLE:
        return services.MSG_TRANSITION % {"from": State(application.state).label,
                                          "to": State.WITHDRAWN.label}
    return None


@keeps_typed_data
def application_withdraw(request, pk):
    typed = typed_data(request)
    application = selectors.application_for_applicant(request.user, pk)
    if request.method == "POST":
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.application_withdraw(actor=request.user, application=application,
                                              reason=form.cleaned_data["reason"])
            except ValidationError as exc:  # InvalidTransition: a final decision was taken.
                messages.error(request, " ".join(exc.messages))
                return redirect(application.get_absolute_url())
            messages.success(request, MSG_WITHDRAWN)
            return redirect(reverse("scholarships:my_applications"))
    else:
        form = WithdrawForm(typed)
    return render(request, "scholarships/portal/withdraw.html", {
        "application": application, "form": form, "refusal": _withdraw_refusal(application),
        "state_label": State(application.state).label,
    })


# --- the PDF summary -----------------------------------------------------------------------

@login_required
def application_summary_pdf(request, pk):
    """What the applicant submitted, as the PDF the confirmation e-mail carries:
    their own application only (404 otherwise), and only once submitted (a
    draft has no snapshot to print)."""
    application = selectors.application_for_applicant(request.user, pk)
    if not application.submitted_at or not application.submitted_snapshot:
        raise Http404
    # In the language the applicant is reading the portal in; the answers
    # themselves are as submitted.
    response = HttpResponse(submission_summary_pdf(application), content_type="application/pdf")
    name = application.reference or f"application-{application.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
