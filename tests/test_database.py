"""The database connection as configured: on PostgreSQL, parameters are bound
server-side and a statement the connection repeats is prepared once (the list
pages' queries cost more to plan than to run; config/settings/base.py)."""

import pytest
from django.db import connection

from registry.models import Person

pytestmark = pytest.mark.django_db


def test_postgresql_prepares_a_statement_the_connection_repeats():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    assert connection.features.uses_server_side_binding

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements "
                           "WHERE statement LIKE %s", ['%"registry_person"%'])
            return cursor.fetchone()[0]

    before = prepared()
    for pk in range(1, 8):  # psycopg prepares at the 5th run of the same text
        Person.objects.filter(pk=pk).exists()
    assert prepared() == before + 1


def test_a_list_of_70_000_ids_is_one_parameter():
    """field__any (reminders/lookups.py): where __in would pass one parameter
    per id, past PostgreSQL's 65,535."""
    ids = list(range(1, 70_001))
    assert not Person.objects.filter(pk__any=ids).exists()
