# Every person gets its PersonRecords row (all False where no programme holds a
# record about it), so that the persons without a record are read from a small
# partial index; the registry's scope then combines small sets of ids instead
# of walking every person (registry.access.person_condition).

from django.db import migrations, models

OPEN_ROWS = """
INSERT INTO registry_personrecords (person_id, scholarship, reintegration)
SELECT p.id, FALSE, FALSE FROM registry_person p
WHERE NOT EXISTS (SELECT 1 FROM registry_personrecords r WHERE r.person_id = p.id)
"""

# PostgreSQL estimates "neither programme" by multiplying the share of each
# column, as if independent (a quarter of the persons, when few or none are):
# it then walks every person instead of the partial index. Statistics on the
# two columns together give it the real count.
STATISTICS = ("CREATE STATISTICS IF NOT EXISTS personrecords_sides (mcv) "
              "ON scholarship, reintegration FROM registry_personrecords")


def open_rows(apps, schema_editor):
    schema_editor.execute(OPEN_ROWS)


def statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATISTICS)
        schema_editor.execute("ANALYZE registry_personrecords")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS personrecords_sides")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0005_person_records'),
    ]

    operations = [
        migrations.RunPython(open_rows, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='personrecords',
            index=models.Index(condition=models.Q(('reintegration', False), ('scholarship', False)), fields=['person'], name='personrecords_none'),
        ),
        migrations.RunPython(statistics, drop_statistics),
    ]
