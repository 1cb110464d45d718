"""The ranking table's rows, written in Python.

A ranking page shows 100 applications; drawn by the template language each
row cost about 180 microseconds (a per-row include, the decision options
looped for every row, a dozen variable lookups): half of the page's CPU.
Here what does not change from row to row (translations, badges, the decimal
separator) is prepared once a page, and each row is one string with every
value escaped (html.escape, what django.utils.html.escape does, without the
per-call lazy-string checks of format_html). The markup is the one
templates/scholarships/staff/ranking.html had; the ranking view tests check
what a user sees (links, duplicate warnings, decision selects, numbers
written the language's way).
"""

from html import escape as _escape

from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

DASH = "—"


def esc(value) -> str:
    """The value as text, HTML-escaped (django.utils.html.escape's output)."""
    return _escape(str(value))


def duplicates_html(duplicates) -> str:
    """templates/scholarships/staff/_duplicates.html, for one row."""
    if not duplicates:
        return ""
    also, none = gettext("also applied as"), gettext("no other application this academic year")
    lines = []
    for warning in duplicates:
        head = gettext("Possible duplicate: %(person)s (%(why)s)") % {
            "person": warning.reference, "why": warning.why}
        if warning.applications:
            tail = f"{esc(also)} " + ", ".join(
                f"{esc(reference)} ({esc(state)})" for reference, state in warning.applications)
        else:
            tail = esc(none)
        lines.append(f"<div>{esc(head)} — {tail}</div>")
    return ('<div class="alert alert-warning small py-1 px-2 mb-1 duplicate-warning" '
            f'role="note">\n{"".join(lines)}\n</div>')


class _Page:
    """What every row of a page shares: translated labels, the decimal
    separator, the decision options."""

    def __init__(self, decision_choices):
        self.third = ('<span class="badge text-bg-warning">'
                      f'{esc(gettext("Third review needed"))}</span>')
        self.disagree = ('<span class="badge text-bg-info">'
                         f'{esc(gettext("Reviewers disagree"))}</span>')
        self.needs = ('<span class="badge text-bg-secondary">'
                      f'{esc(gettext("Needs reviewers"))}</span>')
        self.no_decision = esc(gettext("No decision yet"))
        self.choices = [(esc(value), esc(label)) for value, label in decision_choices]
        self.separator = str(get_format("DECIMAL_SEPARATOR"))

    def number(self, value) -> str:
        """A Decimal written as the language writes it (as localize does
        without thousand separators)."""
        return esc(str(value).replace(".", self.separator))

    def reviews(self, summary) -> str:
        badge = (self.third if summary.needs_third_review
                 else self.disagree if summary.high_spread else "")
        needs = self.needs if summary.live < summary.needed else ""
        return (f'<td class="small">{summary.submitted}/{summary.needed}\n'
                f"        {badge}\n        {needs}</td>")

    def decision(self, row) -> str:
        if not row["decidable"]:
            return "<td></td>"
        application, chosen = row["application"], row["decision"]
        pk = application.pk
        options = "".join(
            f'<option value="{value}"{" selected" if chosen == value else ""}>{label}</option>'
            for value, label in self.choices)
        error = (f'<div class="small text-danger">{esc(row["error"])}</div>'
                 if row["error"] else "")
        label = gettext("Decision on %(reference)s") % {"reference": application.reference}
        return (f'<td>\n        <input type="hidden" name="seen-{pk}" '
                f'value="{esc(application.state)}">\n'
                f'        <label class="visually-hidden" for="decision-{pk}">{esc(label)}</label>\n'
                f'        <select class="form-select form-select-sm" name="decision-{pk}" '
                f'id="decision-{pk}" data-decision data-sex="{esc(row["sex"])}" '
                f'data-country="{esc(row["country"])}">\n'
                f'          <option value="">{self.no_decision}</option>\n'
                f"          {options}\n        </select>\n        {error}\n      </td>")


def rows_html(rows, *, staff_base: str, with_decisions: bool, decision_choices,
              empty: str) -> SafeString:
    """The <tr> of each row (a page of the ranking), or the empty row."""
    if not rows:
        return format_html('<tr><td colspan="9">{}</td></tr>', empty)
    page = _Page(decision_choices)
    base = esc(staff_base)
    out = []
    for row in rows:
        application, person, summary = row["application"], row["person"], row["summary"]
        score = page.number(summary.score) if summary.score else DASH
        spread = DASH if summary.spread is None else page.number(summary.spread)
        decision = page.decision(row) if with_decisions else ""
        out.append(
            f"<tr>\n      <td>{row['rank']}</td>\n"
            f'      <td><a href="{base}{application.pk}/">{esc(application.reference)}</a>'
            f'<br><span class="small">{esc(person.given_names)} {esc(person.family_name)}'
            f"</span>{duplicates_html(row['duplicates'])}</td>\n"
            f"      <td>{esc(row['sex_label'])}</td>\n"
            f"      <td>{esc(row['country'] or DASH)}</td>\n"
            f'      <td class="text-end">{score}</td>\n'
            f'      <td class="text-end">{spread}</td>\n      {page.reviews(summary)}\n'
            f"      <td>{esc(row['state_label'])}</td>\n      {decision}\n    </tr>")
    # Every value above went through esc(); the rest is this module's markup.
    return mark_safe("\n".join(out))  # noqa: S308
