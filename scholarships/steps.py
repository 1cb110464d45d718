"""The steps of the application form, in order. Each step is saved on its own
as a draft; a step is complete once it has been saved valid. Documents and
referees are complete when what the call asks for is there."""

import datetime
import functools
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country, CountryField

from common import formats
from registry.models import Person, birth_display

from .models import Application, DocumentKind

# An application names this many referees (the applicant may replace one who
# does not answer).
REFEREES_PER_APPLICATION = 2

MSG_STEP_MISSING = _("Complete the step “%(step)s”.")
MSG_DOCUMENT_MISSING = _("Upload the document “%(document)s”.")
MSG_REFEREES_MISSING = _("Name %(count)s referees.")


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    fields: tuple[str, ...] = ()


STEPS = (
    Step("personal", _("Personal data")),
    Step("education", _("Education"), ("highest_degree", "degree_title", "degree_institution",
                                        "degree_country", "degree_year")),
    Step("employment", _("Employment"), ("employer", "position", "years_of_experience")),
    Step("study-plan", _("Study plan"), ("host_institution", "study_programme",
                                          "planned_start", "duration_months")),
    Step("languages", _("Languages"), ("english_level", "french_level", "dutch_level")),
    Step("motivation", _("Motivation"), ("motivation",)),
    Step("documents", _("Documents")),
    Step("referees", _("Referees")),
    Step("submit", _("Review and submit")),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}
# Steps with form fields of their own that are marked done when saved valid.
SAVED_STEPS = ("personal", "education", "employment", "study-plan", "languages", "motivation")


def step_status(application: Application, required_kinds, uploaded_kinds,
                active_referees: int) -> dict[str, bool]:
    done = {slug: slug in application.steps_done for slug in SAVED_STEPS}
    done["documents"] = set(required_kinds) <= set(uploaded_kinds)
    done["referees"] = active_referees >= REFEREES_PER_APPLICATION
    done["submit"] = application.submitted_at is not None
    return done


def missing_items(application: Application, steps=STEPS) -> list[str]:
    required = list(application.call.required_documents.values_list("kind", flat=True))
    uploaded = set(application.documents.values_list("kind", flat=True))
    referees = application.referees.filter(replaced_at__isnull=True).count()
    missing = [str(MSG_STEP_MISSING % {"step": STEP_BY_SLUG[slug].title})
               for slug in SAVED_STEPS if slug not in application.steps_done]
    missing += [str(MSG_DOCUMENT_MISSING % {"document": DocumentKind(kind).label})
                for kind in required if kind not in uploaded]
    if referees < REFEREES_PER_APPLICATION:
        missing.append(str(MSG_REFEREES_MISSING % {"count": REFEREES_PER_APPLICATION}))
    return missing


# --- what the applicant gave, kept at submission -------------------------------------------
# The snapshot keeps bare values (codes, ISO dates), never labels: labels,
# choices, country names and dates are written when the page or the PDF is
# shown, in the reader's language, so an application submitted in English
# reads in French for a reader who now chooses French. The answers themselves
# (names, texts typed) stay as submitted.

SNAPSHOT_VERSION = 2
PERSON_FIELDS = ("given_names", "family_name", "birth_date", "sex", "nationalities",
                 "country_of_residence", "email", "phone")


def snapshot(application: Application) -> dict:
    """What the applicant gave, as bare values: kept with the application."""
    person = application.applicant
    personal = {name: _bare(Person, name, getattr(person, name)) for name in PERSON_FIELDS}
    personal["birth_date_precision"] = person.birth_date_precision
    return {
        "version": SNAPSHOT_VERSION,
        "person": personal,
        "answers": {name: _bare(Application, name, getattr(application, name))
                    for step in STEPS for name in step.fields},
        "documents": [[d.kind, d.uploaded_at.isoformat()] for d in application.documents.all()],
        "referees": [[r.name, r.email]
                     for r in application.referees.filter(replaced_at__isnull=True)],
    }


def summary(application: Application) -> dict:
    """Label/value pairs per step, as the application stands, in the active language."""
    return {**render(snapshot(application)), "call": str(application.call)}


def shown_summary(application: Application) -> dict:
    """Label/value pairs per step in the active language: as submitted once
    submitted (the profile may have changed since), as it stands for a draft."""
    if not application.submitted_snapshot:
        return summary(application)
    return {**render(application.submitted_snapshot), "call": str(application.call)}


def render(data: dict) -> dict:
    """A snapshot's label/value pairs per step, in the active language."""
    if data.get("version") != SNAPSHOT_VERSION:
        return _render_legacy(data)
    person = data.get("person", {})
    rows = []
    for name in PERSON_FIELDS:
        value = person.get(name)
        if name == "birth_date":
            text = birth_display(datetime.date.fromisoformat(value),
                                 person.get("birth_date_precision", "")) if value else ""
        else:
            text = _shown(Person, name, value)
        rows.append([_label(Person, name), text])
    sections = [{"title": str(STEP_BY_SLUG["personal"].title), "rows": rows}]
    answers = data.get("answers", {})
    for step in STEPS:
        if step.fields:
            sections.append({"title": str(step.title), "rows": [
                [_label(Application, name), _shown(Application, name, answers.get(name))]
                for name in step.fields]})
    sections.append({"title": str(STEP_BY_SLUG["documents"].title), "rows": [
        [_choice(DocumentKind, kind),
         formats.short_day(timezone.localtime(datetime.datetime.fromisoformat(at)).date())]
        for kind, at in data.get("documents", [])]})
    sections.append({"title": str(STEP_BY_SLUG["referees"].title),
                     "rows": [list(row) for row in data.get("referees", [])]})
    return {"call": data.get("call", ""), "sections": sections}


def _bare(model, name, value):
    field = model._meta.get_field(name)
    if value is None:
        return None
    if isinstance(field, CountryField):
        return [c.code for c in value] if field.multiple else (value.code or "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    return str(value)


def _label(model, name) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _choice(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def _shown(model, name, value) -> str:
    if value is None or value == "" or value == []:
        return ""
    field = model._meta.get_field(name)
    if isinstance(field, CountryField):
        codes = value if isinstance(value, list) else [value]
        return ", ".join(str(Country(code).name) for code in codes)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateField):
        return formats.short_day(datetime.date.fromisoformat(value))
    return str(value)


# Snapshots taken before version 2 kept labels and choices as text, in the
# language of the submission: the known ones are found in any of the site's
# languages and written again in the active one.

def _field_texts():
    """(model, field name) of every field a snapshot shows."""
    yield from ((Person, name) for name in PERSON_FIELDS)
    yield from ((Application, name) for step in STEPS for name in step.fields)


@functools.cache
def _legacy_texts() -> dict[str, tuple]:
    known = {}
    for code, __ in settings.LANGUAGES:
        with translation.override(code):
            for step in STEPS:
                known[str(step.title)] = ("title", step.slug)
            for kind in DocumentKind:
                known[str(kind.label)] = ("document", kind.value)
            for model, name in _field_texts():
                field = model._meta.get_field(name)
                known[str(field.verbose_name)] = ("field", model, name)
                if field.choices and not isinstance(field, CountryField):
                    for value, label in field.flatchoices:
                        known[f"{model.__name__}.{name}={label}"] = value
    return known


def _render_legacy(data: dict) -> dict:
    known = _legacy_texts()
    sections = []
    for section in data.get("sections", []):
        title = known.get(section.get("title"))
        rows = []
        for label, value in section.get("rows", []):
            found = known.get(label)
            if found and found[0] == "field":
                __, model, name = found
                code = known.get(f"{model.__name__}.{name}={value}")
                if code is not None:
                    value = _shown(model, name, code)
                label = _label(model, name)
            elif found and found[0] == "document":
                label = _choice(DocumentKind, found[1])
            rows.append([label, value])
        sections.append({
            "title": str(STEP_BY_SLUG[title[1]].title) if title else section.get("title", ""),
            "rows": rows})
    return {"call": data.get("call", ""), "sections": sections}
