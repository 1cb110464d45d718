from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import hooks, services
from .forms import LoginForm, ResendForm, SignupForm
from .roles import start_page


@login_required
def home(request):
    """Each role starts on its own page."""
    return redirect(start_page(request.user))


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        # Speak the user's language from the first page on.
        person = getattr(form.get_user(), "person", None)
        if person and person.preferred_language:
            # The cookie, not translation.activate(): activating here would leak
            # the language into whatever the thread does next.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, person.preferred_language, samesite="Lax",
                secure=self.request.is_secure(),
            )
        return response


def privacy_notice(request):
    """Public: read before signing up, and linked from every page's footer."""
    return render(request, "privacy_notice.html", {
        "version": settings.PRIVACY_NOTICE_VERSION, "dpo_email": settings.DPO_EMAIL,
    })


@login_required
def profile(request):
    person = getattr(request.user, "person", None)
    if person is None:
        return render(request, "accounts/profile.html", {"person": None})
    details = hooks.persons()
    if request.method == "POST":
        form = details.profile_form(request.POST, instance=person)
        if form.is_valid():
            details.profile_save(actor=request.user, person=form.instance)
            messages.success(request, _("Your details were saved."))
            return redirect("accounts:profile")
    else:
        form = details.profile_form(instance=person)
    return render(request, "accounts/profile.html", {"person": person, "form": form})


# --- signing up ---------------------------------------------------------------------------
# The pages answer the same whether an address has an account or not: what
# differs goes by e-mail to the address's owner.

SESSION_SIGNUP_EMAIL = "accounts.signup_email"
MSG_WELCOME = gettext_lazy("Your e-mail address is confirmed. Welcome!")


def _safe_next(request, url: str) -> str:
    """`url` if it leads to a page of this site, else an empty string."""
    url = (url or "").strip()
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure(),
    ):
        return url
    return ""


def _next_of(request) -> str:
    return _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))


def _sent_page(request, email: str, next_url: str):
    # Post/redirect/get: reloading the page does not sign up again.
    request.session[SESSION_SIGNUP_EMAIL] = email
    return redirect(services.link_with_next(reverse("accounts:signup_sent"), next_url))


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    next_url = _next_of(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.account_signup(
                email=data["email"], password=data["password1"],
                given_names=data["given_names"], family_name=data["family_name"],
                birth_date=data["birth_date"], preferred_language=data["preferred_language"],
                notice_version=form.notice_version, next_url=next_url,
            )
            return _sent_page(request, data["email"], next_url)
    else:
        form = SignupForm(initial={"email": request.GET.get("email", "")[:150]})
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@never_cache
def signup_sent(request):
    return render(request, "accounts/signup_sent.html", {
        "email": request.session.get(SESSION_SIGNUP_EMAIL, ""), "next": _next_of(request),
        "hours": int(services.signup_link_max_age().total_seconds() // 3600),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request, token):
    """Opening the link shows a button; only the POST confirms. Mail filters
    that open every link in a message (safe-link scanners) would otherwise
    use the single-use link before the person does."""
    try:
        if request.method == "GET":
            services.signup_link_check(token=token)
            return render(request, "accounts/signup_confirm.html")
        confirmation = services.account_confirm(token=token)
    except services.SignupLinkError as error:
        email, next_url = "", _next_of(request)
        if isinstance(error, services.SignupLinkExpired):
            email, token_next = services.expired_link_details(error.token)
            next_url = _safe_next(request, token_next) or next_url
        form = ResendForm(initial={"email": email, "token": error.token})
        return render(request, "accounts/signup_confirm_failed.html", {
            "message": error.message, "form": form, "next": next_url,
            "already_confirmed": isinstance(error, services.SignupAlreadyConfirmed),
        }, status=400)
    login(request, confirmation.user, backend="accounts.authcache.CachedModelBackend")
    request.session.pop(SESSION_SIGNUP_EMAIL, None)
    language = confirmation.person.preferred_language
    with translation.override(language):
        messages.success(request, str(MSG_WELCOME))
    response = redirect(_safe_next(request, confirmation.next_url) or "home")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax",
                        secure=request.is_secure())
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def signup_resend(request):
    next_url = _next_of(request)
    if request.method == "POST":
        form = ResendForm(request.POST)
        if form.is_valid():
            services.account_signup_resend(
                email=form.cleaned_data["email"], token=form.cleaned_data["token"],
                language=translation.get_language(), next_url=next_url,
            )
            return _sent_page(request, form.cleaned_data["email"], next_url)
    else:
        form = ResendForm(initial={"email": request.GET.get("email", "")[:150]})
    return render(request, "accounts/signup_resend.html", {"form": form, "next": next_url})
