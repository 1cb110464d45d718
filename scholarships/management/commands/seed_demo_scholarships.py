"""Demo calls for a new user: two open calls (a Master's call with Belgian
host universities, an intra-African call) and one closed call. Idempotent."""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from registry.models import Organisation
from scholarships.factories import CallFactory, ProgrammeFactory
from scholarships.models import Call, DocumentKind, Programme


class Command(BaseCommand):
    help = "Load demo scholarship programmes and calls, once."

    @transaction.atomic
    def handle(self, *args, **options):
        if Call.objects.exists():
            self.stdout.write("Demo calls already loaded; nothing added.")
            return
        now = timezone.now()
        year = timezone.localdate().year + 1
        belgian = list(Organisation.objects.filter(
            kind=Organisation.Kind.HOST_UNIVERSITY, country="BE")[:6])
        african = list(Organisation.objects.filter(
            kind=Organisation.Kind.HOST_UNIVERSITY).exclude(country="BE")[:3])
        masters = ProgrammeFactory(name="Master's scholarships", kind=Programme.Kind.MASTERS)
        south = ProgrammeFactory(name="Intra-African scholarships",
                                 kind=Programme.Kind.INTRA_AFRICAN)
        phd = ProgrammeFactory(name="PhD scholarships", kind=Programme.Kind.PHD)
        CallFactory(
            programme=masters, title="Master's programmes in Belgium",
            slug=f"masters-belgium-{year}", academic_year=year, quota=120,
            closes_at=now + datetime.timedelta(days=45), hosts=belgian,
            documents=[DocumentKind.IDENTITY, DocumentKind.DIPLOMA, DocumentKind.TRANSCRIPT,
                       DocumentKind.CV, DocumentKind.ADMISSION],
            summary="Nationals of partner countries with a bachelor's degree, aged 35 or "
                    "less on 1 October, who live in their country.", max_age=35)
        CallFactory(
            programme=south, title="Intra-African master's scholarships",
            slug=f"intra-african-{year}", academic_year=year, quota=60,
            closes_at=now + datetime.timedelta(days=20), hosts=african or belgian[:1],
            documents=[DocumentKind.DIPLOMA, DocumentKind.CV],
            summary="Study in another African country: master's programmes at partner "
                    "universities.")
        CallFactory(
            programme=phd, title="PhD scholarships",
            slug=f"phd-{year - 1}", academic_year=year - 1, quota=25,
            opens_at=now - datetime.timedelta(days=200),
            closes_at=now - datetime.timedelta(days=100), hosts=belgian[:3],
            min_degree="master", max_age=40,
            summary="Doctoral research at a Belgian university (closed).")
        self.stdout.write(f"Demo calls loaded: {Call.objects.count()}.")
