"""The steps of the application form, in order. Each step is saved on its own
as a draft; a step is complete once it has been saved valid. Documents and
referees are complete when what the call asks for is there."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Application

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
    from .services import REFEREES_PER_APPLICATION

    done = {slug: slug in application.steps_done for slug in SAVED_STEPS}
    done["documents"] = set(required_kinds) <= set(uploaded_kinds)
    done["referees"] = active_referees >= REFEREES_PER_APPLICATION
    done["submit"] = application.submitted_at is not None
    return done


def missing_items(application: Application, steps=STEPS) -> list[str]:
    from .services import REFEREES_PER_APPLICATION

    required = list(application.call.required_documents.values_list("kind", flat=True))
    uploaded = set(application.documents.values_list("kind", flat=True))
    referees = application.referees.filter(replaced_at__isnull=True).count()
    missing = [str(MSG_STEP_MISSING % {"step": STEP_BY_SLUG[slug].title})
               for slug in SAVED_STEPS if slug not in application.steps_done]
    from .models import DocumentKind

    missing += [str(MSG_DOCUMENT_MISSING % {"document": DocumentKind(kind).label})
                for kind in required if kind not in uploaded]
    if referees < REFEREES_PER_APPLICATION:
        missing.append(str(MSG_REFEREES_MISSING % {"count": REFEREES_PER_APPLICATION}))
    return missing


def summary(application: Application) -> dict:
    """Label/value pairs per step, as submitted: kept with the application and
    printed in the confirmation PDF."""
    person = application.applicant
    sections = [{
        "title": str(STEP_BY_SLUG["personal"].title),
        "rows": [
            [str(person._meta.get_field("given_names").verbose_name), person.given_names],
            [str(person._meta.get_field("family_name").verbose_name), person.family_name],
            [str(person._meta.get_field("birth_date").verbose_name), person.birth_display],
            [str(person._meta.get_field("sex").verbose_name), str(person.get_sex_display())],
            [str(person._meta.get_field("nationalities").verbose_name),
             ", ".join(c.name for c in person.nationalities)],
            [str(person._meta.get_field("country_of_residence").verbose_name),
             person.country_of_residence.name if person.country_of_residence else ""],
            [str(person._meta.get_field("email").verbose_name), person.email],
            [str(person._meta.get_field("phone").verbose_name), str(person.phone or "")],
        ],
    }]
    for step in STEPS:
        if not step.fields:
            continue
        rows = []
        for name in step.fields:
            field = Application._meta.get_field(name)
            value = getattr(application, name)
            if field.choices:
                value = getattr(application, f"get_{name}_display")()
            elif hasattr(value, "name") and name.endswith("country"):
                value = value.name
            rows.append([str(field.verbose_name), "" if value is None else str(value)])
        sections.append({"title": str(step.title), "rows": rows})
    sections.append({
        "title": str(STEP_BY_SLUG["documents"].title),
        "rows": [[str(d.get_kind_display()), d.uploaded_at.date().isoformat()]
                 for d in application.documents.all()],
    })
    sections.append({
        "title": str(STEP_BY_SLUG["referees"].title),
        "rows": [[r.name, r.email] for r in application.referees.filter(replaced_at__isnull=True)],
    })
    return {"call": str(application.call), "sections": sections}
