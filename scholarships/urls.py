from django.urls import path

from .views import portal, public, staff, uploads

app_name = "scholarships"
urlpatterns = [
    # Public: open calls and who can apply.
    path("calls/", public.call_list, name="call_list"),
    path("calls/<slug:slug>/", public.call_detail, name="call_detail"),
    path("calls/<slug:slug>/apply/", portal.application_start, name="application_start"),
    # The applicant's portal.
    path("portal/", portal.my_applications, name="my_applications"),
    path("portal/applications/<int:pk>/", portal.application_detail,
         name="application_detail"),
    path("portal/applications/<int:pk>/steps/<slug:step>/", portal.application_step,
         name="application_step"),
    path("portal/applications/<int:pk>/documents/", uploads.documents_step,
         name="documents_step"),
    path("portal/applications/<int:pk>/documents/<int:doc>/", uploads.document_download,
         name="document_download"),
    path("portal/applications/<int:pk>/referees/", uploads.referees_step,
         name="referees_step"),
    path("portal/applications/<int:pk>/submit/", uploads.submit_step, name="submit_step"),
    path("portal/applications/<int:pk>/withdraw/", portal.application_withdraw,
         name="application_withdraw"),
    # Referees, without an account.
    path("reference/<str:token>/", uploads.referee_upload, name="referee_upload"),
    # Staff.
    path("", staff.admin_home, name="admin_home"),
    path("reviews/", staff.reviewer_home, name="reviewer_home"),
    path("applications/", staff.application_list, name="application_list"),
    path("applications/<int:pk>/", staff.application_view, name="application_view"),
    path("applications/<int:pk>/referees/<int:referee>/letter/",
         staff.referee_letter_download, name="referee_letter_download"),
]
