from django.urls import path

from .views import awards, followup, portal, public, review, selection, staff, uploads

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
    path("portal/applications/<int:pk>/summary.pdf", portal.application_summary_pdf,
         name="application_summary_pdf"),
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
    path("portal/applications/<int:pk>/offers/<int:offer>/accept/", awards.offer_accept,
         name="offer_accept"),
    path("portal/applications/<int:pk>/offers/<int:offer>/decline/", awards.offer_decline,
         name="offer_decline"),
    # The award letter (the referees' letters have no address in the portal).
    path("portal/applications/<int:pk>/offers/<int:offer>/award.pdf",
         awards.applicant_letter_download, name="offer_award_pdf"),
    # Referees, without an account.
    path("reference/<str:token>/", uploads.referee_upload, name="referee_upload"),
    # Staff.
    path("", staff.admin_home, name="admin_home"),
    path("applications/", staff.application_list, name="application_list"),
    path("applications/<int:pk>/", staff.application_view, name="application_view"),
    path("applications/<int:pk>/referees/<int:referee>/letter/",
         staff.referee_letter_download, name="referee_letter_download"),
    path("applications/<int:pk>/move/", staff.application_move, name="application_move"),
    path("applications/<int:pk>/reviewers/", review.reviewers_assign, name="reviewers_assign"),
    path("applications/<int:pk>/offer/", awards.offer_make, name="offer_make"),
    path("applications/<int:pk>/offers/<int:offer>/letter/", awards.staff_letter_download,
         name="staff_offer_letter"),
    path("applications/<int:pk>/follow-up/", followup.follow_up, name="follow_up"),
    path("ranking/<int:call>/", selection.ranking, name="ranking"),
    path("meetings/<int:pk>/", selection.meeting_detail, name="meeting_detail"),
    path("scholars/", followup.scholar_list, name="scholar_list"),
    # Reviewers.
    path("reviews/", review.reviewer_home, name="reviewer_home"),
    path("reviews/<int:pk>/", review.review_detail, name="review_detail"),
    path("reviews/<int:pk>/documents/<int:doc>/", review.reviewer_document_download,
         name="reviewer_document"),
    path("reviews/<int:pk>/letters/<int:referee>/", review.reviewer_letter_download,
         name="reviewer_letter"),
]

# The report (scholarships/reports/): figures per academic year and call.
from .reports import views as report_views  # noqa: E402

urlpatterns += [
    path("report/", report_views.report_page, name="report"),
    path("report/export.<str:fmt>", report_views.report_export, name="report_export"),
]

# The staff list's export (scholarships/reports/list_exports.py), with its filters.
from .reports import list_exports  # noqa: E402

urlpatterns += [
    path("applications/export.<str:fmt>", list_exports.application_list_export,
         name="application_list_export"),
]
