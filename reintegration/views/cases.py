"""One case: its page, and the actions on it (details, state moves, departure,
arrival, reassignment, household members, vulnerabilities, notes). Every view
gets the case through selectors.case_for, so a user who may not see the case
gets 404 on every address of it."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common import formats
from registry.forms import HouseholdMemberForm
from reminders.selectors import reminders_about

from .. import selectors
from ..charts import score_chart
from ..forms import (
    ArrivalForm,
    CaseDetailsForm,
    DeliveryForm,
    DepartureForm,
    NoteForm,
    ReassignForm,
    TransitionForm,
    VisitForm,
    VulnerabilityForm,
)
from ..models import CaseMember, MonitoringVisit, SensitiveAccess, Vulnerability
from ..services import cases as services
from ..services import records
from ..services.plans import plan_ceiling
from ..workflow import MANUAL, REASON_REQUIRED, PlanState, State
from .common import add_service_errors, case_reader, refuse

MSG_SAVED = _("The case was saved.")
MSG_MOVED = _("The case is now “%(state)s”.")
MSG_DEPARTURE_PLANNED = _("The departure is planned on %(day)s.")
MSG_ARRIVAL_RECORDED = _("The arrival was recorded and the monitoring visits scheduled.")
MSG_REASSIGNED = _("The case was reassigned to %(name)s.")
MSG_MEMBER_ADDED = _("%(name)s returns with the principal.")
MSG_MEMBER_REMOVED = _("%(name)s no longer returns with the principal.")
MSG_VULNERABILITY_SAVED = _("The vulnerability was saved.")
MSG_VULNERABILITY_REMOVED = _("The vulnerability was removed.")
MSG_NOTE_ADDED = _("The note was added.")
MSG_NOTE_SAVED = _("The note was changed.")


def _require(rights_flag: bool) -> None:
    if not rights_flag:
        raise PermissionDenied


# --- the case page -------------------------------------------------------------------

_CHECKS = (forms.CheckboxInput, forms.RadioSelect)


def bootstrap_widgets(form):
    """The Bootstrap classes crispy-forms would give the widgets, for the forms
    drawn by templates/reintegration/_field.html (the case page's quick forms
    and the visit page; crispy cost a third of the case page's CPU). Call it
    after validating a bound form: a field in error is marked is-invalid."""
    errors = form.errors if form.is_bound else {}
    for name, field in form.fields.items():
        widget = field.widget
        css = ("form-check-input" if isinstance(widget, _CHECKS)
               else "form-select" if isinstance(widget, forms.Select)
               else "form-control")
        kind = "" if isinstance(widget, forms.RadioSelect) else f"{type(widget).__name__.lower()} "
        invalid = " is-invalid" if name in errors else ""
        widget.attrs["class"] = f"{kind}{css}{invalid}"
    return form


# Parts of the case page's quick forms, drawn: {key: html}. Those forms are
# never bound there, so their markup only changes with what the key holds: the
# language, and for the visit form the day (the date it proposes), the window
# its help text gives and the survey's questions and answers (their texts: a
# question changed is another key). Kept per process, a few entries: a deployment starts afresh.
_DRAWN: dict[tuple, str] = {}


def _drawn(key: tuple, draw) -> str:
    html = _DRAWN.get(key)
    if html is None:
        if len(_DRAWN) >= 32:
            _DRAWN.clear()
        html = _DRAWN[key] = draw()
    return html


def quick_visit_fields() -> str:
    """The fields of the case page's quick visit form (_visit_fields.html with
    an unbound VisitForm of the survey in use), drawn once a day per language
    and survey rather than on every page: a dozen radio questions cost a fifth
    of the page."""
    rows = selectors.survey_form_rows()
    today = timezone.localdate()

    def draw():
        form = bootstrap_widgets(VisitForm(questions=selectors.survey_form_questions(rows),
                                           initial={"done_on": today}))
        return render_to_string("reintegration/_visit_fields.html", {"form": form})

    return _drawn(("visit", get_language(), today, settings.REINTEGRATION_VISIT_WINDOW_DAYS,
                   tuple(rows)), draw)


def quick_note_fields() -> str:
    """The fields of the case page's note form (an unbound NoteForm, each drawn
    by _field.html), once per language."""
    def draw():
        form = bootstrap_widgets(NoteForm())
        return mark_safe("".join(  # noqa: S308 - each part is a rendered template
            render_to_string("reintegration/_field.html", {"field": field}) for field in form))

    return _drawn(("note", get_language()), draw)


# The case page's timeline: the latest notes (and what happened since the
# oldest of them), with a link to the whole of it.
TIMELINE_NOTES = 30


@case_reader
def case_detail(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    whole_timeline = request.GET.get("timeline") == "all"
    data = selectors.case_page(user=request.user, case=case, rights=rights,
                               notes_limit=None if whole_timeline else TIMELINE_NOTES)
    plan = data["plan"]
    next_visit = next((v for v in data["visits"] if v.status == MonitoringVisit.Status.PLANNED),
                      None)
    documents = data["documents"]
    context = {
        "case": case, "person": case.principal, "rights": rights, **data,
        "travellers": [(case.principal, None, documents[case.principal_id])] + [
            (m.person, m, documents[m.person_id]) for m in data["members"]],
        "move_buttons": [(state, data["blocked"].get(state, [])) for state in data["moves"]],
        "today": timezone.localdate(),
        "chart": score_chart(data["surveys"]),
        "household": selectors.registry_household(case),
        "next_visit": next_visit,
        # The reminders sent about the case (reminders app): what the page
        # shows, no more (kind, to whom, when).
        "reminders": reminders_about(case),
    }
    if rights.special:
        try:
            context["ceiling"] = plan_ceiling(
                case, members=len(data["members"]),
                vulnerabilities=[v.kind for v in data["vulnerabilities"]])
        except ValidationError as error:
            context["ceiling_problem"] = " ".join(error.messages)
    if rights.work:
        context["note_form"] = NoteForm(
            action=reverse("reintegration:note_add", args=[case.pk]), form_id="quick-note")
        context["note_fields"] = quick_note_fields()
        if plan is not None and plan.state == PlanState.APPROVED and case.is_open:
            context["delivery_form"] = bootstrap_widgets(DeliveryForm(
                lines=data["lines"], form_id="quick-delivery",
                action=reverse("reintegration:delivery_add", args=[case.pk])))
        if next_visit is not None and case.is_open:
            context["visit_fields"] = quick_visit_fields()
    shown_special = bool(data["vulnerabilities"]) or any(
        note.is_confidential for note in data["notes"])
    if shown_special:
        records.sensitive_access_record(user=request.user, cases=[case],
                                        what=SensitiveAccess.What.CASE_PAGE)
    return render(request, "reintegration/case_detail.html", context)


@case_reader
def case_edit(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    _require(rights.work and case.is_open)
    form = CaseDetailsForm(request.POST or None, initial={
        "country_of_return": case.country_of_return.code,
        "region_of_return": case.region_of_return, "partner": case.partner})
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_SAVED)
            return redirect(case)
    return render(request, "reintegration/case_form.html", {
        "case": case, "form": form, "title": _("Change the case's details")})


# --- state moves ------------------------------------------------------------------------

@case_reader
def case_move(request, pk, to):
    """GET asks to confirm (with a reason where one is required); POST moves."""
    case, rights = selectors.case_for(user=request.user, pk=pk)
    if to not in State.values or State(to) not in MANUAL:
        raise Http404
    _require(rights.work)
    target = State(to)
    form = TransitionForm(request.POST or None, target=target)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_move(actor=request.user, case=case, to=target,
                               reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_MOVED % {"state": target.label})
            return redirect(case)
    return render(request, "reintegration/case_move.html", {
        "case": case, "form": form, "target": target,
        "reason_required": target in REASON_REQUIRED,
        "problems": services.guard_problems(case, target),
    })


@case_reader
def case_departure(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    _require(rights.work)
    initial = {"planned_on": case.planned_departure_on} if case.planned_departure_on else {}
    form = DepartureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_departure_plan(actor=request.user, case=case,
                                         planned_on=form.cleaned_data["planned_on"],
                                         reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_DEPARTURE_PLANNED % {
                "day": formats.day(form.cleaned_data["planned_on"])})
            return redirect(case)
    members = list(case.members.select_related("person"))
    documents = selectors.documents_for(case, members, travel_only=True)
    return render(request, "reintegration/case_departure.html", {
        "case": case, "form": form,
        "principal_documents": documents[case.principal_id],
        "member_documents": [(member, documents[member.person_id]) for member in members],
    })


@case_reader
def case_arrival(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    _require(rights.work)
    form = ArrivalForm(request.POST or None, initial={"arrived_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.case_arrival_record(actor=request.user, case=case,
                                         arrived_on=form.cleaned_data["arrived_on"],
                                         reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_ARRIVAL_RECORDED)
            return redirect(case)
    return render(request, "reintegration/case_form.html", {
        "case": case, "form": form, "title": _("Record the arrival"),
        "intro": _("Monitoring visits are scheduled %(months)s months after this date.") % {
            "months": ", ".join(str(m) for m in settings.REINTEGRATION_VISIT_MONTHS)},
    })


@case_reader
def case_reassign(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    _require(rights.reassign or request.user.is_superuser)
    caseworkers = services.reassign_choices(request.user, case)
    form = ReassignForm(request.POST or None, caseworkers=caseworkers,
                        initial={"caseworker": case.caseworker_id})
    if request.method == "POST" and form.is_valid():
        new = form.cleaned_data["caseworker"]
        try:
            services.case_reassign(actor=request.user, case=case, to=new,
                                   reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_REASSIGNED % {
                "name": new.get_full_name() or new.get_username()})
            # The supervisor still sees the case; go back to the team.
            return redirect("reintegration:team" if not request.user.is_superuser
                            else case.get_absolute_url())
    return render(request, "reintegration/case_form.html", {
        "case": case, "form": form, "title": _("Reassign the case")})


# --- household members ------------------------------------------------------------------

@case_reader
def member_add(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    _require(rights.work)
    form = HouseholdMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.case_member_add(actor=request.user, case=case, person=person,
                                     relation=form.cleaned_data["relation"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_MEMBER_ADDED % {"name": person.full_name})
            return redirect(case)
    return render(request, "reintegration/case_form.html", {
        "case": case, "form": form, "title": _("Add a returning household member")})


@require_POST
@case_reader
def member_remove(request, pk, member):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    _require(rights.work)
    member = CaseMember.objects.select_related("person").filter(pk=member, case=case).first()
    if member is None:
        raise Http404
    try:
        services.case_member_remove(actor=request.user, member=member)
    except ValidationError as error:
        return refuse(request, error, case)
    messages.success(request, MSG_MEMBER_REMOVED % {"name": member.person.full_name})
    return redirect(case)


# --- vulnerabilities (special category data) ----------------------------------------------

@case_reader
def vulnerabilities(request, pk):
    """Only for those who may see them; anyone else is told nothing exists."""
    case, rights = selectors.case_for(user=request.user, pk=pk)
    if not rights.special:
        raise Http404
    existing = list(Vulnerability.objects.filter(case=case).select_related("recorded_by"))
    form = VulnerabilityForm(request.POST or None)
    if request.method == "POST":
        _require(rights.work)
        if form.is_valid():
            try:
                records.vulnerability_save(actor=request.user, case=case,
                                           **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, MSG_VULNERABILITY_SAVED)
                return redirect("reintegration:vulnerabilities", pk=case.pk)
    if existing:
        records.sensitive_access_record(user=request.user, cases=[case],
                                        what=SensitiveAccess.What.VULNERABILITIES)
    return render(request, "reintegration/vulnerabilities.html", {
        "case": case, "rights": rights, "form": form, "vulnerabilities": existing})


@require_POST
@case_reader
def vulnerability_remove(request, pk, vulnerability):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    if not rights.special:
        raise Http404
    _require(rights.work)
    found = Vulnerability.objects.filter(pk=vulnerability, case=case).first()
    if found is None:
        raise Http404
    try:
        records.vulnerability_remove(actor=request.user, vulnerability=found)
    except ValidationError as error:
        return refuse(request, error, "reintegration:vulnerabilities", pk=case.pk)
    messages.success(request, MSG_VULNERABILITY_REMOVED)
    return redirect("reintegration:vulnerabilities", pk=case.pk)


# --- notes ------------------------------------------------------------------------------

def _note_page(request, case, form, *, title, note=None):
    return render(request, "reintegration/note_form.html", {
        "case": case, "form": form, "title": title, "note": note})


@case_reader
def note_add(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    _require(rights.work)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            records.note_add(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_NOTE_ADDED)
            return redirect(f"{case.get_absolute_url()}#notes")
    return _note_page(request, case, form, title=_("Add a note"))


@case_reader
def note_edit(request, pk, note):
    note, case, rights = selectors.note_for(user=request.user, case_pk=pk, pk=note)
    _require(rights.work)
    form = NoteForm(request.POST or None, submit_label=_("Save the note"), initial={
        "text": note.text, "is_confidential": note.is_confidential})
    if not records.note_is_editable(note, request.user):
        # Explain why, and offer the correction instead.
        form = None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            records.note_edit(actor=request.user, note=note, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_NOTE_SAVED)
            return redirect(f"{case.get_absolute_url()}#notes")
    if form is None:
        messages.error(request, records.MSG_NOTE_LOCKED % {
            "hours": settings.REINTEGRATION_NOTE_EDIT_HOURS} if note.author_id == request.user.pk
            else records.MSG_NOTE_NOT_AUTHOR)
        return redirect("reintegration:note_correct", pk=case.pk, note=note.pk)
    return _note_page(request, case, form, title=_("Change the note"), note=note)


@case_reader
def note_correct(request, pk, note):
    note, case, rights = selectors.note_for(user=request.user, case_pk=pk, pk=note)
    _require(rights.work)
    form = NoteForm(request.POST or None, submit_label=_("Add the correction"),
                    initial={"is_confidential": note.is_confidential})
    if request.method == "POST" and form.is_valid():
        try:
            records.note_add(actor=request.user, case=case, corrects=note, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_NOTE_ADDED)
            return redirect(f"{case.get_absolute_url()}#notes")
    return _note_page(request, case, form, title=_("Correct a note"), note=note)
