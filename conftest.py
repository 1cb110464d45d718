"""Suite-wide rules. In CI (CI=true) the suite must run on PostgreSQL and
Redis, and a skipped test is a failure: a test that needs a real service must
run there, never quietly skip."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_skipped: list[str] = []


def pytest_configure(config):
    if IN_CI:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            raise pytest.UsageError("CI runs on PostgreSQL: set DATABASE_URL=postgres://...")
        if not os.environ.get("REDIS_URL"):
            raise pytest.UsageError("CI runs on Redis: set REDIS_URL=redis://...")
    if getattr(config.option, "dist", "no") in ("loadfile", "loadscope"):
        # pytest-xdist would run a file's transactional tests, which empty the
        # role groups, before the other files' tests on the same worker: their
        # role checks would fail at random. --dist load (make test's) keeps the
        # order of pytest_collection_modifyitems below on every worker.
        raise pytest.UsageError("Run the suite with --dist load (or loadgroup, for groups "
                                "of transactional tests only), not loadfile/loadscope.")


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if IN_CI and _skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if IN_CI and _skipped:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped)} test(s) skipped in CI, where every test must run:",
            red=True,
        )
        for nodeid in _skipped:
            terminalreporter.write_line(f"  {nodeid}", red=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the transactional tests (live server, real worker, threads) last, as
    Django does: each ends by emptying the database, role groups included, so a
    test after it would find no groups. pytest-django sorts them last, but
    pytest-playwright re-sorts after it; this runs after both."""

    def transactional(item) -> int:
        marker = item.get_closest_marker("django_db")
        if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
            return 1
        return int(bool({"transactional_db", "live_server"} & set(item.fixturenames)))

    items.sort(key=transactional)


@pytest.fixture
def private_storage(settings, tmp_path):
    """Uploads go to a folder of the test's own, removed afterwards; the
    folder, to read what was stored. Modules that upload ask for it in their
    pytestmark."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": tmp_path / "private", "base_url": None}},
    }
    return tmp_path / "private"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the test settings' memory cache):
    what one test cached (the dashboard's counts, sessions) never reaches the
    next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts, and leaves the next, in the default language: a
    request through the test client (LocaleMiddleware) or a bare
    translation.activate() keeps its language active in this thread after the
    test. Run serially, the next test often happened to switch back; under
    pytest-xdist (make test) the next test on the same worker is another one,
    and read its lazy strings in Dutch ("Totaal", "0,61")."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
