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
