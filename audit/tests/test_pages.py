"""Every page that takes an object id is either logged (audit.pages.PAGES) or
exempt for a stated reason: a new page cannot forget the read log."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

from audit.pages import ADMIN_CONFIGURATION, ADMIN_RECORD_PAGES, EXEMPT, PAGES

# URL keywords that name a record (or are a key to one).
ID_KWARGS = {"pk", "slug", "object_id", "token", "uidb64", "person", "doc", "offer",
             "referee", "member", "vulnerability", "note", "line", "delivery", "visit",
             "call", "version_id", "content_type_id", "scope", "step", "to"}

# The admin's unnamed "<app>/<model>/<object_id>/" patterns redirect to the
# named change page, which is logged.
ADMIN_REDIRECT = re.compile(r"^admin/\w+/\w+/<path:object_id>/$")
# The admin's catch-all: a redirect to the login or a 404, never a record.
ADMIN_CATCH_ALL = "admin/(?P<url>.*)$"


def _patterns(patterns, namespace=None, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            if namespace and inner:
                inner = f"{namespace}:{inner}"
            yield from _patterns(pattern.url_patterns, inner or namespace,
                                 prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            regex = pattern.pattern.regex
            kwargs = set(regex.groupindex)
            if regex.groups > len(kwargs):  # unnamed groups: positions 0, 1...
                kwargs |= set(range(regex.groups - len(kwargs)))
            yield name, prefix + str(pattern.pattern), kwargs


def _admin_configuration(name: str) -> bool:
    for label in ADMIN_CONFIGURATION:
        app, model = label.split(".")
        if any(name == f"admin:{app}_{model}_{suffix}" for suffix in ADMIN_RECORD_PAGES):
            return True
    return False


def test_every_page_with_an_id_is_logged_or_exempt():
    forgotten = []
    for name, route, kwargs in _patterns(get_resolver().url_patterns):
        if not kwargs:
            continue
        if name is None and (ADMIN_REDIRECT.match(route) or route == ADMIN_CATCH_ALL):
            continue
        if name in PAGES or name in EXEMPT or (name and _admin_configuration(name)):
            continue
        if kwargs & ID_KWARGS or any(isinstance(key, int) for key in kwargs) or name is None:
            forgotten.append(f"{name or '(no name)'} {route}")
    assert not forgotten, "Add these pages to audit.pages.PAGES or EXEMPT:\n" + "\n".join(
        forgotten)


def test_every_page_the_table_names_exists():
    # A renamed page would silently stop being logged.
    names = {name for name, _route, _kwargs in _patterns(get_resolver().url_patterns)}
    admin_derived = {name for name in PAGES if name.startswith("admin:")}
    stale = sorted(set(PAGES) - names - admin_derived)
    assert not stale


def test_pages_that_take_a_record_id_name_it_in_the_url():
    for name, _route, kwargs in _patterns(get_resolver().url_patterns):
        page = PAGES.get(name)
        if page and page.kwarg != "":
            assert page.kwarg in kwargs, name
        if page and page.person_kwarg != "":
            assert page.person_kwarg in kwargs, name


def test_the_admin_pages_of_personal_data_are_logged():
    # Each model in the admin is either listed as personal data or as configuration.
    from django.contrib import admin

    for model in admin.site._registry:
        label = model._meta.label_lower
        if label in ADMIN_CONFIGURATION:
            continue
        assert f"admin:{model._meta.app_label}_{model._meta.model_name}_change" in PAGES, label
