from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/resend/", views.signup_resend, name="signup_resend"),
    path("confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
]
