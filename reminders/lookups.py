"""`field__any=[...]`: `field = ANY(%s)` with the whole list as one array
parameter on PostgreSQL, where `__in` sends one parameter per value and a
statement may carry at most 65,535 of them (server-side binding). The sweeps
look up as many ids as there are reminders due, which grows with the data.
Other databases get `IN (...)`, as `__in` would."""

from django.db.models import Field, Lookup


@Field.register_lookup
class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []  # nothing matches an empty list, as with __in
        if connection.vendor == "postgresql":
            db_type = self.lhs.output_field.cast_db_type(connection)
            return f"{lhs} = ANY(%s::{db_type}[])", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
