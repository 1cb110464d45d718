"""The data an administrator starts with and then edits in the administration:
budget ceilings per household size, what each vulnerability adds, and version 1
of the reintegration sustainability survey.

The data migrations load these once; tests that start on an emptied database
(live server, threads) load them again. Each loader takes an app registry, so
a migration passes its historical one, and is idempotent."""

from decimal import Decimal

from django.utils.translation import gettext_noop

# (household size from, ceiling in euros): a single returnee, a couple, and
# families; a larger household gets the ceiling of the last row.
CEILINGS = [
    (1, Decimal("2000.00")),
    (2, Decimal("3000.00")),
    (3, Decimal("3700.00")),
    (4, Decimal("4300.00")),
    (5, Decimal("4800.00")),
]

# What each vulnerability adds to the ceiling, in euros.
TOP_UPS = {
    "medical": Decimal("1500.00"),
    "disability": Decimal("1500.00"),
    "unaccompanied_child": Decimal("1500.00"),
    "trafficking": Decimal("2000.00"),
    "single_parent": Decimal("1000.00"),
    "elderly": Decimal("800.00"),
    "psychosocial": Decimal("1000.00"),
}

# Version 1 of the survey: (dimension, weight, question, [(answer, score), ...]).
# The texts are kept in English in the database and translated when shown, so
# they are marked for the catalogs here.
SURVEY_V1_TITLE = gettext_noop("Reintegration sustainability survey")
SURVEY_V1 = [
    ("economic", Decimal("1.00"),
     gettext_noop("Does the household's income cover its basic needs?"),
     [(gettext_noop("Fully"), "1"), (gettext_noop("Mostly"), "0.67"),
      (gettext_noop("Partly"), "0.33"), (gettext_noop("Not at all"), "0")]),
    ("economic", Decimal("1.00"),
     gettext_noop("What is your main work situation?"),
     [(gettext_noop("A regular job or my own business"), "1"),
      (gettext_noop("Irregular or seasonal work"), "0.5"),
      (gettext_noop("Looking for work"), "0.2"),
      (gettext_noop("Not working and not looking for work"), "0")]),
    ("economic", Decimal("0.80"),
     gettext_noop("How do the household's debts compare with its monthly income?"),
     [(gettext_noop("No debts"), "1"), (gettext_noop("Less than one month of income"), "0.67"),
      (gettext_noop("One to three months of income"), "0.33"),
      (gettext_noop("More than three months of income"), "0")]),
    ("economic", Decimal("1.20"),
     gettext_noop("In the last month, how often did the household eat less for lack of money?"),
     [(gettext_noop("Never"), "1"), (gettext_noop("Rarely"), "0.67"),
      (gettext_noop("Sometimes"), "0.33"), (gettext_noop("Often"), "0")]),
    ("social", Decimal("1.00"),
     gettext_noop("How would you describe your housing?"),
     [(gettext_noop("Adequate, owned or rented"), "1"),
      (gettext_noop("Adequate but temporary, with family or friends"), "0.6"),
      (gettext_noop("Inadequate or overcrowded"), "0.3"),
      (gettext_noop("No stable housing"), "0")]),
    ("social", Decimal("1.00"),
     gettext_noop("Can you get health care when you need it?"),
     [(gettext_noop("Always"), "1"), (gettext_noop("Usually"), "0.67"),
      (gettext_noop("Rarely"), "0.33"), (gettext_noop("Never"), "0")]),
    ("social", Decimal("0.80"),
     gettext_noop("Do you and your household have the identity documents you need?"),
     [(gettext_noop("All of us"), "1"), (gettext_noop("Some of us"), "0.5"),
      (gettext_noop("None of us"), "0")]),
    ("social", Decimal("1.00"),
     gettext_noop("Are the school-age children of the household in school?"),
     [(gettext_noop("All of them, or there are no school-age children"), "1"),
      (gettext_noop("Some of them"), "0.5"), (gettext_noop("None of them"), "0")]),
    ("psychosocial", Decimal("1.00"),
     gettext_noop("Do you feel part of your community?"),
     [(gettext_noop("Very much"), "1"), (gettext_noop("Somewhat"), "0.67"),
      (gettext_noop("A little"), "0.33"), (gettext_noop("Not at all"), "0")]),
    ("psychosocial", Decimal("1.00"),
     gettext_noop("How safe do you feel in your daily life?"),
     [(gettext_noop("Very safe"), "1"), (gettext_noop("Fairly safe"), "0.67"),
      (gettext_noop("Somewhat unsafe"), "0.33"), (gettext_noop("Very unsafe"), "0")]),
    ("psychosocial", Decimal("1.20"),
     gettext_noop("Do you feel you have to leave the country again to make a living or be safe?"),
     [(gettext_noop("No"), "1"), (gettext_noop("Maybe"), "0.5"), (gettext_noop("Yes"), "0")]),
]


def load_ceilings(apps) -> None:
    ceiling = apps.get_model("reintegration", "BudgetCeiling")
    top_up = apps.get_model("reintegration", "VulnerabilityTopUp")
    for size, amount in CEILINGS:
        ceiling.objects.get_or_create(household_size=size, defaults={"amount": amount})
    for kind, amount in TOP_UPS.items():
        top_up.objects.get_or_create(kind=kind, defaults={"amount": amount})


def load_survey_v1(apps) -> None:
    version_model = apps.get_model("reintegration", "SurveyVersion")
    question_model = apps.get_model("reintegration", "Question")
    option_model = apps.get_model("reintegration", "AnswerOption")
    version, created = version_model.objects.get_or_create(
        number=1, defaults={"title": SURVEY_V1_TITLE, "is_active": True})
    if not created:
        return
    for order, (dimension, weight, text, options) in enumerate(SURVEY_V1, start=1):
        question = question_model.objects.create(
            version=version, dimension=dimension, weight=weight, text=text, order=order)
        option_model.objects.bulk_create([
            option_model(question=question, text=answer, score=Decimal(score), order=rank)
            for rank, (answer, score) in enumerate(options, start=1)
        ])


def load_all(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    load_ceilings(apps)
    load_survey_v1(apps)
