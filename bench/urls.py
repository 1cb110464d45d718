"""The benchmark's URLs: the project's, plus the baseline every page is
compared with: a bare `ModelAdmin` (no customisation at all) on the same
Application table, on an admin site of its own mounted at /bench-admin/. Only
bench/settings.py uses this module; production never serves it."""

from django.contrib import admin
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from scholarships.models import Application

stock_admin = admin.AdminSite(name="bench_stock_admin")
stock_admin.register(Application)  # a bare ModelAdmin: default everything

urlpatterns = [
    path("bench-admin/", stock_admin.urls),
    *project_urlpatterns,
]
