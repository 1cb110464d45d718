"""What the registry plugs into the apps below it, at startup
(RegistryConfig.ready).

The order of the shared apps, lowest first: common, then accounts and audit
(users, roles and the read log), then the registry, then the programmes
(pyproject.toml's import contracts enforce it). A lower app never imports a
higher one; where it must call it, it declares a hook and the higher app
provides it here:

- common.admin: who reads every history, and which versions may not be
  brought back (one pointing at a person merged since);
- accounts.hooks: the person a confirmed sign-up gets, and the form and
  service of the applicant's own details;
- audit.hooks: how the read log names a person and finds every record about
  them.
"""

from django.db.models import ForeignKey

from accounts import hooks as account_hooks
from audit import hooks as audit_hooks
from common.admin import history_policy

from . import access, selectors, services
from .models import Person, person_reference


def revert_undoes_merge(obj) -> bool:
    """Reverting `obj` would bring back a version pointing at a person merged
    since (or the merged person itself)."""
    person_ids = {getattr(obj, f.attname) for f in obj._meta.concrete_fields
                  if isinstance(f, ForeignKey) and f.related_model is Person
                  and f.name != "merged_into"}
    if isinstance(obj, Person):
        person_ids.add(obj.pk)
    person_ids.discard(None)
    return Person.objects.filter(pk__in=person_ids, merged_into__isnull=False).exists()


def _profile_form(*args, **kwargs):
    # Imported when used: the forms import crispy and the whole form layer.
    from .forms import ProfileForm

    return ProfileForm(*args, **kwargs)


def connect() -> None:
    history_policy(reads_everything=access.reads_everything,
                   revert_refused=revert_undoes_merge)
    account_hooks.provide(account_hooks.PersonHooks(
        create_for_account=services.person_create_for_account,
        profile_form=_profile_form,
        profile_save=services.person_update,
    ))
    audit_hooks.provide(audit_hooks.Subjects(
        reference=person_reference,
        find=selectors.person_for_log,
        records=selectors.person_records,
        histories=selectors.person_histories,
    ))
