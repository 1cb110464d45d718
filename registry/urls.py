from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_index, name="person_list"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("changes/", views.changes, name="changes"),
]
