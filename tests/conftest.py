"""Harness for the end-to-end tests: Debian's Chromium driven by Playwright
(design/STACK.md, "Browser tests"), against pytest-django's live_server."""

import os
from pathlib import Path

import pytest

# live_server runs Django in a thread while sync Playwright keeps an event loop
# in the main thread; without this every ORM call in a browser test raises
# SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Playwright's own browser download cannot work here; use the Debian package.
# The real binary first: the /usr/bin/chromium wrapper script prints a warning.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM = next((path for path in CHROMIUM_CANDIDATES if Path(path).is_file()), None)
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    # Skipped, not failed, on a laptop without Chromium; the root conftest
    # turns this skip into a failure under CI=true, and .ci/run installs it.
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {' or '.join(CHROMIUM_CANDIDATES)}: "
               "install it with `apt-get install -y chromium` to run the browser tests"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A fixed Accept-Language, so the pages start in English whatever the machine's locale.
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture
def language() -> str:
    """The language a browser test walks the site in: English unless the test
    is parametrized over tests/languages.py's LANGUAGES (issue 12)."""
    return "en"


@pytest.fixture
def texts(language):
    """The msgids as the pages show them in `language` (tests/languages.py)."""
    from tests.languages import Texts

    return Texts(language)


@pytest.fixture
def csp_violations(request) -> list[str]:
    """The Content-Security-Policy violations the pages of this browser test
    (the first page or any other of its browser context) report on the console:
    an inline script or style, a handler in an attribute, a file from another site."""
    violations: list[str] = []

    def watch(page):
        def on_console(message):
            if message.type == "error" and "Content Security Policy" in message.text:
                violations.append(f"{page.url}: {message.text}")

        page.on("console", on_console)

    context = request.getfixturevalue("context")
    for page in context.pages:
        watch(page)
    context.on("page", watch)
    return violations


@pytest.fixture
def accessibility_violations() -> dict[tuple[str, str], list[dict]]:
    """axe-core's WCAG 2.1 A/AA violations on the pages of this browser test,
    by (page address, rule): filled after each page loads (tests/axe.py)."""
    return {}


@pytest.fixture
def context(context, accessibility_violations):
    """pytest-playwright's browser context, with axe-core run on every page it
    loads: a new browser test is checked without asking for it."""
    from tests.axe import install_auto_check

    def report(url: str, found: list[dict]) -> None:
        for violation in found:
            accessibility_violations[(url, violation["id"])] = [violation]

    install_auto_check(context, report)
    return context


@pytest.fixture(autouse=True)
def _no_accessibility_violation(request):
    """Every browser test fails when a page it visited, or the page it ends
    on, breaks a WCAG 2.1 A/AA rule that axe-core checks."""
    if not request.node.get_closest_marker("browser") or "page" not in request.fixturenames:
        yield
        return
    from tests.axe import describe, violations

    found = request.getfixturevalue("accessibility_violations")
    context = request.getfixturevalue("context")
    yield
    marker = request.node.get_closest_marker("browser_context_args")
    if marker and marker.kwargs.get("java_script_enabled") is False:
        # axe needs JavaScript to run; the pages themselves are checked by the
        # tests that visit them with JavaScript.
        return
    for page in context.pages:
        if page.is_closed() or not page.url.startswith("http"):
            continue
        try:
            for violation in violations(page):
                found[(page.url, violation["id"])] = [violation]
        except Exception:  # a page that is not HTML (a PDF) has nothing to check
            continue
    if os.environ.get("AXE_LOG"):  # a record of what was found, for counting by rule
        import json

        with open(os.environ["AXE_LOG"], "a", encoding="utf-8") as log:
            for (url, rule), items in sorted(found.items()):
                log.write(json.dumps({"test": request.node.nodeid, "url": url, "rule": rule,
                                      "nodes": len(items[0]["nodes"])}) + "\n")
    if found:
        pytest.fail("Accessibility (axe-core, WCAG 2.1 A/AA) violation(s):\n" + "\n".join(
            describe(url, items) for (url, _rule), items in sorted(found.items())),
            pytrace=False)


@pytest.fixture(autouse=True)
def _no_content_security_policy_violation(request):
    """Every browser test fails when a page reports a violation of the policy
    of config/settings/base.py: the pages must work under it, not only show."""
    if not request.node.get_closest_marker("browser") or "page" not in request.fixturenames:
        yield
        return
    violations = request.getfixturevalue("csp_violations")
    yield
    if violations:
        pytest.fail("Content-Security-Policy violation(s):\n" + "\n".join(violations))


def restore_role_groups() -> None:
    """Run the data migrations that grant the roles (those named *roles*):
    the flush after a transactional test keeps permissions, not groups."""
    import importlib

    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app_label, name), _migration in sorted(loader.disk_migrations.items()):
        if "role" not in name or not apps.is_installed(app_label):
            continue
        module = importlib.import_module(f"{app_label}.migrations.{name}")
        for operation in module.Migration.operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)


@pytest.fixture(autouse=True)
def _role_groups(request):
    """A live-server test starts on a database that an earlier transactional
    test may have emptied (the flush keeps permissions, not groups). Put the
    role groups back by running the data migrations that grant them."""
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    restore_role_groups()


@pytest.fixture
def role_groups(transactional_db):
    """The role groups, for a transactional test that needs them (a worker
    test whose data holds scholarship administrators or caseworkers)."""
    restore_role_groups()
