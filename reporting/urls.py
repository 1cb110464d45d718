from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("yearly/", views.yearly_report, name="yearly"),
    path("exports/", views.job_list, name="jobs"),
    path("exports/new/", views.job_request, name="job_request"),
    path("exports/<int:pk>/", views.job_detail, name="job"),
    path("exports/<int:pk>/status/", views.job_status, name="job_status"),
    path("exports/<int:pk>/download/", views.job_download, name="job_download"),
    path("bulk/<int:pk>/", views.bulk_job_detail, name="bulk_job"),
    path("bulk/<int:pk>/status/", views.bulk_job_status, name="bulk_job_status"),
]
