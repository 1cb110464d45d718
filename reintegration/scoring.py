"""The reintegration sustainability score, computed from the weights and the
answer scores of the survey version a response used.

Each answer scores between 0 and 1. A dimension's score is the weighted mean
of its questions' answer scores; the composite is the weighted mean over all
the questions, so every score lies between 0 and 1 whatever the weights."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from .models import Dimension

FOUR_PLACES = Decimal("0.0001")


def _mean(pairs: list[tuple[Decimal, Decimal]]) -> Decimal:
    total_weight = sum((weight for weight, _score in pairs), Decimal("0"))
    if not total_weight:
        return Decimal("0")
    value = sum((weight * score for weight, score in pairs), Decimal("0")) / total_weight
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def survey_scores(answers: Iterable[tuple[str, Decimal, Decimal]]) -> dict[str, Decimal]:
    """`answers`: (dimension, question weight, answer score) for each question.
    Returns the score of each dimension and the composite, in 0..1."""
    answers = list(answers)
    scores = {
        dimension: _mean([(w, s) for d, w, s in answers if d == dimension])
        for dimension in Dimension.values
    }
    scores["composite"] = _mean([(w, s) for _d, w, s in answers])
    return scores
