from django.contrib import admin

from .models import DuplicateCandidate, Organisation

admin.site.register(DuplicateCandidate)
admin.site.register(Organisation)
