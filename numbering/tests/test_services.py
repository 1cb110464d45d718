import threading

import pytest
from django.db import connection, transaction

from numbering.models import Counter
from numbering.services import reference_next


@pytest.mark.django_db
def test_references_count_up_per_prefix_and_year():
    with transaction.atomic():
        assert reference_next(prefix="SCH", year=2026) == "SCH-2026-00001"
        assert reference_next(prefix="SCH", year=2026) == "SCH-2026-00002"
        assert reference_next(prefix="SCH", year=2027) == "SCH-2027-00001"
        assert reference_next(prefix="RET", year=2026) == "RET-2026-00001"


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        reference_next(prefix="SCH", year=2026)
        raise RuntimeError("the submission failed")
    with transaction.atomic():
        assert reference_next(prefix="SCH", year=2026) == "SCH-2026-00001"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        reference_next(prefix="SCH", year=2026)


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("row locking between connections is what is tested: PostgreSQL only")
    issued, errors = [], []

    def take():
        try:
            for _ in range(10):
                with transaction.atomic():
                    issued.append(reference_next(prefix="SCH", year=2030))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(issued) == 40 == len(set(issued))
    assert Counter.objects.get(prefix="SCH", year=2030).last == 40
