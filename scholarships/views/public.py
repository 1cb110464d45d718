"""The public pages: the calls open now, and one page per call saying who can
apply. No login needed; nothing personal is shown."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from registry.models import Organisation

from .. import selectors
from ..models import Call, DocumentKind


def call_list(request):
    return render(request, "scholarships/public/call_list.html", {
        "calls": selectors.open_calls(),
    })


def call_detail(request, slug):
    call = get_object_or_404(
        Call.objects.select_related("programme").prefetch_related(
            "required_documents",
            Prefetch("host_institutions", queryset=Organisation.objects.order_by("name")),
        ),
        slug=slug,
    )
    now = timezone.now()
    return render(request, "scholarships/public/call_detail.html", {
        "call": call,
        "is_open": call.is_open(now),
        "not_yet_open": now < call.opens_at,
        # Names in the visitor's language, sorted the way they read them.
        "nationalities": sorted(call.eligible_nationalities, key=lambda c: str(c.name)),
        "required_documents": sorted(call.required_documents.all(),
                                     key=lambda d: DocumentKind.values.index(d.kind)),
        "host_institutions": call.host_institutions.all(),
    })
