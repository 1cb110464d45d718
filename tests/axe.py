"""Accessibility checks of the browser tests: axe-core (package.json, installed
by `make test` into node_modules/) run in the page, WCAG 2.1 A and AA only.

Two ways in:
- every page a browser test loads is checked by itself (tests/conftest.py
  injects axe with `install_auto_check` and fails the test at its end on any
  violation), so a new browser test gets the check for free;
- `assert_accessible(page)` checks the page as it is now, e.g. after opening
  a collapsed section or showing a form's errors without a new page.

axe is added with an init script (the DevTools protocol), not a <script> tag:
the strict Content-Security-Policy refuses a tag, never an init script."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
RUN_ONLY = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Runs axe on the page (or waits for a run in progress: axe refuses two at once)
# and returns its violations, each node with its selector and axe's summary.
_RUN = """async (runOnly) => {
  if (window.__axeRunning) { try { await window.__axeRunning; } catch (e) {} }
  const run = axe.run(document, {runOnly: {type: "tag", values: runOnly},
                                 resultTypes: ["violations"]});
  window.__axeRunning = run;
  const result = await run;
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""

# After each page of the top window loads: run axe and hand the violations to
# the test's binding (tests/conftest.py).
_AUTO = """(() => {
  if (window.top !== window) { return; }
  const runOnly = %s;
  window.addEventListener("load", () => {
    setTimeout(() => {
      const check = %s;
      check(runOnly).then(
        found => window.__axeReport(location.href, found),
        () => {});
    }, 0);
  });
})();"""


@cache
def axe_source() -> str:
    if not AXE_JS.is_file():
        message = (f"axe-core not found at {AXE_JS}: run `npm ci` (or `make test`, which "
                   "installs it) to run the browser tests")
        if IN_CI:
            pytest.fail(message, pytrace=False)  # in CI a browser test never skips
        pytest.skip(message)
    return AXE_JS.read_text(encoding="utf-8")


def _ensure_axe(page) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluate, not add_script_tag: the Content-Security-Policy refuses the tag.
        page.evaluate(axe_source())


def violations(page) -> list[dict]:
    """axe's WCAG 2.1 A/AA violations on the page as it is now."""
    _ensure_axe(page)
    return page.evaluate(_RUN, RUN_ONLY)


def describe(url: str, found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{url}: {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    found = violations(page)
    if found:
        pytest.fail("Accessibility (axe-core, WCAG 2.1 A/AA) violation(s):\n"
                    + describe(page.url, found), pytrace=False)


def install_auto_check(context, report: Callable[[str, list[dict]], None]) -> None:
    """Check every page the context loads: `report(url, violations)` is called
    after each load of a top-level page."""
    import json

    context.expose_binding("__axeReport", lambda source, url, found: report(url, found))
    context.add_init_script(script=axe_source())
    context.add_init_script(script=_AUTO % (json.dumps(RUN_ONLY), _RUN))
