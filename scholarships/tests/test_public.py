import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.factories import UserFactory
from scholarships.factories import CallFactory, ProgrammeFactory
from scholarships.models import DocumentKind

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def closed_call(**kwargs):
    now = timezone.now()
    return CallFactory(opens_at=now - 40 * DAY, closes_at=now - DAY, **kwargs)


def future_call(**kwargs):
    now = timezone.now()
    return CallFactory(opens_at=now + 10 * DAY, closes_at=now + 40 * DAY, **kwargs)


def apply_url(call):
    return reverse("scholarships:application_start", args=[call.slug])


# --- the list of open calls -------------------------------------------------------------

def test_the_call_list_shows_only_open_calls(client):
    open_call = CallFactory(title="Master's in agronomy")
    closed_call(title="Old call")
    future_call(title="Future call")
    response = client.get(reverse("scholarships:call_list"))
    assert response.status_code == 200
    assert list(response.context["calls"]) == [open_call]
    html = response.content.decode()
    assert "Master&#x27;s in agronomy" in html or "Master's in agronomy" in html
    assert "Old call" not in html and "Future call" not in html
    assert open_call.get_absolute_url() in html
    assert open_call.academic_year_label in html


def test_the_call_list_says_so_when_no_call_is_open(client):
    closed_call()
    response = client.get(reverse("scholarships:call_list"))
    assert response.status_code == 200
    assert "No call is open at the moment" in response.content.decode()


def test_the_call_list_runs_the_same_number_of_queries_for_3_and_30_calls(client):
    programme = ProgrammeFactory()
    CallFactory.create_batch(3, programme=programme)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("scholarships:call_list"))
    CallFactory.create_batch(27, programme=ProgrammeFactory(name="PhD scholarships"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("scholarships:call_list"))
    assert len(response.context["calls"]) == 30
    assert len(many) == len(few)


# --- one call ------------------------------------------------------------------------------

def test_a_call_page_says_who_can_apply(client):
    call = CallFactory(eligible_nationalities=["SN", "CD"], max_age=35,
                       age_reference_date=datetime.date(2027, 10, 1), min_degree="bachelor",
                       documents=[DocumentKind.DIPLOMA, DocumentKind.CV,
                                  DocumentKind.ADMISSION])
    response = client.get(call.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Senegal", "Congo", "35 or younger on 1 October 2027",
                 "Bachelor&#x27;s degree", "Not living in Belgium",
                 f"Not already holding a scholarship for the academic year "
                 f"{call.academic_year_label}", "Highest diploma", "Curriculum vitae",
                 "Admission letter"):
        assert text in html, text
    assert str(call.host_institutions.get()) in html


def test_a_call_page_shows_brussels_time_and_the_moment_in_utc_for_the_local_time(client):
    # 21:59:59 UTC on 31 March 2030 is 23:59:59 in Brussels (summer time).
    closes = datetime.datetime(2030, 3, 31, 21, 59, 59, tzinfo=datetime.UTC)
    call = CallFactory(closes_at=closes)
    html = client.get(call.get_absolute_url()).content.decode()
    assert '<time datetime="2030-03-31T21:59:59+00:00" data-local-time>31 March 2030, ' \
           '23:59:59</time>' in html
    assert "Brussels time" in html
    assert "js/local-times.js" in html  # writes the visitor's own time beside it


def test_a_call_page_shows_brussels_time_in_winter_too(client):
    call = CallFactory(closes_at=datetime.datetime(2030, 1, 15, 11, 0, tzinfo=datetime.UTC))
    html = client.get(call.get_absolute_url()).content.decode()
    assert '<time datetime="2030-01-15T11:00:00+00:00" data-local-time>15 January 2030, ' \
           '12:00</time>' in html


def test_an_open_call_invites_a_visitor_to_log_in_and_apply(client):
    call = CallFactory()
    html = client.get(call.get_absolute_url()).content.decode()
    assert "This call is open" in html
    assert f'{reverse("login")}?next={apply_url(call)}"' in html


def test_an_open_call_offers_a_visitor_to_create_an_account_and_come_back(client):
    call = CallFactory()
    html = client.get(call.get_absolute_url()).content.decode()
    assert f'{reverse("accounts:signup")}?next={apply_url(call)}"' in html


def test_an_open_call_has_an_apply_button_for_a_logged_in_user(client):
    call = CallFactory()
    client.force_login(UserFactory(roles=["applicant"]))
    html = client.get(call.get_absolute_url()).content.decode()
    assert f'<form method="post" action="{apply_url(call)}">' in html


@pytest.mark.parametrize("make_call, text", [
    (closed_call, "This call is closed"),
    (future_call, "This call is not open yet"),
])
@pytest.mark.parametrize("logged_in", [False, True])
def test_a_closed_or_future_call_says_so_and_has_no_apply_button(client, make_call, text,
                                                                  logged_in):
    call = make_call()
    if logged_in:
        client.force_login(UserFactory(roles=["applicant"]))
    response = client.get(call.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert text in html
    assert apply_url(call) not in html


def test_an_unknown_call_is_not_found(client):
    assert client.get(reverse("scholarships:call_detail", args=["no-such-call"])
                      ).status_code == 404


def test_a_call_page_runs_a_fixed_number_of_queries(client):
    call = CallFactory()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(call.get_absolute_url()).status_code == 200
    assert len(queries) <= 4, "\n".join(q["sql"] for q in queries.captured_queries)
