"""Award offers: the administrator's offer form, the applicant's answer in
the portal, and the award letter, which only the applicant and the staff
may download (404 for anyone else)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .. import access, places, selectors, services
from ..duplicates import duplicate_warnings
from ..forms.decisions import AcceptForm, DeclineForm, OfferForm
from ..models import AwardOffer
from ..pdf import award_letter_pdf
from ..services import DuplicateAwardRefused
from ..services.awards import deadline_end_of_day, offer_default_deadline
from ..workflow import State

MSG_OFFERED = _("The offer was made; the applicant receives it by e-mail with the letter.")
MSG_ACCEPTED = _("You accepted the scholarship. Congratulations! The scholarship office will "
                 "contact you about your arrival.")
MSG_DECLINED = _("You declined the offer. Thank you for telling us.")
MSG_NOT_OFFERABLE = _("An offer is made to a selected or reserve candidate only.")


def _initial(application) -> dict:
    """The package of the call's latest offer (offers of a call are alike),
    the period from the study plan, and the usual answer deadline."""
    latest = (AwardOffer.objects.filter(application__call_id=application.call_id)
              .order_by("-created_at", "-id").first())
    initial = {"seen": application.state,
               "deadline": timezone.localtime(offer_default_deadline()).date()}
    if latest:
        initial.update({name: getattr(latest, name) for name in (
            "monthly_allowance", "tuition", "travel", "insurance")})
    start, months = application.planned_start, application.duration_months
    if start:
        initial["starts_on"] = start
        if months:
            month = start.month - 1 + months
            initial["ends_on"] = (datetime.date(start.year + month // 12, month % 12 + 1, 1)
                                  - datetime.timedelta(days=1))
    return initial


@require_http_methods(["GET", "POST"])
@access.administrator_required
def offer_make(request, pk):
    application = selectors.application_for_staff(user=request.user, pk=pk)
    if application.state not in (State.SELECTED, State.RESERVE):
        messages.error(request, MSG_NOT_OFFERABLE)
        return redirect("scholarships:application_view", pk=pk)
    form = OfferForm(request.POST or None, initial=_initial(application))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.award_offer_make(
                actor=request.user, application=application,
                monthly_allowance=data["monthly_allowance"], tuition=data["tuition"],
                travel=data["travel"], insurance=data["insurance"],
                starts_on=data["starts_on"], ends_on=data["ends_on"],
                deadline=deadline_end_of_day(data["deadline"]),
                expected_state=data["seen"], override_reason=data["override_reason"],
                duplicate_reason=data["duplicate_reason"])
        except DuplicateAwardRefused as error:
            form.add_error("duplicate_reason", error)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, MSG_OFFERED)
            return redirect("scholarships:application_view", pk=pk)
    return render(request, "scholarships/staff/offer_form.html", {
        "application": application, "form": form,
        "places": places.places_used(application.call),
        "is_reserve": application.state == State.RESERVE,
        "duplicates": duplicate_warnings([application]).get(application.pk, []),
    })


def _letter(offer) -> HttpResponse:
    with translation.override(offer.application.applicant.preferred_language):
        pdf = award_letter_pdf(offer)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = offer.application.reference or f"application-{offer.application_id}"
    response["Content-Disposition"] = f'attachment; filename="{name}-award-letter.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access.staff_required
def staff_letter_download(request, pk, offer):
    return _letter(selectors.offer_for_staff(user=request.user, pk=pk, offer_pk=offer))


@login_required
def applicant_letter_download(request, pk, offer):
    return _letter(selectors.offer_for_applicant(request.user, pk, offer))


@require_http_methods(["GET", "POST"])
@login_required
def offer_accept(request, pk, offer):
    """Accepting shows the package, the period and the conditions, and asks
    the applicant to confirm them (a box to tick) before the service accepts."""
    offer = selectors.offer_for_applicant(request.user, pk, offer)
    form = AcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.award_offer_accept(actor=request.user, offer=offer)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, MSG_ACCEPTED)
        return redirect(offer.application.get_absolute_url())
    return render(request, "scholarships/portal/offer_accept.html", {
        "offer": offer, "application": offer.application, "form": form,
        "answerable": offer.status == AwardOffer.Status.OPEN and offer.deadline > timezone.now(),
    })


@require_http_methods(["GET", "POST"])
@login_required
def offer_decline(request, pk, offer):
    """Declining asks for a confirmation: the place goes to someone else."""
    offer = selectors.offer_for_applicant(request.user, pk, offer)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.award_offer_decline(actor=request.user, offer=offer,
                                         reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, MSG_DECLINED)
        return redirect(offer.application.get_absolute_url())
    return render(request, "scholarships/portal/offer_decline.html", {
        "offer": offer, "application": offer.application, "form": form,
        "answerable": offer.status == AwardOffer.Status.OPEN,
    })
