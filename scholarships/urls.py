from django.urls import path

from . import views

app_name = "scholarships"
urlpatterns = [
    path("", views.admin_home, name="admin_home"),
    path("reviews/", views.reviewer_home, name="reviewer_home"),
]
