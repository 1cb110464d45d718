"""Setting up a call through services.calls, from the admin: once reviews are
scored, the rubric, the number of awards and the reviewers per application
change only with a reason; the submitted reviews are then scored again."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.forms import CheckboxInput, SelectMultiple
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    CallFactory,
    admin_user,
    eligible_application,
    ranked_application,
    reviewer,
    submitted_application,
)
from scholarships.models import Call, Criterion, ReviewAssignment
from scholarships.services.calls import (
    MSG_ADMIN_ONLY,
    MSG_CLOSES_BEFORE_SUBMISSION,
    MSG_CRITERION_SCORED,
    MSG_FROZEN_CRITERIA,
    MSG_FROZEN_FIELD,
    MSG_OPENS_AFTER_SUBMISSION,
    MSG_QUOTA_BELOW_HELD,
    MSG_REASON_NEEDED,
)
from scholarships.tests.test_admin import call_form
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

EXCELLENCE = "Academic excellence"


@pytest.fixture
def admin():
    return admin_user(username="call-admin", is_staff=True)


@pytest.fixture
def office(client, admin):
    client.force_login(admin)
    return client


def change_url(call):
    return reverse("admin:scholarships_call_change", args=[call.pk])


def _field_data(form, data):
    for name, field in form.fields.items():
        if field.disabled:
            continue
        key, value = form.add_prefix(name), form[name].value()
        if isinstance(field.widget, AdminSplitDateTime):
            moment = timezone.localtime(value) if value else None
            data[f"{key}_0"] = moment.date().isoformat() if moment else ""
            data[f"{key}_1"] = moment.strftime("%H:%M:%S") if moment else ""
        elif isinstance(field.widget, CheckboxInput):
            if value:
                data[key] = "on"
        elif isinstance(field.widget, SelectMultiple) or isinstance(
                getattr(field.widget, "widget", None), SelectMultiple):
            data[key] = [str(getattr(v, "code", v)) for v in value or []]
        else:
            data[key] = "" if value is None else str(value)


def page_data(client, call, url=None, **changes):
    """What the admin's change page (or `url`) posts back untouched, with `changes`."""
    response = client.get(url or change_url(call))
    assert response.status_code == 200
    data = {}
    _field_data(response.context["adminform"].form, data)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for form in formset.initial_forms:
            _field_data(form, data)
    data.update(changes)
    return data


def criterion_key(call, name, field):
    index = list(call.criteria.order_by("order", "id").values_list("name", flat=True)).index(name)
    return f"criteria-{index}-{field}"


def scored_by_criterion(application, admin, excellence, others):
    """Reviewed by the call's reviewers, each giving `excellence` to the first
    criterion and `others` to the rest (out of 5)."""
    assignments = [services.review_assign(actor=admin, application=application,
                                          reviewer=reviewer())
                   for _ in range(application.call.reviewers_per_application)]
    for assignment in assignments:
        services.review_declare(actor=assignment.reviewer, assignment=assignment,
                                conflict=False)
        scores = {c.pk: excellence if c.name == EXCELLENCE else others
                  for c in application.call.criteria.all()}
        services.review_submit(actor=assignment.reviewer, assignment=assignment,
                               scores=scores, comment="Scored.")


@pytest.fixture
def scored_call(admin):
    """Two applications ranked: the "strong" one scores high on excellence
    only, the "broad" one on everything else. Weights 0.40/0.35/0.25."""
    call = CallFactory(reviewers_per_application=1, quota=5)
    strong = eligible_application(admin=admin, call=call)
    broad = eligible_application(admin=admin, call=call)
    scored_by_criterion(strong, admin, excellence=5, others=1)
    scored_by_criterion(broad, admin, excellence=1, others=5)
    return call, strong, broad


def ranking(client, call):
    rows = client.get(reverse("scholarships:ranking", args=[call.pk])).context["rows"]
    return [(row["application"].pk, str(row["summary"].score)) for row in rows]


# --- frozen once scored ---------------------------------------------------------------------

def test_a_frozen_weight_changed_without_a_reason_is_refused_beside_the_field(
        office, scored_call):
    call, strong, broad = scored_call
    key = criterion_key(call, EXCELLENCE, "weight")
    response = office.post(change_url(call), page_data(office, call, **{
        key: "3.00", "change_reason": ""}))
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"]
                   if f.formset.prefix == "criteria")
    form = next(f for f in formset.forms if f.instance.name == EXCELLENCE)
    assert form.errors["weight"] == [str(MSG_FROZEN_FIELD)]
    assert str(MSG_FROZEN_CRITERIA) in formset.non_form_errors()
    # What was typed is still there, and nothing was saved.
    assert form["weight"].value() == "3.00"
    assert call.criteria.get(name=EXCELLENCE).weight == Decimal("0.40")
    assert ranking(office, call) == [(broad.pk, "68.00"), (strong.pk, "52.00")]


def test_a_frozen_weight_changed_with_a_reason_scores_the_reviews_again(
        office, admin, scored_call):
    call, strong, broad = scored_call
    assert ranking(office, call) == [(broad.pk, "68.00"), (strong.pk, "52.00")]
    page = office.get(change_url(call)).content.decode()
    assert 'name="change_reason"' in page
    response = office.post(change_url(call), page_data(office, call, **{
        criterion_key(call, EXCELLENCE, "weight"): "3.00",
        "change_reason": "Board decision of 3 May: excellence first."}))
    assert response.status_code == 302, response.context["adminform"].form.errors
    criterion = call.criteria.get(name=EXCELLENCE)
    assert criterion.weight == Decimal("3.00")
    last = criterion.history.order_by("-history_date", "-history_id").first()
    assert last.history_change_reason == "Board decision of 3 May: excellence first."
    assert last.history_user == admin
    # (3 x 5/5 + 0.6 x 1/5) / 3.6 and (3 x 1/5 + 0.6 x 5/5) / 3.6, out of 100.
    assert ranking(office, call) == [(strong.pk, "86.67"), (broad.pk, "33.33")]
    assert sorted(ReviewAssignment.objects.filter(application__call=call)
                  .values_list("total", flat=True)) == [Decimal("33.33"), Decimal("86.67")]


def test_before_any_review_is_submitted_the_weights_change_freely(office):
    call = CallFactory()
    eligible_application(call=call)
    page = office.get(change_url(call)).content.decode()
    assert 'name="change_reason"' not in page
    response = office.post(change_url(call), page_data(office, call, **{
        criterion_key(call, EXCELLENCE, "weight"): "0.50"}))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert call.criteria.get(name=EXCELLENCE).weight == Decimal("0.50")


def test_a_frozen_quota_needs_a_reason_and_is_kept_in_the_history(office, admin, scored_call):
    call, _strong, _broad = scored_call
    response = office.post(change_url(call), page_data(office, call, quota="8"))
    form = response.context["adminform"].form
    assert form.errors["quota"] == [str(MSG_FROZEN_FIELD)]
    assert form.errors["change_reason"] == [str(MSG_REASON_NEEDED)]
    assert form["quota"].value() == "8"
    call.refresh_from_db()
    assert call.quota == 5
    response = office.post(change_url(call), page_data(
        office, call, quota="8", change_reason="Extra budget from the ministry."))
    assert response.status_code == 302, response.context["adminform"].form.errors
    call.refresh_from_db()
    assert call.quota == 8
    last = call.history.order_by("-history_date", "-history_id").first()
    assert (last.quota, last.history_change_reason, last.history_user) == (
        8, "Extra budget from the ministry.", admin)


def test_a_scored_criterion_is_never_removed(client, admin, scored_call):
    call, _strong, _broad = scored_call
    # Scholarship administrators delete no criterion; a superuser may try.
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    key = criterion_key(call, EXCELLENCE, "DELETE")
    response = client.post(change_url(call), page_data(
        client, call, **{key: "on", "change_reason": "Simplify the rubric."}))
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"]
                   if f.formset.prefix == "criteria")
    # The admin's own check of protected scores answers first.
    assert EXCELLENCE in " ".join(formset.non_form_errors())
    assert call.criteria.filter(name=EXCELLENCE).exists()
    with pytest.raises(ValidationError) as refused:
        services.criteria_update(actor=admin, call=call, criteria=[], reason="Simplify.",
                                 remove=[call.criteria.get(name=EXCELLENCE).pk])
    assert refused.value.messages == [str(MSG_CRITERION_SCORED % {"name": EXCELLENCE})]
    assert call.criteria.filter(name=EXCELLENCE).exists()


def test_the_service_refuses_a_frozen_change_without_a_reason(admin, scored_call):
    call, _strong, _broad = scored_call
    criterion = call.criteria.get(name=EXCELLENCE)
    row = services.CriterionValues(pk=criterion.pk, name=criterion.name, weight=Decimal("1"),
                                   scale_max=criterion.scale_max, order=criterion.order)
    with pytest.raises(ValidationError) as refused:
        services.criteria_update(actor=admin, call=call, criteria=[row])
    assert refused.value.messages == [str(MSG_FROZEN_CRITERIA)]
    with pytest.raises(ValidationError) as refused:
        services.call_update(actor=admin, call=call, changes={"reviewers_per_application": 3})
    assert refused.value.message_dict["reviewers_per_application"] == [str(MSG_FROZEN_FIELD)]


def test_reverting_a_frozen_call_follows_the_same_rules(office, admin, scored_call):
    call, _strong, _broad = scored_call
    services.call_update(actor=admin, call=call, changes={"quota": 7}, reason="More budget.")
    old = call.history.filter(quota=5).order_by("history_date").first()
    url = reverse("admin:scholarships_call_simple_history", args=[call.pk, old.history_id])
    response = office.post(url, page_data(office, call, url=url))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["quota"] == [str(MSG_FROZEN_FIELD)]
    call.refresh_from_db()
    assert call.quota == 7
    response = office.post(url, page_data(office, call, url=url,
                                          change_reason="The budget was not voted."))
    assert response.status_code == 302, response.context["adminform"].form.errors
    call.refresh_from_db()
    assert call.quota == 5
    last = call.history.order_by("-history_date", "-history_id").first()
    assert (last.history_change_reason, last.history_user) == ("The budget was not voted.",
                                                               admin)


# --- awards held and dates ------------------------------------------------------------------

def test_the_quota_cannot_go_below_the_awards_already_held(office, admin):
    call = CallFactory(reviewers_per_application=1, quota=5)
    held = [ranked_application(admin=admin, call=call, percents=(80,)) for _ in range(2)]
    services.committee_decide(
        actor=admin, call=call, held_on=timezone.localdate(), members_present="Dr. A. Diallo",
        rationale="Best ranked.",
        decisions=[services.Decision(a.pk, State.SELECTED, State.RANKED) for a in held])
    response = office.post(change_url(call), page_data(
        office, call, quota="1", change_reason="Budget cut."))
    assert response.context["adminform"].form.errors["quota"] == [
        str(MSG_QUOTA_BELOW_HELD % {"held": 2})]
    call.refresh_from_db()
    assert call.quota == 5
    with pytest.raises(ValidationError):
        services.call_update(actor=admin, call=call, changes={"quota": 1}, reason="Budget cut.")
    services.call_update(actor=admin, call=call, changes={"quota": 2}, reason="Budget cut.")
    call.refresh_from_db()
    assert call.quota == 2


def test_the_call_cannot_close_before_a_submission_received(office, admin):
    call = CallFactory()
    application = submitted_application(call=call)
    earlier = application.submitted_at - datetime.timedelta(hours=1)
    later = application.submitted_at + datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as refused:
        services.call_update(actor=admin, call=call, changes={"closes_at": earlier})
    assert "closes_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.call_update(actor=admin, call=call, changes={"opens_at": later})
    assert "opens_at" in refused.value.message_dict
    # In the admin, beside the field.
    before = timezone.localtime(earlier)
    response = office.post(change_url(call), page_data(office, call, **{
        "closes_at_0": before.date().isoformat(), "closes_at_1": before.strftime("%H:%M:%S")}))
    message = response.context["adminform"].form.errors["closes_at"][0]
    assert message.startswith(str(MSG_CLOSES_BEFORE_SUBMISSION).split("%")[0])
    # Closing earlier, but after every submission, is allowed.
    services.call_update(actor=admin, call=call, changes={"closes_at": later},
                         reason="Closed early: enough applications.")
    call.refresh_from_db()
    assert call.closes_at == later
    assert str(MSG_OPENS_AFTER_SUBMISSION)


# --- who may ----------------------------------------------------------------------------------

def test_a_reviewer_cannot_change_a_call_even_with_the_admin_permission(client):
    call = CallFactory(quota=5)
    user = UserFactory(username="rev-staff", is_staff=True, roles=[Role.REVIEWER])
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="scholarships",
        codename__in=["change_call", "view_call", "change_criterion", "add_criterion"]))
    client.force_login(user)
    response = client.post(change_url(call), {"quota": "50"})
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.quota == 5
    with pytest.raises(ValidationError) as refused:
        services.call_update(actor=user, call=call, changes={"quota": 50})
    assert refused.value.messages == [str(MSG_ADMIN_ONLY)]
    assert Call.objects.get(pk=call.pk).quota == 5


def test_creating_a_call_in_the_admin_records_who(office, admin):
    call = CallFactory()
    response = office.post(reverse("admin:scholarships_call_add"),
                           call_form(call.programme, slug="setup-2027"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Call.objects.get(slug="setup-2027")
    assert created.history.get().history_user == admin
    assert Criterion.objects.filter(call=created).count() == 2
    assert created.host_institutions.count() == 0


# --- at the same moment -------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_weight_changed_while_a_review_is_submitted_scores_it_with_the_new_weight(
        monkeypatch):
    """Whichever comes first, the review ends up scored with the new weight:
    the change waits for the application's lock, or the review reads the new
    weight once it has it (scholarships.tests.test_races runs the others)."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from scholarships import tasks
    from scholarships.tests.test_races import at_once

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks between connections")
    monkeypatch.setattr(tasks.review_assignment_notify, "delay", lambda *a, **k: None)
    monkeypatch.setattr(tasks.submission_confirmation_send, "delay", lambda *a, **k: None)
    monkeypatch.setattr(tasks.referee_invitation_send, "delay", lambda *a, **k: None)
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    admin = admin_user()
    for _round in range(6):
        call = CallFactory(reviewers_per_application=1)
        application = eligible_application(admin=admin, call=call)
        assignment = services.review_assign(actor=admin, application=application,
                                            reviewer=reviewer())
        services.review_declare(actor=assignment.reviewer, assignment=assignment,
                                conflict=False)
        criteria = list(call.criteria.all())
        scores = {c.pk: 5 if c.name == EXCELLENCE else 1 for c in criteria}
        rows = [services.CriterionValues(
            pk=c.pk, name=c.name, weight=Decimal("3.00") if c.name == EXCELLENCE else c.weight,
            scale_max=c.scale_max, order=c.order) for c in criteria]
        submit, change = at_once(
            lambda a=assignment, s=scores: services.review_submit(
                actor=a.reviewer, assignment=a, scores=s, comment="Scored."),
            lambda c=call, r=rows: services.criteria_update(
                actor=admin, call=c, criteria=r, reason="Excellence first."))
        assert (submit, change) == (None, None)
        assignment.refresh_from_db()
        assert assignment.total == Decimal("86.67")
