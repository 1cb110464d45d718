from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views
from ops.health import HealthView

admin.site.site_header = _("Casework administration")
admin.site.site_title = _("Casework")

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(),
         name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("accounts/password-change/", auth_views.PasswordChangeView.as_view(),
         name="password_change"),
    path("accounts/password-change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("accounts/", include("accounts.urls")),
    path("privacy/", account_views.privacy_notice, name="privacy_notice"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("registry/", include("registry.urls")),
    path("scholarships/", include("scholarships.urls")),
    path("cases/", include("reintegration.urls")),
    path("audit/", include("audit.urls")),
    path("reports/", include("reporting.urls")),
    path("admin/", admin.site.urls),
    # No login, no data: "ok"/"failing" per check (ops/health.py, docs/production.md).
    path("health/", HealthView.as_view(), name="health"),
    path("health/web/", HealthView.as_view(only=("database", "cache")), name="health_web"),
]
