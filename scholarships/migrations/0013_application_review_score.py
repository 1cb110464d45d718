# The mean review score kept on the application, so that a call's ranking is
# read from an index (selectors.Ranking) instead of averaging every review of
# the call for each page.

from django.db import migrations, models

# The states a ranking shows (selectors.RANKING_STATES, as they are here): the
# index holds only those rows, so that the database reads a page of a call's
# ranking from it in order, whatever the size of the call. SQLite sorts NULLs
# last in a descending index and refuses "NULLS LAST" there; PostgreSQL needs
# the words (as in 0006).
RANKING_STATES = ("eligible", "in_review", "ranked", "selected", "reserve", "not_selected",
                  "offered", "accepted", "declined", "lapsed", "enrolled", "completed",
                  "discontinued")


def ranking_index(apps, schema_editor):
    nulls_last = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    states = ", ".join(f"'{state}'" for state in RANKING_STATES)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS application_ranking ON scholarships_application "
        f"(call_id, review_score DESC{nulls_last}, submitted_at, id) WHERE state IN ({states})")


def drop_ranking_index(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS application_ranking")


# The mean of the submitted reviews' totals, for every application that has one.
FILL = """
UPDATE scholarships_application SET review_score = (
    SELECT AVG(r.total) FROM scholarships_reviewassignment r
    WHERE r.application_id = scholarships_application.id AND r.status = 'submitted')
WHERE id IN (SELECT application_id FROM scholarships_reviewassignment
             WHERE status = 'submitted')
"""


def fill(apps, schema_editor):
    schema_editor.execute(FILL)


class Migration(migrations.Migration):

    dependencies = [
        ('scholarships', '0012_call_content_in_three_languages'),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='review_score',
            field=models.DecimalField(blank=True, decimal_places=6, editable=False, max_digits=9, null=True, verbose_name='review score'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(ranking_index, drop_ranking_index),
    ]
