"""The ranking page of a call and its committee form, the offer form, the
applicant's answer in the portal and the award letter's access."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    CallFactory,
    admin_user,
    offer_package,
    offered_application,
    ranked_application,
    reviewer,
)
from scholarships.models import AwardOffer, CommitteeMeeting
from scholarships.services import Decision
from scholarships.services import awards as award_services
from scholarships.services import selection as selection_services
from scholarships.views import awards as award_views
from scholarships.views import selection as selection_views
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def admin():
    return admin_user()


@pytest.fixture
def office(client, admin):
    client.force_login(admin)
    return client


def ranking_url(call):
    return reverse("scholarships:ranking", args=[call.pk])


def meeting_data(**extra):
    return {"held_on": timezone.localdate().isoformat(),
            "members_present": "Prof. Amina Ouédraogo\nDr. Jan Peeters",
            "rationale": "Followed the ranking.", "override_reason": "", **extra}


def marks(*pairs):
    data = {}
    for application, decision in pairs:
        data[f"decision-{application.pk}"] = decision
        data[f"seen-{application.pk}"] = application.state
    return data


# --- the ranking ---------------------------------------------------------------------------------

def test_the_ranking_lists_the_best_score_first_with_flags(office, admin, settings):
    settings.SCHOLARSHIP_REVIEW_SPREAD_THRESHOLD = 20
    call = CallFactory(reviewers_per_application=2)
    weaker = ranked_application(admin=admin, call=call, percents=(60, 60))
    stronger = ranked_application(admin=admin, call=call, percents=(80, 100))
    disputed = ranked_application(admin=admin, call=call, percents=(100, 40))
    response = office.get(ranking_url(call))
    rows = response.context["rows"]
    assert [row["application"].pk for row in rows] == [stronger.pk, disputed.pk, weaker.pk]
    assert [str(row["summary"].score) for row in rows] == ["90.00", "70.00", "60.00"]
    # The disagreement brought in a third reviewer automatically, still to score.
    assert rows[1]["summary"].high_spread and rows[1]["summary"].needed == 3
    assert disputed.state == State.IN_REVIEW
    assert "Reviewers disagree" in response.content.decode()


def test_recording_the_committee_within_the_quota(office, admin):
    call = CallFactory(quota=2, reviewers_per_application=1)
    first, second, third = (ranked_application(admin=admin, call=call, percents=(p,))
                            for p in (90, 80, 70))
    response = office.post(ranking_url(call), {
        "action": "record", **meeting_data(),
        **marks((first, State.SELECTED), (second, State.SELECTED), (third, State.RESERVE))})
    meeting = CommitteeMeeting.objects.get()
    assert response.url == meeting.get_absolute_url()
    page = office.get(meeting.get_absolute_url()).content.decode()
    assert first.reference in page and "Prof. Amina Ouédraogo" in page
    assert meeting.decisions.count() == 3


def test_the_quota_is_enforced_on_the_page_and_nothing_typed_is_lost(office, admin):
    call = CallFactory(quota=1, reviewers_per_application=1)
    first, second = (ranked_application(admin=admin, call=call, percents=(p,))
                     for p in (90, 80))
    response = office.post(ranking_url(call), {
        "action": "record", **meeting_data(rationale="Kept rationale"),
        **marks((first, State.SELECTED), (second, State.SELECTED))})
    assert response.status_code == 200
    content = response.content.decode()
    assert escape(str(selection_services.MSG_EXCEEDS % {
        "selected": 2, "free": 1, "call_free": 1, "quota": 1, "year_free": 1500,
        "ceiling": 1500})) in content
    assert "Kept rationale" in content
    assert [row["decision"] for row in response.context["rows"]] == [State.SELECTED] * 2
    assert not CommitteeMeeting.objects.exists()
    # With a reason, the committee may exceed the quota: recorded.
    office.post(ranking_url(call), {
        "action": "record", **meeting_data(override_reason="Co-funded by the region."),
        **marks((first, State.SELECTED), (second, State.SELECTED))})
    assert CommitteeMeeting.objects.get().override_reason == "Co-funded by the region."


def test_the_split_is_right_after_a_plain_post_without_script(office, admin):
    call = CallFactory(quota=5, reviewers_per_application=1)
    woman = ranked_application(admin=admin, call=call, percents=(90,), applicant__sex="female",
                               applicant__country="SN", applicant__nationalities=["SN"])
    man = ranked_application(admin=admin, call=call, percents=(80,), applicant__sex="male",
                             applicant__country="ET", applicant__nationalities=["ET"])
    response = office.post(ranking_url(call), {
        "action": "preview", **meeting_data(),
        **marks((woman, State.SELECTED), (man, State.RESERVE))})
    split = response.context["split"]
    assert split["total"] == 1
    assert split["sex"] == [("Female", 1, 100)]
    assert split["country"] == [("Senegal", 1, 100)]
    assert not CommitteeMeeting.objects.exists()  # a preview records nothing


def test_the_page_carries_what_the_script_needs(office, admin):
    call = CallFactory(quota=5, reviewers_per_application=1)
    ranked_application(admin=admin, call=call, percents=(90,))
    content = office.get(ranking_url(call)).content.decode()
    assert 'id="ranking-data"' in content and "js/ranking.js" in content
    assert "data-decision" in content and 'id="split-sex"' in content


def add_ranked(admin, call, n):
    for i in range(n):
        ranked_application(admin=admin, call=call, percents=(50 + i % 40,))


def test_the_ranking_runs_the_same_number_of_queries_for_3_and_30_applications(office, admin):
    call = CallFactory(quota=50, reviewers_per_application=1)
    add_ranked(admin, call, 3)
    office.get(ranking_url(call))
    with CaptureQueriesContext(connection) as few:
        office.get(ranking_url(call))
    add_ranked(admin, call, 27)
    with CaptureQueriesContext(connection) as many:
        response = office.get(ranking_url(call))
    assert len(response.context["rows"]) == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_a_ranking_of_several_pages_keeps_the_order_and_its_queries_do_not_grow(
        office, admin, monkeypatch):
    # Pages of 4: the review figures are read for the page's rows only, the
    # order over the whole call.
    monkeypatch.setattr(selection_views, "RANKING_PER_PAGE", 4)
    call = CallFactory(quota=50, reviewers_per_application=1)
    ranked = [ranked_application(admin=admin, call=call, percents=(percent,))
              for percent in (60, 100, 80)]
    office.get(ranking_url(call))
    with CaptureQueriesContext(connection) as few:
        office.get(ranking_url(call))
    ranked += [ranked_application(admin=admin, call=call, percents=(percent,))
               for percent in (40, 100, 20, 60, 80, 0)]
    with CaptureQueriesContext(connection) as many:
        first = office.get(ranking_url(call))
    second = office.get(ranking_url(call), {"page": 2})
    last = office.get(ranking_url(call), {"page": 3})
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    rows = [row for page in (first, second, last) for row in page.context["rows"]]
    assert [len(page.context["rows"]) for page in (first, second, last)] == [4, 4, 1]
    assert [row["rank"] for row in rows] == list(range(1, 10))
    # Every application once, the best score first across the pages.
    assert sorted(row["application"].pk for row in rows) == sorted(a.pk for a in ranked)
    scores = [row["summary"].score for row in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert all(row["summary"].submitted == 1 for row in rows)
    assert first.context["page"].paginator.count == 9


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.APPLICANT, Role.CASEWORKER])
def test_only_scholarship_staff_open_the_ranking(client, admin, role):
    call = CallFactory(reviewers_per_application=1)
    ranked_application(admin=admin, call=call, percents=(90,))
    client.force_login(UserFactory(roles=[role]))
    assert client.get(ranking_url(call)).status_code == 403


def test_the_data_protection_officer_reads_the_ranking_but_cannot_decide(client, admin):
    call = CallFactory(reviewers_per_application=1)
    application = ranked_application(admin=admin, call=call, percents=(90,))
    client.force_login(UserFactory(roles=[Role.DPO]))
    response = client.get(ranking_url(call))
    assert response.status_code == 200 and response.context["form"] is None
    client.post(ranking_url(call), {"action": "record", **meeting_data(),
                                    **marks((application, State.SELECTED))})
    application.refresh_from_db()
    assert application.state == State.RANKED


def test_assigning_every_application_of_the_call_at_once(office, admin):
    from scholarships.factories import eligible_application

    call = CallFactory(reviewers_per_application=1)
    applications = [eligible_application(admin=admin, call=call) for _ in range(3)]
    reviewer()
    reviewer()
    office.post(ranking_url(call), {"action": "assign"})
    for application in applications:
        application.refresh_from_db()
        assert application.state == State.IN_REVIEW


# --- offers ---------------------------------------------------------------------------------------

def selected(admin):
    application = ranked_application(admin=admin, call=CallFactory(reviewers_per_application=1),
                                     percents=(90,))
    services.committee_decide(actor=admin, call=application.call, held_on=timezone.localdate(),
                              members_present="A. Diop", rationale="Top",
                              decisions=[Decision(application.pk, State.SELECTED, State.RANKED)])
    application.refresh_from_db()
    return application


def offer_data(**overrides):
    package = offer_package()
    data = {name: str(package[name]) for name in ("monthly_allowance", "tuition", "travel",
                                                  "insurance")}
    data |= {"starts_on": package["starts_on"].isoformat(),
             "ends_on": package["ends_on"].isoformat(),
             "deadline": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
             "override_reason": "", "seen": State.SELECTED}
    return {**data, **overrides}


def test_the_offer_form_makes_the_offer(office, admin):
    application = selected(admin)
    url = reverse("scholarships:offer_make", args=[application.pk])
    assert office.get(url).status_code == 200
    response = office.post(url, offer_data())
    assert response.status_code == 302
    offer = AwardOffer.objects.get(application=application)
    assert str(offer.monthly_allowance) == "1150.00"
    assert timezone.localtime(offer.deadline).strftime("%H:%M:%S") == "23:59:59"


def test_the_offer_form_explains_each_mistake_beside_its_field(office, admin):
    application = selected(admin)
    response = office.post(reverse("scholarships:offer_make", args=[application.pk]),
                           offer_data(monthly_allowance="0", ends_on="2020-01-01",
                                      tuition="4175.00"))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"monthly_allowance", "ends_on"}
    assert 'value="4175.00"' in response.content.decode()
    assert not AwardOffer.objects.exists()


def portal_url(application):
    return reverse("scholarships:application_detail", args=[application.pk])


def test_the_applicant_accepts_in_the_portal_and_downloads_the_letter(client, admin):
    application, offer = offered_application(admin=admin)
    client.force_login(application.applicant.user)
    page = client.get(portal_url(application)).content.decode()
    assert "Accept the scholarship" in page
    client.post(reverse("scholarships:offer_accept", args=[application.pk, offer.pk]),
                {"confirm": "on"})
    application.refresh_from_db()
    assert application.state == State.ACCEPTED
    letter = client.get(reverse("scholarships:offer_award_pdf", args=[application.pk, offer.pk]))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")


def test_declining_asks_for_a_confirmation(client, admin):
    application, offer = offered_application(admin=admin)
    client.force_login(application.applicant.user)
    url = reverse("scholarships:offer_decline", args=[application.pk, offer.pk])
    assert client.get(url).status_code == 200
    application.refresh_from_db()
    assert application.state == State.OFFERED
    response = client.post(url, {"reason": "Admitted elsewhere"}, follow=True)
    assert escape(str(award_views.MSG_DECLINED)) in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.DECLINED
    assert offer.answer_reason == "Admitted elsewhere"


def test_nobody_else_opens_answers_or_downloads_an_offer(client, admin):
    application, offer = offered_application(admin=admin)
    for user in (UserFactory(roles=[Role.APPLICANT]), reviewer(),
                 UserFactory(roles=[Role.CASEWORKER])):
        client.force_login(user)
        for url in (reverse("scholarships:offer_award_pdf", args=[application.pk, offer.pk]),
                    reverse("scholarships:offer_decline", args=[application.pk, offer.pk])):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(reverse("scholarships:offer_accept",
                                   args=[application.pk, offer.pk])).status_code == 404
        assert client.get(reverse("scholarships:staff_offer_letter",
                                  args=[application.pk, offer.pk])).status_code == 403
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.OPEN


def test_staff_download_the_letter(office, admin):
    application, offer = offered_application(admin=admin)
    response = office.get(reverse("scholarships:staff_offer_letter",
                                  args=[application.pk, offer.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


# --- who may open the other staff pages ------------------------------------------------------

def staff_urls(application, meeting, offer):
    return [
        ("get", reverse("scholarships:meeting_detail", args=[meeting.pk])),
        ("get", reverse("scholarships:offer_make", args=[application.pk])),
        ("post", reverse("scholarships:reviewers_assign", args=[application.pk])),
        ("post", reverse("scholarships:application_move", args=[application.pk])),
        ("get", reverse("scholarships:staff_offer_letter", args=[application.pk, offer.pk])),
        ("get", reverse("scholarships:follow_up", args=[application.pk])),
    ]


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.APPLICANT, Role.CASEWORKER,
                                  Role.SUPERVISOR])
def test_other_roles_get_403_on_the_selection_pages(client, admin, role):
    application, offer = offered_application(admin=admin)
    meeting = CommitteeMeeting.objects.get()
    client.force_login(UserFactory(roles=[role]))
    for method, url in staff_urls(application, meeting, offer):
        assert getattr(client, method)(url).status_code == 403, url


def test_the_data_protection_officer_reads_but_changes_nothing(client, admin):
    application, offer = offered_application(admin=admin)
    meeting = CommitteeMeeting.objects.get()
    client.force_login(UserFactory(roles=[Role.DPO]))
    assert client.get(reverse("scholarships:meeting_detail", args=[meeting.pk])
                      ).status_code == 200
    for url in (reverse("scholarships:offer_make", args=[application.pk]),
                reverse("scholarships:reviewers_assign", args=[application.pk])):
        assert client.post(url, offer_data()).status_code == 403
    response = client.post(reverse("scholarships:follow_up", args=[application.pk]),
                           {"action": "arrival",
                            "arrival-arrived_on": timezone.localdate().isoformat()})
    assert response.status_code == 200 and response.context["forms"] == {}


def test_a_meeting_page_runs_the_same_number_of_queries_for_3_and_30_decisions(office, admin):
    call = CallFactory(quota=50, reviewers_per_application=1)

    def meeting_of(n):
        applications = [ranked_application(admin=admin, call=call, percents=(60 + i % 30,))
                        for i in range(n)]
        return services.committee_decide(
            actor=admin, call=call, held_on=timezone.localdate(), members_present="A. Diop",
            rationale="R", decisions=[Decision(a.pk, State.RESERVE, State.RANKED)
                                      for a in applications])

    small, large = meeting_of(3), meeting_of(30)
    office.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        office.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as many:
        response = office.get(large.get_absolute_url())
    assert len(response.context["page"].object_list) == 30
    assert len(many) == len(few)


def test_after_the_deadline_the_portal_says_so_and_offers_no_buttons(client, admin):
    from scholarships.workflow import MSG_GUARD_DEADLINE_PASSED

    application, offer = offered_application(admin=admin)
    AwardOffer.objects.filter(pk=offer.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(application.applicant.user)
    page = client.get(portal_url(application)).content.decode()
    assert escape(str(MSG_GUARD_DEADLINE_PASSED)) in page
    assert "Accept the scholarship" not in page
    client.post(reverse("scholarships:offer_accept", args=[application.pk, offer.pk]),
                {"confirm": "on"})
    application.refresh_from_db()
    assert application.state == State.OFFERED


@pytest.mark.parametrize(("language", "ranking_heading", "offer_heading"), [
    ("fr", "La sélection envisagée", "Votre offre de bourse"),
    ("nl", "De beoogde selectie", "Uw beursaanbod"),
])
def test_the_pages_speak_french_and_dutch(client, admin, language, ranking_heading,
                                          offer_heading):
    from django.utils import translation

    application, _offer = offered_application(admin=admin)
    try:
        client.force_login(admin)
        page = client.get(ranking_url(application.call), HTTP_ACCEPT_LANGUAGE=language)
        assert ranking_heading in page.content.decode()
        client.force_login(application.applicant.user)
        page = client.get(portal_url(application), HTTP_ACCEPT_LANGUAGE=language)
        assert offer_heading in page.content.decode()
    finally:
        # The locale middleware leaves the language active in this thread.
        translation.activate("en")


def test_one_package_offered_to_every_selected_candidate_from_the_ranking(office, admin):
    call = CallFactory(quota=5, reviewers_per_application=1)
    applications = [ranked_application(admin=admin, call=call, percents=(90 - i,))
                    for i in range(3)]
    no_plan = applications[2]
    type(no_plan).objects.filter(pk=no_plan.pk).update(planned_start=None)
    services.committee_decide(
        actor=admin, call=call, held_on=timezone.localdate(), members_present="A. Diop",
        rationale="Top three", decisions=[Decision(a.pk, State.SELECTED, State.RANKED)
                                          for a in applications])
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = office.post(ranking_url(call), {
        "action": "offers", "offers-monthly_allowance": "1150.00", "offers-tuition": "0",
        "offers-travel": "900.00", "offers-insurance": "480.00", "offers-deadline": deadline},
        follow=True)
    content = response.content.decode()
    assert escape(str(selection_views.MSG_OFFERS_MADE % {"count": 2})) in content
    assert escape(f"{no_plan.reference}: {award_services.MSG_NO_STUDY_PERIOD}") in content
    offers = AwardOffer.objects.filter(application__call=call)
    assert offers.count() == 2
    for offer in offers.select_related("application"):
        assert offer.starts_on == offer.application.planned_start
        assert str(offer.travel) == "900.00"


def test_bulk_offers_need_a_valid_package_and_keep_what_was_typed(office, admin):
    call = CallFactory(quota=5, reviewers_per_application=1)
    application = ranked_application(admin=admin, call=call, percents=(90,))
    services.committee_decide(actor=admin, call=call, held_on=timezone.localdate(),
                              members_present="A. Diop", rationale="Top",
                              decisions=[Decision(application.pk, State.SELECTED,
                                                  State.RANKED)])
    response = office.post(ranking_url(call), {
        "action": "offers", "offers-monthly_allowance": "0", "offers-tuition": "4175.00",
        "offers-travel": "900.00", "offers-insurance": "480.00",
        "offers-deadline": timezone.localdate().isoformat()})
    assert response.status_code == 200
    form = response.context["offers_form"]
    assert set(form.errors) == {"monthly_allowance", "deadline"}
    assert 'value="4175.00"' in response.content.decode()
    assert response.context["form"].errors == {}  # the committee's form is left alone
    assert not AwardOffer.objects.exists()


def test_a_ranking_row_shows_the_score_the_reader_s_way_with_its_decision(client, admin):
    """The rows are drawn in Python (views/ranking_rows.py): the score is
    written with the language's decimal comma, names are escaped, and a
    ranked application gets its labelled decision select."""
    from django.utils import translation

    call = CallFactory(reviewers_per_application=1)
    application = ranked_application(admin=admin, call=call, percents=(85,))
    person = application.applicant
    person.family_name = "<b>Ndiaye</b>"
    person.save()
    try:
        client.force_login(admin)
        page = client.get(ranking_url(call), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        application.refresh_from_db()
        score = f"{application.review_score:.2f}".replace(".", ",")
        assert score != "0,00"
        assert f'<td class="text-end">{score}</td>' in page
        assert "&lt;b&gt;Ndiaye&lt;/b&gt;" in page and "<b>Ndiaye</b>" not in page
        assert f'<label class="visually-hidden" for="decision-{application.pk}">' in page
        assert f'name="decision-{application.pk}"' in page
        assert "Pas encore de décision" in page
    finally:
        translation.activate("en")


def test_the_ranking_index_holds_the_states_the_ranking_shows():
    """The partial index a ranking page is read from (migration 0013) lists
    the states selectors.RANKING_STATES shows: were they to drift apart, the
    database could no longer read a page from it and would sort the call."""
    import importlib

    from scholarships import selectors

    migration = importlib.import_module("scholarships.migrations.0013_application_review_score")
    assert set(migration.RANKING_STATES) == {str(state) for state in selectors.RANKING_STATES}


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_ranking_s_duplicate_warnings_are_the_template_s(language):
    """views/ranking_rows.py writes the warnings of
    templates/scholarships/staff/_duplicates.html (which other pages still
    include) in Python: the two must not drift apart."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from registry.duplicates import Likely
    from registry.models import DuplicateCandidate
    from scholarships.duplicates import DuplicateWarning
    from scholarships.views.ranking_rows import duplicates_html

    reasons = (DuplicateCandidate.Reason.NAME_AND_BIRTH, DuplicateCandidate.Reason.DOCUMENT)
    warnings = [DuplicateWarning(Likely(42, reasons), [("SCH-2026-00001", "Submitted"),
                                                       ("SCH-2026-<b>2", "O'Neil & co")]),
                DuplicateWarning(Likely(7, reasons[:1]), [])]
    with translation.override(language):
        # (The template file ends with a newline.)
        assert duplicates_html(warnings) == render_to_string(
            "scholarships/staff/_duplicates.html", {"duplicates": warnings}).rstrip("\n")
        assert duplicates_html([]) == render_to_string(
            "scholarships/staff/_duplicates.html", {"duplicates": []}).rstrip("\n") == ""
