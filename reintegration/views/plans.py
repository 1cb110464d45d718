"""The reintegration plan page and its actions: objectives and budget lines
while it is a draft, submission, a supervisor's approval (four eyes), closing,
and the assistance delivered with its evidence."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from privatemedia.files import stream_private_file

from .. import selectors
from ..forms import BudgetLineForm, DeliveryForm, PlanForm, ReasonForm
from ..services import plans as services
from ..workflow import PlanState
from .common import add_service_errors, case_reader, refuse

MSG_PLAN_STARTED = _("The plan was started. Add its objectives and budget lines.")
MSG_OBJECTIVES_SAVED = _("The objectives were saved.")
MSG_LINE_ADDED = _("The budget line was added.")
MSG_LINE_SAVED = _("The budget line was changed.")
MSG_LINE_REMOVED = _("The budget line was removed.")
MSG_SUBMITTED = _("The plan was submitted for a supervisor's approval.")
MSG_APPROVED = _("The plan was approved. Assistance can now be delivered.")
MSG_RETURNED = _("The plan was sent back to draft.")
MSG_CLOSED = _("The plan was closed.")
MSG_DELIVERY_RECORDED = _("The delivery of %(amount)s EUR was recorded.")


def _plan_context(request, case, rights, **forms):
    plan = selectors.plan_for(case)
    lines = list(plan.lines.all()) if plan else []
    context = {
        "case": case, "rights": rights, "plan": plan, "lines": lines,
        "budget": selectors.budget_of(case, plan),
        "is_supervisor": has_role(request.user, Role.SUPERVISOR),
        "today": timezone.localdate(),
    }
    if rights.special:
        try:
            context["ceiling"] = services.plan_ceiling(case)
        except ValidationError as error:
            context["ceiling_problem"] = " ".join(error.messages)
    if plan is not None and rights.work and case.is_open:
        def url(name):
            return reverse(f"reintegration:{name}", args=[case.pk])

        if plan.state == PlanState.DRAFT:
            context["objectives_form"] = forms.get("objectives_form") or PlanForm(
                initial={"objectives": plan.objectives})
            context["line_form"] = forms.get("line_form") or BudgetLineForm()
            context["objectives_form"].helper.form_action = url("plan_objectives")
            context["line_form"].helper.form_action = url("line_add")
        if plan.state == PlanState.APPROVED:
            context["delivery_form"] = forms.get("delivery_form") or DeliveryForm(
                lines=lines, form_id="delivery")
            context["delivery_form"].helper.form_action = url("delivery_add")
            context["close_form"] = forms.get("close_form") or ReasonForm(
                submit_label=_("Close the plan"), form_id="plan-close")
            context["close_form"].helper.form_action = url("plan_close")
        if plan.state == PlanState.SUBMITTED:
            context["return_form"] = forms.get("return_form") or ReasonForm(
                submit_label=_("Send back to draft"), form_id="plan-return")
            context["return_form"].helper.form_action = url("plan_return")
    return context


def _plan_page(request, case, rights, **forms):
    return render(request, "reintegration/plan.html",
                  _plan_context(request, case, rights, **forms))


def _plan_or_404(case):
    plan = selectors.plan_for(case)
    if plan is None:
        raise Http404
    return plan


@case_reader
def plan_page(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    return _plan_page(request, case, rights)


@require_POST
@case_reader
def plan_start(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    try:
        services.plan_start(actor=request.user, case=case)
    except ValidationError as error:
        return refuse(request, error, "reintegration:plan", pk=case.pk)
    messages.success(request, MSG_PLAN_STARTED)
    return redirect("reintegration:plan", pk=case.pk)


@require_POST
@case_reader
def plan_objectives(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    plan = _plan_or_404(case)
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            services.plan_update(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_OBJECTIVES_SAVED)
            return redirect("reintegration:plan", pk=case.pk)
    return _plan_page(request, case, rights, objectives_form=form)


@require_POST
@case_reader
def line_add(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    plan = _plan_or_404(case)
    form = BudgetLineForm(request.POST)
    if form.is_valid():
        try:
            services.line_add(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_LINE_ADDED)
            return redirect("reintegration:plan", pk=case.pk)
    return _plan_page(request, case, rights, line_form=form)


@case_reader
def line_edit(request, pk, line):
    line, case, rights = selectors.line_for(user=request.user, case_pk=pk, pk=line)
    if not rights.work:
        raise PermissionDenied
    form = BudgetLineForm(request.POST or None, submit_label=_("Save the line"), initial={
        "category": line.category, "description": line.description, "amount": line.amount})
    if request.method == "POST" and form.is_valid():
        try:
            services.line_change(actor=request.user, line=line, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_LINE_SAVED)
            return redirect("reintegration:plan", pk=case.pk)
    return render(request, "reintegration/case_form.html", {
        "case": case, "form": form, "title": _("Change a budget line")})


@require_POST
@case_reader
def line_remove(request, pk, line):
    line, case, _rights = selectors.line_for(user=request.user, case_pk=pk, pk=line)
    try:
        services.line_remove(actor=request.user, line=line)
    except ValidationError as error:
        return refuse(request, error, "reintegration:plan", pk=case.pk)
    messages.success(request, MSG_LINE_REMOVED)
    return redirect("reintegration:plan", pk=case.pk)


@require_POST
@case_reader
def plan_submit(request, pk):
    case, _rights = selectors.case_for(user=request.user, pk=pk)
    try:
        services.plan_submit(actor=request.user, plan=_plan_or_404(case))
    except ValidationError as error:
        return refuse(request, error, "reintegration:plan", pk=case.pk)
    messages.success(request, MSG_SUBMITTED)
    return redirect("reintegration:plan", pk=case.pk)


@require_POST
@case_reader
def plan_approve(request, pk):
    case, _rights = selectors.case_for(user=request.user, pk=pk)
    try:
        services.plan_approve(actor=request.user, plan=_plan_or_404(case))
    except ValidationError as error:
        return refuse(request, error, "reintegration:plan", pk=case.pk)
    messages.success(request, MSG_APPROVED)
    return redirect("reintegration:plan", pk=case.pk)


@require_POST
@case_reader
def plan_return(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    plan = _plan_or_404(case)
    form = ReasonForm(request.POST, submit_label=_("Send back to draft"), form_id="plan-return")
    if form.is_valid():
        try:
            services.plan_return(actor=request.user, plan=plan, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_RETURNED)
            return redirect("reintegration:plan", pk=case.pk)
    return _plan_page(request, case, rights, return_form=form)


@require_POST
@case_reader
def plan_close(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    plan = _plan_or_404(case)
    form = ReasonForm(request.POST, submit_label=_("Close the plan"), form_id="plan-close")
    if form.is_valid():
        try:
            services.plan_close(actor=request.user, plan=plan, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_CLOSED)
            return redirect("reintegration:plan", pk=case.pk)
    return _plan_page(request, case, rights, close_form=form)


def delivery_posted(request, form: DeliveryForm) -> bool:
    """Record the delivery a valid posted form describes, through the service
    (which decides who may); True when it was recorded. A refusal goes beside
    the field it names."""
    if request.method != "POST" or not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.delivery_record(
            actor=request.user, line=data["line"], kind=data["kind"],
            supplier=data["supplier"], amount=data["amount"],
            delivered_on=data["delivered_on"], description=data["description"],
            evidence=data["evidence"], evidence_content_type=form.evidence_content_type)
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, MSG_DELIVERY_RECORDED % {"amount": data["amount"]})
    return True


@case_reader
def delivery_add(request, pk):
    """The quick form of the case page and of the plan page post here; with
    an error, this page shows the form again with what was typed."""
    case, rights = selectors.case_for(user=request.user, pk=pk)
    plan = _plan_or_404(case)
    if not rights.work:
        raise PermissionDenied
    lines = list(plan.lines.all())
    form = DeliveryForm(request.POST or None, request.FILES or None, lines=lines)
    if delivery_posted(request, form):
        return redirect("reintegration:plan", pk=case.pk)
    return render(request, "reintegration/delivery_form.html", {
        "case": case, "form": form, "budget": selectors.budget_of(case, plan)})


@case_reader
def delivery_evidence(request, pk, delivery):
    delivery = selectors.delivery_for(user=request.user, case_pk=pk, pk=delivery)
    return stream_private_file(delivery.evidence, content_type=delivery.evidence_content_type,
                               download_name=f"evidence-{delivery.pk}")
