import pytest
from django.contrib.auth import get_user_model

from reporting import datasets
from reporting.exports import Column, Dataset

KIND = "tests.accounts"


def _build(*, user, params):
    users = get_user_model().objects.order_by("pk")
    if params.get("starts"):
        users = users.filter(username__startswith=params["starts"])
    return Dataset(
        title="Accounts", model="auth.user",
        columns=[Column("id", "Reference", lambda u: f"U-{u.pk:06d}"),
                 Column("username", "Name", lambda u: u.username, identifying=True),
                 Column("joined", "Joined", lambda u: u.date_joined.date().isoformat())],
        rows=lambda: users.iterator(chunk_size=2000), count=users.count)


@pytest.fixture
def accounts_dataset():
    """A data set of user accounts that only staff may export (a stand-in for
    the programmes' data sets, which their own tests cover)."""
    kind = datasets.register(datasets.Kind(
        name=KIND, label="Accounts", model="auth.user",
        may_export=lambda user: user.is_authenticated and user.is_staff, build=_build))
    yield kind
    datasets._KINDS.pop(KIND, None)
