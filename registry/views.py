"""The registry's staff pages. Each view checks who asks, lets a form validate,
and hands the writing to registry.services."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.decorators import role_required
from accounts.roles import Role
from common.navigation import safe_next
from listing.pagination import bounded_page
from privatemedia.files import stream_private_file

from . import access, selectors, services
from .filters import PersonFilter
from .forms import (
    MSG_CHOOSE_FILE_AGAIN,
    ConsentForm,
    HouseholdForm,
    HouseholdMemberForm,
    IdentityDocumentForm,
    PersonForm,
)
from .models import IdentityDocument, Person

PERSONS_PER_PAGE = 25

MSG_PERSON_CREATED = _("%(reference)s was added to the registry.")
MSG_PERSON_SAVED = _("The changes to %(reference)s were saved.")
MSG_POSSIBLE_DUPLICATE = _(
    "This person may already be in the registry as %(others)s. Check the possible "
    "duplicates on this page before going on."
)
MSG_POSSIBLE_DUPLICATE_HIDDEN = _(
    "This person may already be in the registry under a record you cannot see. The data "
    "protection officer reviews possible duplicates; tell your supervisor if in doubt."
)
MSG_DOCUMENT_SAVED = _("The identity document was saved.")
MSG_CONSENT_RECORDED = _("The consent was recorded.")
MSG_CONSENT_WITHDRAWN = _("The withdrawal of the consent was recorded.")
MSG_HOUSEHOLD_CREATED = _("Household %(reference)s was created. Add its members below.")
MSG_MEMBER_ADDED = _("%(name)s was added to the household.")


def staff_permission(perm: str, *, writes: bool = False):
    """Anonymous users go to the login page; logged-in users without `perm`
    get 403. A view that `writes` also refuses the data protection officer,
    who reads everything and changes nothing (registry.access)."""

    def decorator(view):
        @wraps(view)
        @login_required
        @permission_required(perm, raise_exception=True)
        def wrapped(request, *args, **kwargs):
            if writes and not access.may_change(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: beside the field it
    names when the form has that field, above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _active_person(user, pk) -> Person:
    """A person the views may write to: visible and not merged away."""
    return get_object_or_404(selectors.person_list(user=user), pk=pk)


def _open_duplicate_ids(person: Person) -> set[int]:
    return {c.pk for c in selectors.person_open_duplicates(person=person)}


def _warn_new_duplicates(request, person: Person, known: set[int]) -> None:
    """After a save, say so when the service flagged the person as a likely
    duplicate of someone already in the registry. Only persons the user may
    see are named; the others are counted without a name."""
    new = [candidate for candidate in selectors.person_open_duplicates(person=person)
           if candidate.pk not in known]
    visible = {c.pk for c in selectors.person_open_duplicates(person=person,
                                                              user=request.user)}
    others = [candidate.other for candidate in new if candidate.pk in visible]
    hidden = len(new) - len(others)
    if hidden:
        messages.warning(request, MSG_POSSIBLE_DUPLICATE_HIDDEN)
    if others:
        messages.warning(request, MSG_POSSIBLE_DUPLICATE % {
            "others": ", ".join(f"{other.reference} ({other.full_name})" for other in others),
        })


# --- persons ---------------------------------------------------------------------------

@staff_permission("registry.view_person")
def person_index(request):
    filterset = PersonFilter(request.GET or None,
                             queryset=selectors.person_list(user=request.user))
    page = bounded_page(filterset.qs, request.GET.get("page"), per_page=PERSONS_PER_PAGE,
                        rows=selectors.person_rows)
    return render(request, "registry/person_list.html", {
        "filter": filterset, "page": page, "rows": selectors.person_row_cells(page.object_list),
        "can_change": access.may_change(request.user),
    })


@staff_permission("registry.view_person")
def person_detail(request, pk):
    person = selectors.person_detail(user=request.user, pk=pk)
    if person is None:
        raise Http404
    user = request.user
    is_dpo = access.reads_everything(user) and not user.is_superuser
    return render(request, "registry/person_detail.html", {
        "person": person,
        "documents": person.documents.all(),
        "households_headed": person.households_headed.all(),
        "memberships": person.memberships.all(),
        "consents": person.consents.all(),
        "duplicates": selectors.person_open_duplicates(person=person, user=user),
        "changes": selectors.person_recent_changes(person=person),
        "today": timezone.localdate(),
        # The duplicate queue is worked in the admin site.
        "can_review_duplicates": user.is_staff and user.has_perm(
            "registry.view_duplicatecandidate"),
        "can_change": access.may_change(user) and not person.is_merged,
        "sees_households": access.sees_households(user),
        "audit_url": _audit_url(person) if is_dpo else "",
    })


def _audit_url(person: Person) -> str:
    """The read log of this person (audit:person), once that page exists."""
    try:
        return reverse("audit:person", args=[person.pk])
    except NoReverseMatch:
        return ""


@staff_permission("registry.add_person", writes=True)
def person_create(request):
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, person=form.instance)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, MSG_PERSON_CREATED % {"reference": person.reference})
            _warn_new_duplicates(request, person, known=set())
            return redirect(person)
    return render(request, "registry/person_form.html", {"form": form, "person": None})


@staff_permission("registry.change_person", writes=True)
def person_edit(request, pk):
    person = _active_person(request.user, pk)
    # The form changes the instance as it validates; the page title keeps
    # the name as it was saved.
    saved_name = person.full_name
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        known = _open_duplicate_ids(person)
        try:
            person = services.person_update(actor=request.user, person=form.instance)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, MSG_PERSON_SAVED % {"reference": person.reference})
            _warn_new_duplicates(request, person, known=known)
            return redirect(person)
    return render(request, "registry/person_form.html", {
        "form": form, "person": person, "saved_name": saved_name,
    })


# --- identity documents ---------------------------------------------------------------------

def _document_form_page(request, person: Person, document: IdentityDocument):
    form = IdentityDocumentForm(request.POST or None, request.FILES or None, instance=document,
                                sides=access.sides_of(request.user))
    if request.method == "POST" and form.is_valid():
        known = _open_duplicate_ids(person)
        try:
            services.document_save(actor=request.user, document=form.instance,
                                   scan_content_type=form.scan_content_type)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, MSG_DOCUMENT_SAVED)
            _warn_new_duplicates(request, person, known=known)
            # Back to the page that sent the user here (the departure form).
            return redirect(safe_next(request) or person)
    return render(request, "registry/document_form.html", {
        "form": form, "person": person, "document": document,
        "choose_again_message": MSG_CHOOSE_FILE_AGAIN, "next": safe_next(request),
    })


@staff_permission("registry.add_identitydocument", writes=True)
def document_create(request, pk):
    person = _active_person(request.user, pk)
    return _document_form_page(request, person, IdentityDocument(person=person))


@staff_permission("registry.change_identitydocument", writes=True)
def document_edit(request, pk):
    document = get_object_or_404(
        selectors.document_list(user=request.user).filter(person__merged_into__isnull=True),
        pk=pk,
    )
    return _document_form_page(request, document.person, document)


@login_required
def document_scan(request, pk):
    """Staff who see the document (registry.access: their side, a person in
    their scope). Anyone else, the person themselves included, gets the same
    404 as for a document that does not exist."""
    document = get_object_or_404(selectors.document_list(user=request.user), pk=pk)
    return stream_private_file(
        document.scan, content_type=document.scan_content_type,
        download_name=f"{document.person.reference}-{document.kind}",
    )


# --- consent ------------------------------------------------------------------------------------

@staff_permission("registry.add_consent", writes=True)
def consent_create(request, pk):
    person = _active_person(request.user, pk)
    form = ConsentForm(request.POST or None, purposes=access.purposes_of(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_give(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, MSG_CONSENT_RECORDED)
            return redirect(person)
    return render(request, "registry/consent_form.html", {"form": form, "person": person})


@staff_permission("registry.change_consent", writes=True)
def consent_withdraw(request, pk):
    """GET asks for confirmation; POST records the withdrawal. A consent of
    another programme's purpose is not found."""
    consent = get_object_or_404(
        access.consents_visible(request.user).select_related("person", "partner").filter(
            person__merged_into__isnull=True),
        pk=pk,
    )
    if request.method == "POST":
        try:
            services.consent_withdraw(actor=request.user, consent=consent)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, MSG_CONSENT_WITHDRAWN)
        return redirect(consent.person)
    return render(request, "registry/consent_withdraw.html", {"consent": consent})


# --- households ------------------------------------------------------------------------------

@staff_permission("registry.add_household", writes=True)
def household_create(request, pk):
    if not access.sees_households(request.user):
        raise Http404
    person = _active_person(request.user, pk)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household = services.household_create(
            actor=request.user, principal=person, notes=form.cleaned_data["notes"])
        messages.success(request, MSG_HOUSEHOLD_CREATED % {"reference": household.reference})
        return redirect("registry:household_member_add", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "person": person})


@staff_permission("registry.add_householdmember", writes=True)
def household_member_add(request, pk):
    household = selectors.household_for_member_add(user=request.user, pk=pk)
    if household is None:
        raise Http404
    form = HouseholdMemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        member = form.cleaned_data["person"]
        try:
            services.household_member_add(
                actor=request.user, household=household, person=member,
                relation=form.cleaned_data["relation"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, MSG_MEMBER_ADDED % {"name": member.full_name})
            return redirect("registry:household_member_add", pk=household.pk)
    return render(request, "registry/household_member_form.html", {
        "form": form, "household": household, "person": household.principal,
        "members": household.members.all(),
    })


# --- change log ------------------------------------------------------------------------------

@role_required(Role.DPO)
def changes(request):
    page = bounded_page(
        Person.history.order_by("-history_date", "-history_id"), request.GET.get("page"),
        per_page=50, rows=lambda qs: qs.select_related("history_user"),
    )
    return render(request, "registry/changes.html", {"page": page})
