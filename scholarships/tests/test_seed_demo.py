import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from scholarships.models import Call
from scholarships.selectors import open_calls

pytestmark = pytest.mark.django_db


def test_demo_calls_load_once_and_two_are_open_on_the_public_page():
    call_command("seed_demo", persons=8, stdout=io.StringIO())
    call_command("seed_demo_scholarships", stdout=io.StringIO())
    call_command("seed_demo_scholarships", stdout=io.StringIO())
    assert Call.objects.count() == 3
    assert open_calls().count() == 2
    page = Client().get("/scholarships/calls/")
    for call in open_calls():
        assert escape(call.title) in page.content.decode()
