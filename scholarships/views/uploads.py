"""The application's documents, referees and submit steps, the download of a
document, and the referee's private upload page (no account).

Each view finds the application through the selectors (404 for anyone who
may not see it), lets a form validate and hands the writing to
scholarships.services."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from common import formats
from privatemedia.files import stream_private_file

from .. import access, selectors, services, steps
from ..eligibility import eligibility_problems
from ..forms.uploads import DocumentUploadForm, LetterUploadForm, RefereeForm
from ..models import ApplicationDocument, DocumentKind, Referee
from ..pdf import typed_letter_pdf
from .session import keeps_typed_data, typed_data

BRUSSELS = ZoneInfo("Europe/Brussels")

MSG_DOCUMENT_SAVED = _("“%(document)s” was uploaded.")
MSG_DOCUMENT_UNKNOWN = _("This call does not ask for that document. Choose the file again "
                         "under the document it is.")
MSG_REFEREE_NAMED = _("%(name)s was named as a referee and will receive an e-mail with a "
                      "private link to upload their letter.")
MSG_REFEREE_REPLACED_BY = _("%(old)s was replaced by %(new)s, who will receive an e-mail with "
                            "a private link to upload their letter.")
MSG_SUBMITTED = _("Your application was submitted. Its reference is %(reference)s. A "
                  "confirmation with a summary is on its way to your e-mail.")
MSG_ALREADY_SUBMITTED = _("This application was already submitted, with the reference "
                          "%(reference)s.")
MSG_CALL_HAS_CLOSED = _("This call closed on %(closed)s (Brussels time): applications can no "
                        "longer be submitted.")
MSG_LETTER_THANKS = _("Thank you: your letter was received. You can close this page.")

# What the referee's page answers for each reason the link does not work:
# a link that never existed is "not found"; one that worked but no longer
# does is "gone"; a letter already received is simply said again.
LINK_STATUS = {"invalid": 404, "expired": 410, "replaced": 410, "used": 200}


def _deadline_text(call) -> str:
    return formats.moment(call.closes_at, BRUSSELS)


def _page(request, application, current_step: str, template: str, context: dict, status=200):
    context = {
        "application": application,
        "progress": selectors.application_progress(application),
        "current_step": current_step,
        **context,
    }
    return render(request, template, context, status=status)


# --- documents --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def documents_step(request, pk):
    """One upload form per document the call asks for; a new upload replaces
    the earlier file. Read-only once submitted."""
    application = selectors.application_for_applicant(request.user, pk)
    # In the order the kinds are declared: identity first, as on paper forms.
    required = sorted((d.kind for d in application.call.required_documents.all()),
                      key=DocumentKind.values.index)
    uploaded = {d.kind: d for d in application.documents.all()}

    posted_kind = None
    if request.method == "POST":
        if not application.is_editable:
            messages.error(request, services.MSG_NOT_EDITABLE)
            return redirect("scholarships:documents_step", pk=application.pk)
        posted_kind = request.POST.get("kind")
        if posted_kind not in required:
            messages.error(request, MSG_DOCUMENT_UNKNOWN)
            return redirect("scholarships:documents_step", pk=application.pk)

    rows = []
    for kind in required:
        label = DocumentKind(kind).label
        if kind == posted_kind:
            form = DocumentUploadForm(request.POST, request.FILES, prefix=kind, kind_label=label)
        else:
            form = DocumentUploadForm(prefix=kind, kind_label=label)
        rows.append({"kind": kind, "label": label, "document": uploaded.get(kind),
                     "form": form if application.is_editable else None})
        if kind == posted_kind and form.is_valid():
            try:
                services.application_document_upload(
                    actor=request.user, application=application, kind=kind,
                    upload=form.cleaned_data["file"], content_type=form.content_type,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_DOCUMENT_SAVED % {"document": label})
                return redirect("scholarships:documents_step", pk=application.pk)
    # Files uploaded for a document the call no longer asks for stay visible.
    others = [doc for kind, doc in uploaded.items() if kind not in required]
    return _page(request, application, "documents", "scholarships/uploads/documents.html", {
        "rows": rows, "others": others,
    })


@login_required
def document_download(request, pk, doc):
    """The applicant who uploaded it, or staff who may see the application;
    anyone else gets the same 404 as for a document that does not exist."""
    document = (ApplicationDocument.objects
                .select_related("application__applicant")
                .filter(pk=doc, application_id=pk).first())
    if document is None or not access.may_see_application(request.user, document.application):
        raise Http404
    application = document.application
    name = application.reference or f"application-{application.pk}"
    return stream_private_file(document.file, content_type=document.content_type,
                               download_name=f"{name}-{document.kind}")


# --- referees ---------------------------------------------------------------------------


def _referee_form(request, prefix: str, *, data, application, active, replacing=None):
    person = application.applicant
    return RefereeForm(
        data,
        prefix=prefix,
        initial={"language": translation.get_language()},
        own_emails=[person.email, request.user.email],
        other_emails=[r.email for r in active if r is not replacing],
    )


def _as_add_data(post, prefix: str):
    """A replace form posted for a referee who is no longer named (replaced in
    another tab meanwhile): the same data as an add form, so nothing typed is lost."""
    data = post.copy()
    for name in RefereeForm.base_fields:
        data[f"add-{name}"] = post.get(f"{prefix}-{name}", "")
    return data


@keeps_typed_data
@require_http_methods(["GET", "POST"])
def referees_step(request, pk):
    """The applicant names two referees and sees whether each letter arrived,
    never the letter itself; a referee who does not answer can be replaced."""
    application = selectors.application_for_applicant(request.user, pk)
    referees = application.all_referees
    active = [r for r in referees if r.is_active]
    changeable = application.state in services.REFEREE_CHANGEABLE
    # A POST, or what was typed before the session expired (shown, not saved).
    posted = request.POST if request.method == "POST" else typed_data(request)
    action = posted.get("action", "") if posted else ""

    replacing = next((r for r in active if action == f"replace-{r.pk}"), None)
    stale_replace = action.startswith("replace-") and replacing is None
    add_data = _as_add_data(posted, action) if stale_replace else posted
    add_form = _referee_form(request, "add",
                             data=add_data if action == "add" or stale_replace else None,
                             application=application, active=active)
    replace_forms = {
        r.pk: _referee_form(request, f"replace-{r.pk}", data=posted if r is replacing else None,
                            application=application, active=active, replacing=r)
        for r in active
    }

    if request.method == "POST":
        if not changeable:
            messages.error(request, services.MSG_REFEREE_NOT_CHANGEABLE)
            return redirect("scholarships:referees_step", pk=application.pk)
        form = replace_forms[replacing.pk] if replacing else add_form
        if form.is_bound and form.is_valid():
            try:
                referee = services.referee_add(
                    actor=request.user, application=application, replaces=replacing,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if replacing:
                    messages.success(request, MSG_REFEREE_REPLACED_BY % {
                        "old": replacing.name, "new": referee.name})
                else:
                    messages.success(request, MSG_REFEREE_NAMED % {"name": referee.name})
                return redirect("scholarships:referees_step", pk=application.pk)

    return _page(request, application, "referees", "scholarships/uploads/referees.html", {
        "active": [{"referee": r, "form": replace_forms[r.pk], "action": f"replace-{r.pk}",
                    "anchor": f"referee-{r.pk}"} for r in active],
        "replaced": [r for r in referees if not r.is_active],
        "add_form": add_form,
        "show_add_form": changeable and (len(active) < services.REFEREES_PER_APPLICATION
                                         or add_form.is_bound),
        "changeable": changeable,
        "referees_needed": services.REFEREES_PER_APPLICATION,
        "too_many_message": services.MSG_TOO_MANY_REFEREES,
    })


def referee_letter_response(letter: Referee, *, download_name: str):
    """The letter as staff and reviewers download it: the file the referee
    uploaded, or a PDF of the letter they typed in."""
    if letter.letter:
        return stream_private_file(letter.letter, content_type=letter.letter_content_type,
                                   download_name=download_name)
    if not letter.letter_text:
        raise Http404
    response = HttpResponse(typed_letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{download_name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the referee's page -----------------------------------------------------------------


def _referee_language(request, token: str) -> str:
    """The referee's language, unless the visitor chose one with the language
    switcher (which leaves its cookie). Read from the signed token even when
    the link no longer works, so the refusal is in their language too."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return translation.get_language()
    try:
        data = signing.loads(token, salt=services.REFEREE_SALT)
    except signing.BadSignature:
        return translation.get_language()
    language = (Referee.objects.filter(pk=data.get("r"))
                .values_list("language", flat=True).first())
    return language or translation.get_language()


def _link_problem(request, error: ValidationError):
    code = error.code if error.code in LINK_STATUS else "invalid"
    return render(request, "scholarships/uploads/referee_link.html", {
        "message": error.messages[0], "code": code,
    }, status=LINK_STATUS[code])


def _referee_page(request, token: str):
    try:
        referee = services.referee_from_token(token)
    except ValidationError as error:
        return _link_problem(request, error)
    application = referee.application
    if request.method == "POST":
        form = LetterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.referee_letter_upload(referee=referee, upload=form.cleaned_data["file"],
                                               content_type=form.content_type,
                                               text=form.cleaned_data["text"])
            except ValidationError as error:
                return _link_problem(request, error)
            return render(request, "scholarships/uploads/referee_thanks.html", {
                "referee": referee, "message": MSG_LETTER_THANKS,
            })
    else:
        form = LetterUploadForm()
    # The applicant's name and the call, nothing of the application itself.
    return render(request, "scholarships/uploads/referee_upload.html", {
        "referee": referee, "applicant_name": application.applicant.full_name,
        "call_title": application.call.title, "form": form,
    })


@require_http_methods(["GET", "POST"])
def referee_upload(request, token):
    """No account: the signed link is the key. It works once and expires."""
    language = _referee_language(request, token)
    with translation.override(language):
        response = _referee_page(request, token)
    response.headers["Content-Language"] = language
    # The link is a key: keep it out of other sites' logs, caches and indexes.
    # "same-origin", not "no-referrer": with no-referrer Chromium posts the
    # letter form with "Origin: null", which Django's CSRF check refuses.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- review and submit --------------------------------------------------------------------


def _missing_with_links(application) -> list[dict]:
    """steps.missing_items, each sentence with the address of the step that
    fixes it. The sentences come in the order missing_items builds them: the
    saved steps, then each document, then the referees."""
    items = steps.missing_items(application)
    required = [d.kind for d in application.call.required_documents.all()]
    uploaded = {d.kind for d in application.documents.all()}
    active = sum(1 for r in application.all_referees if r.is_active)
    slugs = [slug for slug in steps.SAVED_STEPS if slug not in application.steps_done]
    slugs += ["documents" for kind in required if kind not in uploaded]
    if active < services.REFEREES_PER_APPLICATION:
        slugs.append("referees")
    if len(slugs) != len(items):
        return [{"text": text, "url": ""} for text in items]
    return [{"text": text, "url": selectors.step_url(application, slug)}
            for text, slug in zip(items, slugs, strict=True)]


def _submit_page(request, application, error: str = ""):
    call = application.call
    now = timezone.now()
    context = {"error": error, "closes_at": call.closes_at, "brussels": BRUSSELS}
    if application.is_editable:
        missing = _missing_with_links(application)
        problems = eligibility_problems(application)
        context.update({
            "missing": missing,
            "problems": problems,
            "summary": steps.summary(application),
            "call_open": call.is_open(now),
            "call_not_yet_open": now < call.opens_at,
            "closed_message": MSG_CALL_HAS_CLOSED % {"closed": _deadline_text(call)},
            "not_open_message": services.MSG_CALL_NOT_OPEN,
            "can_submit": call.is_open(now) and not missing and not problems,
        })
    else:
        context["summary"] = steps.shown_summary(application)
    return _page(request, application, "submit", "scholarships/uploads/submit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def submit_step(request, pk):
    """What is missing, what would make the application ineligible, and the
    summary, before the Submit button. The service decides at the moment of the
    POST: a page opened before the deadline and posted after it is refused."""
    application = selectors.application_for_applicant(request.user, pk)
    if request.method == "POST":
        if not application.is_editable:
            # A second tab or a double click after the first one went through.
            if application.reference:
                messages.info(request, MSG_ALREADY_SUBMITTED % {
                    "reference": application.reference})
            else:
                messages.error(request, services.MSG_NOT_EDITABLE)
            return redirect("scholarships:application_detail", pk=application.pk)
        try:
            # Judged by the moment the request arrived (common/receipt.py), not
            # by when a worker got to it in a rush.
            application = services.application_submit(
                actor=request.user, application=application,
                now=getattr(request, "received_at", None))
        except ValidationError as error:
            # The draft is kept as it was; say why on the same page.
            application = selectors.application_for_applicant(request.user, pk)
            return _submit_page(request, application, error=error.messages[0])
        messages.success(request, MSG_SUBMITTED % {"reference": application.reference})
        return redirect("scholarships:application_detail", pk=application.pk)
    return _submit_page(request, application)
