from django.db import IntegrityError, transaction
from django.db.models import F

from .models import Counter


def reference_next(*, prefix: str, year: int, width: int = 5) -> str:
    """Take the next number for prefix and year, e.g. SCH-2026-00042. Call it
    inside the transaction that stores the number: a rollback gives it back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reference_next must run inside a transaction")
    try:
        with transaction.atomic():
            Counter.objects.get_or_create(prefix=prefix, year=year)
    except IntegrityError:
        pass  # another transaction created the row first
    Counter.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
    last = Counter.objects.filter(prefix=prefix, year=year).values_list("last", flat=True).get()
    return f"{prefix}-{year}-{last:0{width}d}"
