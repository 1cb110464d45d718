"""What every workspace view shares: who gets in, and how a service's refusal
reaches the user."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from accounts.decorators import role_required
from accounts.roles import Role

# Who opens the workspace at all; which cases each sees is decided by
# reintegration.access through the selectors (others get 404).
CASE_READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.DPO)
case_reader = role_required(*CASE_READERS)
case_worker = role_required(Role.CASEWORKER, Role.SUPERVISOR)


def add_service_errors(form, error: ValidationError) -> None:
    """A service's refusal beside the field it names when the form has it,
    above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def refuse(request, error: ValidationError, to, *args, **kwargs):
    """An action without a form of its own (a button): the refusal as a
    message on the page it came from."""
    for message in error.messages:
        messages.error(request, message)
    return redirect(to, *args, **kwargs)
