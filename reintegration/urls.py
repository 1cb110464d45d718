from django.urls import path

from . import views

app_name = "reintegration"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("team/", views.team, name="team"),
]
