"""A user's roles and permissions, kept in the cache between requests.

Django reads them from the database on every request that asks (the groups
for the menu, then the user's and the groups' permissions for has_perm):
three queries on pages staff open all day. They change rarely, and every
change goes through a signal, so they are kept per user and forgotten:

- a user saved (is_superuser, is_active, ...), a user's groups or own
  permissions changed (from either side): those users' entries;
- a group's permissions, a group or a permission created or deleted, a
  group's or a permission's users cleared: every entry, by changing the
  generation that each entry was computed under.

Each change forgets at once and again after its transaction commits, so that
a request that read the old rights while the change was not yet committed
cannot keep them. AUTH_CACHE_SECONDS bounds what a write that sends no signal
(a raw SQL update) leaves in place. Whether the user is active is not taken
from here: Django reads the user row on every request.
"""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "accounts:auth-generation"


def _user_key(user_id: int) -> str:
    return f"accounts:auth:{user_id}"


def user_rights(user) -> dict:
    """{"roles": group names, "perms": "app.codename" strings} of an
    authenticated user, from the cache or the database (once per request)."""
    entry = getattr(user, "_rights", None)
    if entry is not None:
        return entry
    key = _user_key(user.pk)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    entry = found.get(key)
    if entry is None or entry["generation"] != generation:
        entry = {
            "generation": generation,
            "roles": frozenset(user.groups.values_list("name", flat=True)),
            "perms": frozenset(ModelBackend().get_all_permissions(user))
            if user.is_active else frozenset(),
        }
        cache.set(key, entry, settings.AUTH_CACHE_SECONDS)
    user._rights = entry
    return entry


class CachedModelBackend(ModelBackend):
    """ModelBackend (logins and permission checks) answering the permission
    checks from user_rights."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(user_rights(user_obj)["perms"])


def _now_and_after_commit(forget) -> None:
    forget()
    transaction.on_commit(forget)


def _forget_everyone() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def _forget_users(user_ids) -> None:
    keys = [_user_key(pk) for pk in user_ids]
    _now_and_after_commit(lambda: cache.delete_many(keys))


def _user_saved(sender, instance, **kwargs) -> None:
    _forget_users([instance.pk])


def _users_rights_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """user.groups / user.user_permissions changed, from the user's side or
    from the group's or permission's side (group.user_set.add(...))."""
    if not action.startswith("post_"):
        return
    if not reverse:
        _forget_users([instance.pk])
    elif pk_set:
        _forget_users(pk_set)
    else:  # group.user_set.clear(): who was in it is no longer known
        _now_and_after_commit(_forget_everyone)


def _rights_changed(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        _now_and_after_commit(_forget_everyone)


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="authcache-user-saved")
    post_delete.connect(_user_saved, sender=user_model, dispatch_uid="authcache-user-deleted")
    for through in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(_users_rights_changed, sender=through,
                            dispatch_uid=f"authcache-{through._meta.label}")
    m2m_changed.connect(_rights_changed, sender=Group.permissions.through,
                        dispatch_uid="authcache-group-permissions")
    for model in (Group, Permission):
        for signal in (post_save, post_delete):
            signal.connect(_rights_changed, sender=model,
                           dispatch_uid=f"authcache-{model._meta.label}-{id(signal)}")
