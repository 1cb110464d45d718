"""Uploaded files are personal data: random names, checked by content, stored
outside any public URL, and streamed only by a view that has checked access."""

import secrets
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# What applicants and caseworkers upload: scans and letters.
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}

MSG_WRONG_TYPE = _("This file is not a PDF, JPEG or PNG document. Upload a scan in one of those "
                   "formats.")
MSG_TOO_LARGE = _("This file is %(size)s; the largest accepted is %(limit)s.")
MSG_EMPTY = _("This file is empty.")


@deconstructible
class RandomName:
    """upload_to callable: a random name under a folder; the original name is
    never used, so nothing about the person leaks through the file system."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return str(PurePosixPath(self.folder) / f"{secrets.token_urlsafe(24)}")

    def __eq__(self, other):
        return isinstance(other, RandomName) and other.folder == self.folder


def sniff_content_type(uploaded) -> str | None:
    """The MIME type the bytes say, whatever the file name says."""
    pos = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(2048)
    uploaded.seek(pos)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def validate_document_upload(uploaded) -> str:
    """Raise ValidationError unless the upload is a PDF/JPEG/PNG within the size
    limit; return its content type as read from the bytes."""
    limit = settings.UPLOAD_MAX_BYTES
    if uploaded.size == 0:
        raise ValidationError(MSG_EMPTY, code="empty")
    if uploaded.size > limit:
        raise ValidationError(
            MSG_TOO_LARGE,
            code="too_large",
            params={"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
        )
    content_type = sniff_content_type(uploaded)
    if content_type not in DOCUMENT_TYPES:
        raise ValidationError(MSG_WRONG_TYPE, code="wrong_type")
    return content_type


def stream_private_file(fieldfile, *, content_type: str,
                        download_name: str) -> FileResponse | HttpResponse:
    """Send a stored private file. The caller has already checked access.

    PRIVATE_MEDIA_SERVE "django" (the default) streams the bytes from Python;
    "nginx" or "xsendfile" answers an empty response whose X-Accel-Redirect /
    X-Sendfile header tells the web server which file to send (django-sendfile2).
    """
    if not fieldfile:
        raise Http404
    if settings.PRIVATE_MEDIA_SERVE in ("nginx", "xsendfile"):
        return _offload(fieldfile, content_type=content_type, download_name=download_name)
    try:
        handle = fieldfile.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    extension = DOCUMENT_TYPES.get(content_type, "bin")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{download_name}.{extension}",
        content_type=content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _offload(fieldfile, *, content_type: str, download_name: str) -> HttpResponse:
    """The web server sends the file. django-sendfile2 turns the path into the
    internal URL (SENDFILE_URL + the path under SENDFILE_ROOT), refuses a path
    outside that root and answers 404 for a file that is not there."""
    from django_sendfile import sendfile

    extension = DOCUMENT_TYPES.get(content_type, "bin")
    response = sendfile(
        None,  # the nginx and xsendfile backends never read the request
        fieldfile.path,
        attachment=True,
        attachment_filename=f"{download_name}.{extension}",
        mimetype=content_type or "application/octet-stream",
        # The body Django sends is empty; the web server sets the file's length.
        content_length=0,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
