"""The ranking of a call and its selection committee: the applications with
their scores and flags, the split by sex and nationality of the would-be
selection (updated live by static/js/ranking.js as the committee marks its
decisions, and by the server on a plain form post), the quota and the yearly
ceiling, and the meeting that records the decisions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from listing.countries import country_names
from registry.models import Person

from .. import access, selectors, services
from ..duplicates import duplicate_warnings
from ..forms.decisions import BulkOfferForm, CommitteeForm
from ..models import Application, ApplicationTransition, Call, CommitteeMeeting
from ..places import over_by, places_used
from ..services import Decision, DecisionsRefused
from ..services.awards import deadline_end_of_day, offer_default_deadline
from ..workflow import State
from .ranking_rows import rows_html

RANKING_PER_PAGE = 100
MSG_NO_RANKED = _("No application of this call has been found eligible yet.")
# The places given back shown on the ranking: the latest, with how many there are.
FREED_SHOWN = 20
DECISION_CHOICES = [(State.SELECTED, State.SELECTED.label),
                    (State.RESERVE, State.RESERVE.label),
                    (State.NOT_SELECTED, State.NOT_SELECTED.label)]

MSG_RECORDED = _("The committee's decisions were recorded: %(count)s applications.")
MSG_NOTHING_MARKED = _("Mark at least one application selected, reserve or not selected.")
MSG_OFFERS_MADE = _("Offers made to %(count)s selected candidates; each receives the award "
                    "letter by e-mail.")
MSG_ASSIGNED_ALL = _("Reviewers assigned to %(done)s applications; %(short)s still miss "
                     "reviewers.")


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
        "country": [(country_names().get(code, code or "—"), n, round(100 * n / total))
                    for code, n in sorted(split["country"].items(),
                                          key=lambda item: (-item[1], item[0]))],
        "total": split["total"],
    }


def _assign_all(request, call):
    done = services.reviewers_assign_many(actor=request.user,
                                          applications=selectors.reviewable(call))
    for application, reason in done.refused:
        messages.error(request, f"{application}: {reason}")
    messages.info(request, MSG_ASSIGNED_ALL % {"done": len(done.complete),
                                               "short": len(done.short)})
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


def _action(request, may_decide: bool) -> str:
    """What a POST asks ("assign", "offers", "record", "preview"); nothing for
    a GET, or for someone who may not decide."""
    if request.method != "POST" or not may_decide:
        return ""
    return request.POST.get("action", "")


def _offers_form(request, action: str) -> BulkOfferForm:
    return BulkOfferForm(request.POST if action == "offers" else None, prefix="offers",
                         initial={"deadline": timezone.localtime(
                             offer_default_deadline()).date()})


def _ranking_rows(request, call, page, *, may_decide: bool, deciding: bool) -> list[dict]:
    """One row per application of the page, with the decision marked on a
    posted page."""
    threshold = selectors.spread_threshold()
    duplicates = duplicate_warnings(page.object_list)
    # The labels once a page, not a get_..._display per row (each hashes every choice).
    sex_labels, state_labels = dict(Person.Sex.choices), dict(State.choices)
    rows = []
    for position, application in enumerate(page.object_list, start=page.start_index()):
        person = application.applicant
        rows.append({
            "rank": position,
            "application": application,
            "person": person,
            "sex": person.sex,
            "sex_label": sex_labels.get(person.sex, person.sex),
            "state_label": state_labels.get(application.state, application.state),
            "country": selectors.first_nationality(person),
            "summary": selectors.ranking_row_summary(call, application, threshold),
            "decidable": application.state == State.RANKED and may_decide,
            "decision": request.POST.get(f"decision-{application.pk}", "") if deciding else "",
            "error": "",
            "duplicates": duplicates.get(application.pk, []),
        })
    return rows


def _committee_form(request, action: str) -> CommitteeForm:
    if action == "record":
        return CommitteeForm(request.POST)
    if action == "preview":
        # Counting again validates nothing: the meeting's fields keep what was typed.
        return CommitteeForm(initial={name: request.POST.get(name, "")
                                      for name in CommitteeForm.base_fields})
    return CommitteeForm()


def _record(request, call, rows, form):
    """Record the committee's decisions marked on the page: the meeting's page
    once recorded, or the sentence saying why not (each refused row gets its
    reason beside it)."""
    decisions = [Decision(row["application"].pk, row["decision"],
                          request.POST.get(f"seen-{row['application'].pk}", ""))
                 for row in rows if row["decidable"] and row["decision"]]
    if not form.is_valid():
        return None, ""
    if not decisions:
        return None, MSG_NOTHING_MARKED
    try:
        meeting = services.committee_decide(actor=request.user, call=call,
                                            decisions=decisions, **form.cleaned_data)
    except DecisionsRefused as error:
        for row in rows:
            row["error"] = error.refused.get(row["application"].pk, "")
        return None, error.messages[0]
    except ValidationError as error:
        return None, " ".join(error.messages)
    messages.success(request, MSG_RECORDED % {"count": len(decisions)})
    return redirect(meeting.get_absolute_url()), ""


def _selection_context(call, rows) -> dict:
    """The awards held and free (places.py) and the split of the would-be
    selection, for the page and for ranking.js."""
    base = selectors.selection_split(call)
    marked = [row for row in rows if row["decidable"] and row["decision"] == State.SELECTED]
    places = places_used(call)
    labels = country_names()
    return {
        "places": places,
        "marked": len(marked),
        "over_by": over_by(places, len(marked)),
        "split": _split_rows(_split(base, marked)),
        "js_data": {
            "base": base, "free": places.free,
            "sex_labels": {k: str(v) for k, v in Person.Sex.choices},
            "country_labels": {code: str(labels.get(code, code)) for code in
                               {*base["country"], *(row["country"] for row in rows)} if code},
        },
    }


@require_http_methods(["GET", "POST"])
@access.staff_required
def ranking(request, call):
    """The call's ranking: assign reviewers to all, offer to every selected
    candidate, or mark and record the committee's decisions."""
    call = get_object_or_404(Call.objects.select_related("programme"), pk=call)
    may_decide = access.may_decide(request.user)
    action = _action(request, may_decide)
    if action == "assign":
        return _assign_all(request, call)
    offers_form = _offers_form(request, action)
    if offers_form.is_bound and offers_form.is_valid():
        return _offer_all(request, call, offers_form.cleaned_data)
    page = Paginator(selectors.ranking(call), RANKING_PER_PAGE).get_page(
        request.POST.get("page") or request.GET.get("page"))
    rows = _ranking_rows(request, call, page, may_decide=may_decide,
                         deciding=action in ("record", "preview"))
    form = _committee_form(request, action)
    refusal = ""
    if action == "record":
        recorded, refusal = _record(request, call, rows, form)
        if recorded:
            return recorded
    return render(request, "scholarships/staff/ranking.html", {
        "call": call,
        "page": page,
        "rows": rows,
        # The table's rows drawn in Python (ranking_rows: half the page's CPU
        # when drawn by the template language).
        "rows_html": rows_html(
            rows, staff_base=reverse("scholarships:application_list"),
            with_decisions=may_decide, decision_choices=DECISION_CHOICES,
            empty=MSG_NO_RANKED),
        "form": form if may_decide else None,
        "refusal": refusal,
        "decision_choices": DECISION_CHOICES,
        "threshold": selectors.spread_threshold(),
        **_selection_context(call, rows),
        "freed": selectors.freed_places(call, limit=FREED_SHOWN),
        "freed_count": selectors.freed_places_count(call),
        "meetings": list(call.committee_meetings.select_related("recorded_by")[:20]),
        "reviewable": selectors.reviewable(call).exists(),
        "to_offer": Application.objects.filter(call=call, state=State.SELECTED).count()
        if may_decide else 0,
        "offers_form": offers_form,
    })


@access.staff_required
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
