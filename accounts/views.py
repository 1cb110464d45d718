from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from registry.forms import ProfileForm
from registry.services import person_update

from .roles import start_page


@login_required
def home(request):
    """Each role starts on its own page."""
    return redirect(start_page(request.user))


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # Speak the user's language from the first page on.
        person = getattr(form.get_user(), "person", None)
        if person and person.preferred_language:
            translation.activate(person.preferred_language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, person.preferred_language, samesite="Lax",
                secure=self.request.is_secure(),
            )
        return response


@login_required
def profile(request):
    person = getattr(request.user, "person", None)
    if person is None:
        return render(request, "accounts/profile.html", {"person": None})
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=person)
        if form.is_valid():
            person_update(actor=request.user, person=form.instance)
            messages.success(request, _("Your details were saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=person)
    return render(request, "accounts/profile.html", {"person": person, "form": form})
