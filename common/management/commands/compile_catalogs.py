"""Compile the .po catalogs into .mo files without GNU gettext (polib), so a
new machine with only Python can run `make run` and `make test`."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po into .mo (pure Python)."

    def handle(self, *args, **options):
        count = 0
        for folder in settings.LOCALE_PATHS:
            for po_path in Path(folder).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                count += 1
        self.stdout.write(f"{count} catalog(s) compiled.")
