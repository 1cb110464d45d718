"""The ranking of a call and its selection committee: the applications with
their scores and flags, the split by sex and nationality of the would-be
selection (updated live by static/js/ranking.js as the committee marks its
decisions, and by the server on a plain form post), the quota and the yearly
ceiling, and the meeting that records the decisions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_countries import countries

from accounts.decorators import role_required
from accounts.roles import Role, has_role
from registry.models import Person

from .. import selectors, services
from ..duplicates import duplicate_warnings
from ..forms.decisions import BulkOfferForm, CommitteeForm
from ..models import Application, ApplicationTransition, Call, CommitteeMeeting
from ..services import Decision, DecisionsRefused
from ..services.awards import deadline_end_of_day, offer_default_deadline
from ..workflow import State

RANKING_PER_PAGE = 100
DECISION_CHOICES = [(State.SELECTED, State.SELECTED.label),
                    (State.RESERVE, State.RESERVE.label),
                    (State.NOT_SELECTED, State.NOT_SELECTED.label)]

MSG_RECORDED = _("The committee's decisions were recorded: %(count)s applications.")
MSG_NOTHING_MARKED = _("Mark at least one application selected, reserve or not selected.")
MSG_OFFERS_MADE = _("Offers made to %(count)s selected candidates; each receives the award "
                    "letter by e-mail.")
MSG_ASSIGNED_ALL = _("Reviewers assigned to %(done)s applications; %(short)s still miss "
                     "reviewers.")


def _may_decide(user) -> bool:
    return user.is_superuser or has_role(user, Role.SCHOLARSHIP_ADMIN)


def _split(base: dict, marked_rows) -> dict:
    """The would-be selection: who holds an award now plus the rows marked
    selected. The same arithmetic as ranking.js."""
    sex = dict(base["sex"])
    country = dict(base["country"])
    for row in marked_rows:
        sex[row["sex"]] = sex.get(row["sex"], 0) + 1
        country[row["country"]] = country.get(row["country"], 0) + 1
    return {"sex": sex, "country": country, "total": sum(sex.values())}


def _split_rows(split: dict) -> dict:
    sex_labels = dict(Person.Sex.choices)
    total = split["total"] or 1
    return {
        "sex": [(sex_labels.get(code, code), n, round(100 * n / total))
                for code, n in sorted(split["sex"].items(), key=lambda item: -item[1])],
        "country": [(dict(countries).get(code, code or "—"), n, round(100 * n / total))
                    for code, n in sorted(split["country"].items(),
                                          key=lambda item: (-item[1], item[0]))],
        "total": split["total"],
    }


def _assign_all(request, call):
    done = short = 0
    pending = Application.objects.filter(call=call, state__in=(State.ELIGIBLE, State.IN_REVIEW))
    for application in pending.order_by("submitted_at", "id"):
        try:
            services.reviewers_assign_automatically(actor=request.user, application=application)
        except ValidationError as error:
            messages.error(request, f"{application}: {' '.join(error.messages)}")
            continue
        summary = selectors.review_summary(application)
        if summary.live < summary.needed:
            short += 1
        else:
            done += 1
    messages.info(request, MSG_ASSIGNED_ALL % {"done": done, "short": short})
    return redirect("scholarships:ranking", call=call.pk)


def _offer_all(request, call, data):
    made, refused = services.award_offers_make_for_selected(
        actor=request.user, call=call, monthly_allowance=data["monthly_allowance"],
        tuition=data["tuition"], travel=data["travel"], insurance=data["insurance"],
        deadline=deadline_end_of_day(data["deadline"]))
    if made:
        messages.success(request, MSG_OFFERS_MADE % {"count": len(made)})
    for application, reason in refused:
        messages.warning(request, f"{application}: {reason}")
    return redirect("scholarships:ranking", call=call.pk)


@require_http_methods(["GET", "POST"])
@role_required(*selectors.STAFF_ROLES)
def ranking(request, call):
    call = get_object_or_404(Call.objects.select_related("programme"), pk=call)
    may_decide = _may_decide(request.user)
    posted = request.method == "POST" and may_decide
    if posted and request.POST.get("action") == "assign":
        return _assign_all(request, call)
    offers_form = BulkOfferForm(request.POST if posted and request.POST.get("action") == "offers"
                                else None, prefix="offers",
                                initial={"deadline": timezone.localtime(
                                    offer_default_deadline()).date()})
    if offers_form.is_bound and offers_form.is_valid():
        return _offer_all(request, call, offers_form.cleaned_data)
    deciding = posted and request.POST.get("action") in ("record", "preview")
    page = Paginator(selectors.ranking(call), RANKING_PER_PAGE).get_page(
        request.POST.get("page") or request.GET.get("page"))
    threshold = selectors.spread_threshold()
    duplicates = duplicate_warnings(page.object_list)
    rows = []
    for position, application in enumerate(page.object_list, start=page.start_index()):
        person = application.applicant
        decidable = application.state == State.RANKED and may_decide
        rows.append({
            "rank": position,
            "application": application,
            "person": person,
            "sex": person.sex,
            "country": selectors.first_nationality(person),
            "summary": selectors.ranking_row_summary(call, application, threshold),
            "decidable": decidable,
            "decision": request.POST.get(f"decision-{application.pk}", "") if deciding else "",
            "error": "",
            "duplicates": duplicates.get(application.pk, []),
        })
    recording = posted and request.POST.get("action") == "record"
    if recording:
        form = CommitteeForm(request.POST)
    elif deciding:
        # Counting again validates nothing: the meeting's fields keep what was typed.
        form = CommitteeForm(initial={name: request.POST.get(name, "")
                                      for name in CommitteeForm.base_fields})
    else:
        form = CommitteeForm()
    refusal = ""
    if recording:
        decisions = [Decision(row["application"].pk, row["decision"],
                              request.POST.get(f"seen-{row['application'].pk}", ""))
                     for row in rows if row["decidable"] and row["decision"]]
        if form.is_valid():
            if not decisions:
                refusal = MSG_NOTHING_MARKED
            else:
                try:
                    meeting = services.committee_decide(
                        actor=request.user, call=call, decisions=decisions, **form.cleaned_data)
                except DecisionsRefused as error:
                    refusal = error.messages[0]
                    for row in rows:
                        row["error"] = error.refused.get(row["application"].pk, "")
                except ValidationError as error:
                    refusal = " ".join(error.messages)
                else:
                    messages.success(request, MSG_RECORDED % {"count": len(decisions)})
                    return redirect(meeting.get_absolute_url())
    base = selectors.selection_split(call)
    marked = [row for row in rows if row["decidable"] and row["decision"] == State.SELECTED]
    split = _split(base, marked)
    places = selectors.places_used(call)
    labels = dict(countries)
    return render(request, "scholarships/staff/ranking.html", {
        "call": call,
        "page": page,
        "rows": rows,
        "form": form if may_decide else None,
        "refusal": refusal,
        "places": places,
        "marked": len(marked),
        "over_by": max(len(marked) - places.free, 0),
        "split": _split_rows(split),
        "decision_choices": DECISION_CHOICES,
        "threshold": threshold,
        "js_data": {
            "base": base, "free": places.free,
            "sex_labels": {k: str(v) for k, v in Person.Sex.choices},
            "country_labels": {code: str(labels.get(code, code)) for code in
                               {*base["country"], *(row["country"] for row in rows)} if code},
        },
        "freed": selectors.freed_places(call),
        "meetings": list(call.committee_meetings.select_related("recorded_by")[:20]),
        "reviewable": Application.objects.filter(
            call=call, state__in=(State.ELIGIBLE, State.IN_REVIEW)).exists(),
        "to_offer": Application.objects.filter(call=call, state=State.SELECTED).count()
        if may_decide else 0,
        "offers_form": offers_form,
    })


@role_required(*selectors.STAFF_ROLES)
def meeting_detail(request, pk):
    meeting = get_object_or_404(
        CommitteeMeeting.objects.select_related("call__programme", "recorded_by"), pk=pk)
    decisions = (ApplicationTransition.objects.filter(meeting=meeting)
                 .select_related("application__applicant")
                 .only("id", "to_state", "from_state", "override_reason", "at",
                       "application__id", "application__reference", "application__call",
                       "application__applicant__id", "application__applicant__given_names",
                       "application__applicant__family_name")
                 .order_by("to_state", "application__reference"))
    page = Paginator(decisions, 200).get_page(request.GET.get("page"))
    duplicates = duplicate_warnings([d.application for d in page.object_list])
    for decision in page.object_list:
        decision.duplicates = duplicates.get(decision.application_id, [])
    return render(request, "scholarships/staff/meeting_detail.html", {
        "meeting": meeting, "page": page,
    })
