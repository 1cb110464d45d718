#!/usr/bin/env python3
"""Merge locale/pending/*.json (msgid -> French and Dutch) into the fr and nl
catalogs after `make messages` has collected the new msgids. Entries already
translated are left alone unless they are fuzzy or empty. Prints what stays
untranslated."""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    pending = {}
    for path in sorted((ROOT / "locale" / "pending").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            pending[(item.get("msgctxt"), item["msgid"])] = item
    missing = 0
    for language in ("fr", "nl"):
        po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        catalog = polib.pofile(str(po_path))
        changed = False
        for entry in catalog:
            if entry.obsolete:
                continue
            item = pending.get((entry.msgctxt, entry.msgid))
            done = entry.translated() and not entry.fuzzy
            if item and not done and item.get(language):
                value = item[language]
                if entry.msgid_plural:
                    values = value if isinstance(value, list) else [value, value]
                    entry.msgstr_plural = {i: values[min(i, len(values) - 1)]
                                           for i in range(max(2, len(entry.msgstr_plural)))}
                else:
                    entry.msgstr = value if isinstance(value, str) else value[0]
                if entry.fuzzy:
                    entry.flags.remove("fuzzy")
                entry.previous_msgid = None
                entry.previous_msgid_plural = None
                entry.previous_msgctxt = None
                done = True
                changed = True
            if not done:
                missing += 1
                print(f"{language}: untranslated: {entry.msgid[:90]!r}")
        if changed:
            # polib wraps lines its own way: `make messages` afterwards puts
            # them back in gettext's.
            catalog.save(str(po_path))
    print(f"{missing} entries still untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
