"""Following a scholar: arrival, enrolment, progress, completion or
discontinuation, and where the alumnus lives afterwards."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import admin_user, offered_application
from scholarships.models import ProgressReport, ScholarFollowUp
from scholarships.services import followup as follow_up_services
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

TODAY = datetime.date.today
DAY = datetime.timedelta(days=1)


@pytest.fixture
def admin():
    return admin_user()


def accepted(admin, **kwargs):
    application, offer = offered_application(admin=admin, **kwargs)
    services.award_offer_accept(actor=application.applicant.user, offer=offer)
    application.refresh_from_db()
    return application


def state_of(application):
    application.refresh_from_db()
    return application.state


def test_a_scholar_arrives_enrols_reports_and_completes(admin):
    application = accepted(admin)
    today = timezone.localdate()
    services.scholar_arrival_record(actor=admin, application=application,
                                    arrived_on=today - 30 * DAY)
    services.scholar_enrolment_confirm(actor=admin, application=application,
                                       confirmed_on=today - 20 * DAY)
    assert state_of(application) == State.ENROLLED
    services.scholar_progress_report_add(
        actor=admin, application=application, academic_year=today.year,
        received_on=today - 5 * DAY, assessment=ProgressReport.Assessment.GOOD)
    services.scholar_complete(actor=admin, application=application, completed_on=today)
    assert state_of(application) == State.COMPLETED
    services.alumnus_residence_confirm(actor=admin, application=application,
                                       residence=ScholarFollowUp.Residence.RETURNED_HOME,
                                       confirmed_on=today)
    record = ScholarFollowUp.objects.get(application=application)
    assert record.residence_country.code == application.applicant.nationalities[0].code
    assert record.residence_confirmed_on == today
    assert record.history.count() >= 4  # every change kept


def test_enrolment_before_arrival_is_refused(admin):
    application = accepted(admin)
    with pytest.raises(ValidationError) as error:
        services.scholar_enrolment_confirm(actor=admin, application=application,
                                           confirmed_on=timezone.localdate())
    assert error.value.message_dict == {
        "enrolment_confirmed_on": [str(follow_up_services.MSG_NO_ARRIVAL)]}
    assert state_of(application) == State.ACCEPTED


def test_dates_in_the_future_are_refused(admin):
    application = accepted(admin)
    with pytest.raises(ValidationError) as error:
        services.scholar_arrival_record(actor=admin, application=application,
                                        arrived_on=timezone.localdate() + DAY)
    assert error.value.message_dict == {"arrived_on": [str(follow_up_services.MSG_IN_FUTURE)]}


def test_one_progress_report_a_year(admin):
    application = accepted(admin)
    today = timezone.localdate()
    services.scholar_arrival_record(actor=admin, application=application, arrived_on=today)
    services.scholar_enrolment_confirm(actor=admin, application=application, confirmed_on=today)
    for _ in range(2):
        try:
            services.scholar_progress_report_add(
                actor=admin, application=application, academic_year=2027, received_on=today,
                assessment=ProgressReport.Assessment.CONCERNS)
        except ValidationError as error:
            assert error.message_dict == {"academic_year": [str(
                follow_up_services.MSG_REPORT_EXISTS % {"year": "2027-2028"})]}
    assert ProgressReport.objects.count() == 1


def test_a_scholar_who_never_arrives_is_discontinued_with_the_reason(admin):
    application = accepted(admin)
    with pytest.raises(ValidationError):
        services.scholar_discontinue(actor=admin, application=application,
                                     discontinued_on=timezone.localdate(), reason=" ")
    services.scholar_discontinue(actor=admin, application=application,
                                 discontinued_on=timezone.localdate(), reason="Visa refused")
    assert state_of(application) == State.DISCONTINUED
    assert application.transitions.last().reason == "Visa refused"


@pytest.mark.parametrize(("country", "message"), [
    ("", follow_up_services.MSG_COUNTRY_NEEDED),
    ("BE", follow_up_services.MSG_COUNTRY_IS_BELGIUM),
])
def test_living_elsewhere_needs_another_country(admin, country, message):
    application = accepted(admin)
    today = timezone.localdate()
    services.scholar_arrival_record(actor=admin, application=application, arrived_on=today)
    services.scholar_enrolment_confirm(actor=admin, application=application, confirmed_on=today)
    services.scholar_complete(actor=admin, application=application, completed_on=today)
    with pytest.raises(ValidationError) as error:
        services.alumnus_residence_confirm(actor=admin, application=application,
                                           residence=ScholarFollowUp.Residence.ELSEWHERE,
                                           country=country, confirmed_on=today)
    assert error.value.message_dict == {"residence_country": [str(message)]}


def test_only_an_administrator_records_the_follow_up(admin):
    application = accepted(admin)
    for actor in (application.applicant.user, UserFactory(roles=[Role.DPO])):
        with pytest.raises(ValidationError) as error:
            services.scholar_arrival_record(actor=actor, application=application,
                                            arrived_on=timezone.localdate())
        assert error.value.messages == [str(follow_up_services.MSG_FOLLOW_UP_ADMIN_ONLY)]


# --- pages -------------------------------------------------------------------------------------

def test_the_follow_up_page_records_the_arrival_and_explains_a_bad_date(client, admin):
    application = accepted(admin)
    client.force_login(admin)
    url = reverse("scholarships:follow_up", args=[application.pk])
    response = client.post(url, {"action": "arrival",
                                 "arrival-arrived_on": (timezone.localdate() + DAY).isoformat()})
    assert response.status_code == 200
    assert response.context["forms"]["arrival"].errors["arrived_on"]
    response = client.post(url, {"action": "arrival",
                                 "arrival-arrived_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert ScholarFollowUp.objects.get(application=application).arrived_on == \
        timezone.localdate()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.APPLICANT, Role.CASEWORKER])
def test_only_scholarship_staff_open_the_follow_up(client, admin, role):
    application = accepted(admin)
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("scholarships:follow_up", args=[application.pk])
                      ).status_code == 403
    assert client.get(reverse("scholarships:scholar_list")).status_code == 403


def test_the_scholar_list_filters_and_runs_a_fixed_number_of_queries(client, admin):
    client.force_login(admin)
    first = [accepted(admin) for _ in range(2)]
    url = reverse("scholarships:scholar_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more = [accepted(admin) for _ in range(6)]
    services.scholar_arrival_record(actor=admin, application=more[0],
                                    arrived_on=timezone.localdate())
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 8
    assert len(many) == len(few)
    listed = client.get(url, {"q": first[0].reference}).context["page"].object_list
    assert [a.pk for a in listed] == [first[0].pk]
    listed = client.get(url, {"state": State.ACCEPTED}).context["page"].object_list
    assert len(listed) == 8
