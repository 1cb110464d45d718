"""The pages of a partner organisation's staff: the cases their organisation
delivers assistance for, the approved budget of each, and the form to record
what they delivered. Which cases, and how little of each, is decided by
reintegration.access.partner_cases (the organisation's cases in the states it
works on, while the returnee's consent to share with it is in force): anything
else is 404, from the moment a consent is withdrawn."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import role_required
from accounts.roles import Role
from listing.pagination import bounded_page, pk_url
from privatemedia.files import stream_private_file

from .. import selectors
from ..access import partner_delivers
from ..forms import DeliveryForm
from ..services.cases import budget_deadline
from ..workflow import PlanState, State
from .plans import delivery_posted

CASES_PER_PAGE = 25
CENTS = Decimal("0.01")
MSG_NO_DELIVERY_NOW = _("No delivery can be recorded on this case any more: its assistance "
                        "is over. Nothing was recorded; ask the caseworker if something is "
                        "missing.")

# The list says 403 to other users; a case's pages say 404 to anyone who is
# not staff of its partner organisation (partner_case_for), like every other
# address that names a case: nothing tells that the case exists.
partner_only = role_required(Role.PARTNER)


def _rows(cases) -> list[dict]:
    """What each row prints, worked out once per row."""
    url = pk_url("reintegration:partner_case")
    states = {value: str(label) for value, label in State.choices}
    rows = []
    for case in cases:
        # Sums come back without their scale on SQLite: cents, as everywhere.
        approved, delivered = (None if total is None else total.quantize(CENTS)
                               for total in (case.approved, case.delivered))
        rows.append({
            "url": url(case.pk), "reference": case.reference,
            "name": case.principal.full_name,
            "place": ", ".join(filter(None, [case.country_of_return.name,
                                             case.region_of_return])),
            "state": states[case.state],
            "approved": approved, "delivered": delivered,
            "left": approved - delivered if approved is not None else None,
            "deadline": budget_deadline(case),
        })
    return rows


@partner_only
def partner_cases(request):
    queryset = selectors.partner_table(user=request.user)
    page = bounded_page(queryset, request.GET.get("page"), per_page=CASES_PER_PAGE,
                        rows=selectors.partner_columns)
    return render(request, "reintegration/partner_cases.html", {
        "page": page, "rows": _rows(page.object_list),
    })


@require_http_methods(["GET", "POST"])
@login_required
def partner_case(request, pk):
    case = selectors.partner_case_for(user=request.user, pk=pk)
    plan = selectors.partner_plan(case)
    form = None
    if plan is not None and plan.state == PlanState.APPROVED \
            and partner_delivers(request.user, case):
        lines = list(plan.lines.all())
        form = DeliveryForm(request.POST or None, request.FILES or None, lines=lines,
                            form_id="partner-delivery")
        if delivery_posted(request, form):
            return redirect("reintegration:partner_case", pk=case.pk)
    elif request.method == "POST":  # a page left open while the assistance ended
        messages.error(request, MSG_NO_DELIVERY_NOW)
    return render(request, "reintegration/partner_case.html", {
        "case": case, "plan": plan, "form": form,
        "budget": selectors.budget_of(case, plan),
        "deliveries": selectors.partner_deliveries(case),
    })


@login_required
def partner_evidence(request, pk, delivery):
    delivery = selectors.partner_delivery_for(user=request.user, case_pk=pk, pk=delivery)
    return stream_private_file(delivery.evidence, content_type=delivery.evidence_content_type,
                               download_name=f"evidence-{delivery.pk}")
