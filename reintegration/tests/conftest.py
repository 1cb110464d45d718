import pytest

from reintegration.factories import caseworker, supervisor_of


@pytest.fixture
def worker(db):
    return caseworker("sophie", first_name="Sophie", last_name="Lambert")


@pytest.fixture
def team(worker):
    return supervisor_of(worker, username="pieter", first_name="Pieter", last_name="Janssens")


@pytest.fixture
def boss(team):
    return team.supervisor


@pytest.fixture
def emptied_database(transactional_db):
    """A transactional test (threads, live server) starts on a database that an
    earlier one may have emptied, role groups and default data included: put
    back the role groups (the data migrations named *roles*, as
    tests/conftest.py does for live-server tests) and the reintegration
    defaults (ceilings, survey version 1)."""
    import importlib

    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    from reintegration import defaults

    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app_label, name), _migration in sorted(loader.disk_migrations.items()):
        if "role" not in name or not apps.is_installed(app_label):
            continue
        module = importlib.import_module(f"{app_label}.migrations.{name}")
        for operation in module.Migration.operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)
    defaults.load_all()
