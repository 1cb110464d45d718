"""Aggregates Django lacks, computed by the database."""

from django.db.models import Aggregate, Avg


class Median(Aggregate):
    """The median (PostgreSQL's percentile_cont, an ordered-set aggregate), of
    numbers or of durations (the result has the type of what is aggregated).
    SQLite has no percentile: a laptop on SQLite shows the mean there instead;
    production and CI run PostgreSQL."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return Avg(*self.get_source_expressions(), output_field=self.output_field).as_sql(
            compiler, connection)
