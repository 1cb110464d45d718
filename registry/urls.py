from django.urls import path

from . import dpo_views, list_exports, views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_index, name="person_list"),
    path("persons/export.<str:fmt>", list_exports.person_list_export,
         name="person_list_export"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/documents/new/", views.document_create, name="document_create"),
    path("persons/<int:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("persons/<int:pk>/households/new/", views.household_create, name="household_create"),
    path("documents/<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("documents/<int:pk>/scan/", views.document_scan, name="document_scan"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("households/<int:pk>/members/new/", views.household_member_add,
         name="household_member_add"),
    path("changes/", views.changes, name="changes"),
    path("persons/<int:pk>/subject-access/", dpo_views.subject_access, name="subject_access"),
    path("persons/<int:pk>/subject-access/pdf/", dpo_views.subject_access_pdf,
         name="subject_access_pdf"),
    path("persons/<int:pk>/subject-access/json/", dpo_views.subject_access_json,
         name="subject_access_json"),
    path("retention/", dpo_views.retention_runs, name="retention"),
]
