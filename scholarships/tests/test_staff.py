import datetime

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from scholarships import services
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    CompleteApplicationFactory,
    admin_user,
    submitted_application,
)
from scholarships.models import Application
from scholarships.workflow import State

pytestmark = pytest.mark.django_db

LIST = "scholarships:application_list"
REFERENCE_DAY = datetime.date(2027, 10, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def office(client):
    client.force_login(UserFactory(username="office", roles=[Role.SCHOLARSHIP_ADMIN]))
    return client


def submitted(number, **kwargs):
    """A submitted application without going through the portal (list data)."""
    return ApplicationFactory(state=State.SUBMITTED, reference=f"SCH-2027-{number:05d}",
                              submitted_at=timezone.now(), **kwargs)


def rows(response):
    """The applications the list page shows, in its order."""
    ids = [row["id"] for row in response.context["rows"]]
    found = Application.objects.select_related("applicant").in_bulk(ids)
    return [found[pk] for pk in ids]


def listed(client, **params):
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return set(rows(response))


def born_aged(age, *, on=REFERENCE_DAY, day_after=False):
    """A birth date making someone `age` on `on` (their birthday that day), or
    one day younger with day_after."""
    born = on.replace(year=on.year - age)
    return born + datetime.timedelta(days=1) if day_after else born


# --- who may open the staff pages --------------------------------------------------------

@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPLICANT, Role.REVIEWER,
                                  Role.SUPERVISOR])
def test_other_roles_get_403_on_the_staff_pages(client, role):
    application = CompleteApplicationFactory()
    referee = application.referees.first()
    client.force_login(UserFactory(roles=[role]))
    for url in (reverse(LIST),
                reverse("scholarships:application_view", args=[application.pk]),
                reverse("scholarships:referee_letter_download",
                        args=[application.pk, referee.pk])):
        assert client.get(url).status_code == 403, url


def test_an_applicant_cannot_open_the_staff_page_of_any_application(client):
    own = ApplicationFactory(applicant=PersonFactory(user=UserFactory()))
    other = ApplicationFactory()
    client.force_login(own.applicant.user)
    for application in (own, other):
        response = client.get(reverse("scholarships:application_view", args=[application.pk]))
        assert response.status_code in (403, 404)
        assert application.applicant.full_name not in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse(LIST))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_data_protection_officer_may_read_the_list_and_an_application(client):
    application = submitted(1)
    client.force_login(UserFactory(roles=[Role.DPO]))
    assert listed(client) == {application}
    assert client.get(reverse("scholarships:application_view", args=[application.pk])
                      ).status_code == 200


def test_an_unknown_application_is_not_found(office):
    assert office.get(reverse("scholarships:application_view", args=[999999])
                      ).status_code == 404


# --- the list ---------------------------------------------------------------------------

def add_applications(n, start=0):
    calls = [CallFactory(), CallFactory()]
    for i in range(start, start + n):
        if i % 3:
            submitted(i + 1, call=calls[i % 2])
        else:
            ApplicationFactory(call=calls[i % 2])


@pytest.mark.parametrize("params", [{}, {"state": "submitted", "age": "25-29", "sex": "female",
                                         "nationality": "SN", "eligibility": "undecided",
                                         "q": "diallo"}])
def test_the_list_runs_the_same_number_of_queries_for_3_and_30_rows(office, params):
    add_applications(3)
    office.get(reverse(LIST), params)  # warm the caches (session, content types)
    with CaptureQueriesContext(connection) as few:
        office.get(reverse(LIST), params)
    add_applications(27, start=3)
    with CaptureQueriesContext(connection) as many:
        response = office.get(reverse(LIST), params)
    if not params:
        assert response.context["page"].count == 30
        assert len(rows(response)) == 25
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_list_shows_each_row_without_a_query_per_row(office):
    add_applications(30)
    with CaptureQueriesContext(connection) as queries:
        response = office.get(reverse(LIST))
    html = response.content.decode()
    first = rows(response)[0]
    assert first.reference in html and first.applicant.full_name in html
    assert len(queries) <= 10, "\n".join(q["sql"] for q in queries.captured_queries)


def test_submitted_applications_come_first_newest_first(office):
    draft = ApplicationFactory()
    older = submitted(1)
    Application.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=2))
    newer = submitted(2)
    assert rows(office.get(reverse(LIST))) == [newer, older, draft]


def test_the_list_filters_by_state(office):
    draft, sent = ApplicationFactory(), submitted(1)
    assert listed(office, state="submitted") == {sent}
    assert listed(office, state="draft") == {draft}


def test_the_list_filters_by_call(office):
    one, two = submitted(1), submitted(2)
    assert listed(office, call=one.call.pk) == {one}
    assert listed(office, call=two.call.pk) == {two}


def test_a_call_saved_after_the_list_was_shown_is_in_its_call_filter_at_once(
        office, django_capture_on_commit_callbacks):
    """The call choices are cached; saving or deleting a call forgets them."""
    first = CallFactory(title="Master's 2027")
    assert f'value="{first.pk}"' in office.get(reverse(LIST)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        second = CallFactory(title="PhD 2027")
    html = office.get(reverse(LIST)).content.decode()
    assert f'value="{second.pk}"' in html and "PhD 2027" in html
    with django_capture_on_commit_callbacks(execute=True):
        second.title = "PhD 2027 (renamed)"
        second.save()
    assert "PhD 2027 (renamed)" in office.get(reverse(LIST)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        second.delete()
    assert f'value="{second.pk}"' not in office.get(reverse(LIST)).content.decode()


def test_a_draft_reads_draft_in_the_reference_column(office):
    ApplicationFactory()
    assert "<td><a href=" in (html := office.get(reverse(LIST)).content.decode())
    assert '">draft</a></td>' in html


def test_the_list_filters_by_sex(office):
    woman = submitted(1, applicant=PersonFactory(sex="female"))
    man = submitted(2, applicant=PersonFactory(sex="male"))
    assert listed(office, sex="female") == {woman}
    assert listed(office, sex="male") == {man}


def test_the_list_filters_by_the_applicants_nationality(office):
    senegalese = submitted(1, applicant=PersonFactory(country="SN"))
    both = submitted(2, applicant=PersonFactory(country="ET", nationalities=["ET", "SN"]))
    ethiopian = submitted(3, applicant=PersonFactory(country="ET"))
    assert listed(office, nationality="SN") == {senegalese, both}
    assert listed(office, nationality="ET") == {both, ethiopian}


def test_the_age_band_counts_on_the_calls_reference_date(office):
    call = CallFactory(age_reference_date=REFERENCE_DAY)
    made = {}
    for label, birth in [
        ("24", born_aged(25, day_after=True)),  # turns 25 the day after
        ("25", born_aged(25)),                   # 25 on the reference day itself
        ("29", born_aged(30, day_after=True)),
        ("30", born_aged(30)),
        ("39", born_aged(40, day_after=True)),
        ("40", born_aged(40)),
    ]:
        made[label] = submitted(len(made) + 1, call=call,
                                applicant=PersonFactory(birth_date=birth))
    unknown = submitted(99, call=call, applicant=PersonFactory(birth_date=None))
    assert listed(office, age="under-25") == {made["24"]}
    assert listed(office, age="25-29") == {made["25"], made["29"]}
    assert listed(office, age="30-34") == {made["30"]}
    assert listed(office, age="35-39") == {made["39"]}
    assert listed(office, age="40-plus") == {made["40"]}
    assert listed(office, age="unknown") == {unknown}


def test_the_age_band_uses_each_calls_own_reference_date(office):
    early = CallFactory(age_reference_date=datetime.date(2026, 1, 1))
    late = CallFactory(age_reference_date=datetime.date(2031, 1, 1))
    born = datetime.date(1997, 6, 1)  # 28 on the first date, 33 on the second
    at_early = submitted(1, call=early, applicant=PersonFactory(birth_date=born))
    at_late = submitted(2, call=late, applicant=PersonFactory(birth_date=born))
    assert listed(office, age="25-29") == {at_early}
    assert listed(office, age="30-34") == {at_late}


def test_the_age_band_uses_today_for_a_call_without_reference_date(office):
    call = CallFactory(max_age=None, age_reference_date=None)
    today = timezone.localdate()
    young = submitted(1, call=call, applicant=PersonFactory(birth_date=born_aged(22, on=today)))
    assert listed(office, age="under-25") == {young}
    assert listed(office, age="25-29") == set()


def test_the_list_filters_by_eligibility_decision(office):
    actor = admin_user()
    undecided = submitted(1)
    eligible = submitted_application()
    ineligible = submitted(3)
    withdrawn_after = submitted_application()
    for application, moves in [(eligible, [State.ELIGIBLE]),
                               (ineligible, [State.INELIGIBLE]),
                               (withdrawn_after, [State.ELIGIBLE, State.WITHDRAWN])]:
        for to in moves:
            services.application_transition(actor=actor, application=application, to=to,
                                            reason="Checked by the office")
    draft = ApplicationFactory()
    assert listed(office, eligibility="eligible") == {eligible, withdrawn_after}
    assert listed(office, eligibility="ineligible") == {ineligible}
    assert listed(office, eligibility="undecided") == {undecided, draft}


def test_the_list_finds_a_reference_whole_or_in_part(office):
    wanted = submitted(42)
    submitted(43)
    ApplicationFactory()
    assert listed(office, q="SCH-2027-00042") == {wanted}
    assert listed(office, q="sch-2027-00042") == {wanted}
    assert listed(office, q="00042") == {wanted}


@pytest.mark.parametrize("term", ["keita", "KEÏTA sékou", "Sekou Keita", "sek kei"])
def test_the_list_finds_a_name_whatever_the_accents_case_and_order(office, term):
    wanted = submitted(1, applicant=PersonFactory(given_names="Sékou", family_name="Keïta"))
    submitted(2, applicant=PersonFactory(given_names="Sekou", family_name="Touré"))
    assert listed(office, q=term) == {wanted}


def test_filters_combine(office):
    call = CallFactory()
    wanted = submitted(1, call=call, applicant=PersonFactory(sex="female", country="SN"))
    submitted(2, call=call, applicant=PersonFactory(sex="male", country="SN"))
    submitted(3, applicant=PersonFactory(sex="female", country="SN"))
    assert listed(office, call=call.pk, sex="female", nationality="SN",
                  state="submitted") == {wanted}


def test_a_bad_filter_value_is_shown_beside_the_field_and_lists_nothing_wrong(office):
    submitted(1)
    response = office.get(reverse(LIST), {"state": "nonsense"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["state"]


# --- one application ---------------------------------------------------------------------

@pytest.fixture
def full_application():
    """Submitted through the services, one referee letter received."""
    applicant = UserFactory(roles=[Role.APPLICANT])
    application = CompleteApplicationFactory(
        applicant=PersonFactory(user=applicant, given_names="Aminata", family_name="Diallo",
                                country="SN", birth_date=datetime.date(1998, 3, 14)))
    services.application_submit(actor=applicant, application=application)
    referee = application.referees.order_by("id").first()
    services.referee_letter_upload(referee=referee, upload=ContentFile(PDF, name="l.pdf"),
                                   content_type="application/pdf")
    application.refresh_from_db()
    return application


def test_the_staff_page_shows_the_whole_application(office, full_application):
    application = full_application
    response = office.get(reverse("scholarships:application_view", args=[application.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert application.reference in html
    # The applicant, with a link to their registry record.
    assert reverse("registry:person_detail", args=[application.applicant.pk]) in html
    # Every step's data, as submitted.
    for text in ("BSc Agronomy", "Ministry of Agriculture", "MSc Rural Development",
                 "As submitted"):
        assert text in html, text
    # Documents, each with its download link.
    for document in application.documents.all():
        assert reverse("scholarships:document_download",
                       args=[application.pk, document.pk]) in html
    # Referees: one letter received (with a link for staff), one not.
    received, waiting = application.referees.order_by("id")
    assert reverse("scholarships:referee_letter_download",
                   args=[application.pk, received.pk]) in html
    assert reverse("scholarships:referee_letter_download",
                   args=[application.pk, waiting.pk]) not in html
    assert "not received" in html
    # The automatic pre-check and the audit trail.
    assert "Automatic pre-check" in html
    assert "meets the conditions of the call" in html
    transition = application.transitions.get()
    assert transition.to_state == State.SUBMITTED
    assert transition.actor.get_username() in html
    assert "Draft" in html and "Submitted" in html


def test_the_staff_page_lists_the_audit_trail_with_reasons(office, full_application):
    services.application_transition(actor=admin_user(username="checker"),
                                    application=full_application, to=State.INELIGIBLE,
                                    reason="Diploma not recognised")
    html = office.get(reverse("scholarships:application_view", args=[full_application.pk])
                      ).content.decode()
    assert "checker" in html and "Diploma not recognised" in html and "Not eligible" in html


def test_the_staff_page_shows_a_drafts_data_and_what_is_missing(office):
    application = ApplicationFactory(degree_title="Licence en droit",
                                     applicant=PersonFactory(country="SN"))
    html = office.get(reverse("scholarships:application_view", args=[application.pk])
                      ).content.decode()
    assert "Licence en droit" in html
    assert "this draft can still change" in html
    assert "Still missing before the applicant can submit" in html
    assert "Give your highest degree" in html  # the pre-check's reason


def test_the_staff_page_runs_a_fixed_number_of_queries(office, full_application):
    url = reverse("scholarships:application_view", args=[full_application.pk])
    office.get(url)
    with CaptureQueriesContext(connection) as queries:
        office.get(url)
    # 16, and the likely duplicates of the applicant (registry.duplicates: 3, and
    # their scholarship applications when there are some).
    assert len(queries) <= 20, "\n".join(q["sql"] for q in queries.captured_queries)


def test_staff_download_a_referees_letter(office, full_application):
    referee = full_application.referees.order_by("id").first()
    response = office.get(reverse("scholarships:referee_letter_download",
                                  args=[full_application.pk, referee.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert full_application.reference in response["Content-Disposition"]


def test_a_letter_not_received_or_of_another_application_is_not_found(office, full_application):
    waiting = full_application.referees.order_by("id").last()
    other = CompleteApplicationFactory()
    for pk, referee in [(full_application.pk, waiting.pk),
                        (other.pk, full_application.referees.first().pk)]:
        assert office.get(reverse("scholarships:referee_letter_download", args=[pk, referee])
                          ).status_code == 404


def test_the_applicant_cannot_download_a_letter_about_them(client, full_application):
    client.force_login(full_application.applicant.user)
    referee = full_application.referees.order_by("id").first()
    assert client.get(reverse("scholarships:referee_letter_download",
                              args=[full_application.pk, referee.pk])).status_code == 403


# --- the dashboard ---------------------------------------------------------------------

def test_the_dashboard_counts_applications_per_call_and_state(office):
    call = CallFactory(title="Master's 2027")
    other = CallFactory(title="PhD 2027")
    submitted(1, call=call)
    submitted(2, call=call)
    ApplicationFactory(call=call)
    response = office.get(reverse("scholarships:admin_home"))
    assert response.status_code == 200
    by_call = {row["call"]: row for row in response.context["dashboard"]}
    assert by_call[call]["counts"] == {"submitted": 2, "draft": 1}
    assert by_call[call]["total"] == 3
    assert by_call[other]["total"] == 0
    html = response.content.decode()
    assert f'{reverse(LIST)}?call={call.pk}&amp;state=submitted">2</a>' in html


def _dashboard_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("scholarships:admin_home")).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_dashboard_runs_a_fixed_number_of_queries(office):
    add_applications(3)
    office.get(reverse("scholarships:admin_home"))
    cache.clear()  # the counts, not the cache, are what is measured
    few = _dashboard_queries(office)
    add_applications(27, start=3)
    cache.clear()
    assert len(_dashboard_queries(office)) == len(few)


def test_the_dashboard_counts_once_and_then_reads_them_from_the_cache(office):
    add_applications(3)
    office.get(reverse("home"))  # warm the caches (session, roles and permissions)
    first = _dashboard_queries(office)
    again = _dashboard_queries(office)
    counting = [sql for sql in first if "GROUP BY" in sql and "scholarships_application" in sql]
    assert len(counting) == 1
    assert len(again) == len(first) - 1
    assert "Counted at" in office.get(reverse("scholarships:admin_home")).content.decode()


def test_a_move_through_the_services_shows_on_the_dashboard_at_once(
        office, django_capture_on_commit_callbacks):
    application = submitted(1)
    office.get(reverse("scholarships:admin_home"))  # counted and cached
    admin = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(actor=admin, application=application,
                                        to=State.INELIGIBLE, reason="Older than the limit",
                                        expected_state=State.SUBMITTED)
    response = office.get(reverse("scholarships:admin_home"))
    by_call = {row["call"]: row for row in response.context["dashboard"]}
    assert by_call[application.call]["counts"] == {"ineligible": 1}
