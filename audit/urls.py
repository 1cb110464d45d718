from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.console, name="console"),
    path("persons/<int:pk>/", views.person, name="person"),
]
