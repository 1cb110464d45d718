"""The admin's bulk actions on the registry that run in the background over
more than BULK_ACTION_DIRECT_MAX records (reporting.admin_bulk): the same
services as in the request, registered with reporting when it starts
(reporting.apps finds this module by name)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reporting import bulk

from . import access, services
from .models import Consent, Person

FLAG_DUPLICATES = "registry.flag_duplicates"
CONSENT_WITHDRAW = "registry.consent_withdraw"


def _may_change(model_name):
    # The admin's "change" permission (registry.admin.ScopedAdminMixin).
    def may_run(user):
        return access.may_change(user) and user.has_perm(f"registry.change_{model_name}")
    return may_run


def _persons(*, user, ids):
    return access.person_scope(user, Person.objects.filter(pk__in=ids, merged_into__isnull=True))


def _flag_duplicates(*, actor, items, reason=""):
    return bulk.Outcome(done=len(items), found=services.duplicates_flag(persons=list(items)))


def _consents(*, user, ids):
    return access.consents_visible(user, Consent.objects.filter(pk__in=ids)).select_related(
        "person")


def _withdraw(*, actor, items, reason=""):
    for consent in items:
        services.consent_withdraw(actor=actor, consent=consent)
    return bulk.Outcome(done=len(items))


def _found(count):
    return ngettext("%(count)d new possible duplicate to review.",
                    "%(count)d new possible duplicates to review.", count) % {"count": count}


bulk.register(bulk.Action(
    name=FLAG_DUPLICATES, label=_("Look for duplicates of the selected persons"),
    model="registry.person", may_run=_may_change("person"), load=_persons,
    run=_flag_duplicates, changelist="admin:registry_person_changelist",
    ref=lambda person: person.reference, found_label=_found))
bulk.register(bulk.Action(
    name=CONSENT_WITHDRAW, label=_("Withdraw the selected consents"),
    model="registry.consent", may_run=_may_change("consent"), load=_consents,
    run=_withdraw, changelist="admin:registry_consent_changelist",
    ref=lambda consent: f"{consent.person.reference} · {consent.get_purpose_display()}"))
