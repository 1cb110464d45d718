import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.template.defaultfilters import filesizeformat

from privatemedia.files import (
    MSG_EMPTY,
    MSG_TOO_LARGE,
    MSG_WRONG_TYPE,
    RandomName,
    stream_private_file,
    validate_document_upload,
)

# --- real, minimal files ------------------------------------------------------------
# Built byte by byte so the tests need no imaging library; each one opens in an
# ordinary viewer, and `filetype` recognises it by its leading magic bytes
# (%PDF; FF D8 FF; 89 'PNG').

def minimal_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def minimal_png() -> bytes:
    """A 1x1 white pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte + one RGB pixel
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def minimal_jpeg() -> bytes:
    """An 8x8 mid-grey baseline JPEG: one block whose coefficients are all zero."""

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quant = b"\x00" + b"\x01" * 64  # table 0, 8-bit, all ones
    frame = struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00"  # 1 component, table 0
    # One Huffman code of length 1 in each table: DC category 0, AC end-of-block.
    dc_table = b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"
    ac_table = b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00"
    scan = b"\x01\x01\x00\x00\x3f\x00"  # component 1 uses DC 0 / AC 0
    entropy = b"\x3f"  # bits 0 (DC diff 0), 0 (EOB), padded with ones
    return (b"\xff\xd8" + segment(0xE0, jfif) + segment(0xDB, quant) + segment(0xC0, frame)
            + segment(0xC4, dc_table) + segment(0xC4, ac_table) + segment(0xDA, scan)
            + entropy + b"\xff\xd9")


# --- validate_document_upload ----------------------------------------------------

@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("scan.pdf", minimal_pdf(), "application/pdf"),
    ("photo.jpg", minimal_jpeg(), "image/jpeg"),
    ("photo.png", minimal_png(), "image/png"),
])
def test_pdf_jpeg_and_png_uploads_are_accepted_with_the_type_their_bytes_say(
    name, content, content_type
):
    # The declared type is wrong on purpose: only the bytes count.
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    assert validate_document_upload(upload) == content_type


def test_type_is_read_from_the_bytes_whatever_the_file_is_called():
    upload = SimpleUploadedFile("scan.pdf.exe", minimal_png())
    assert validate_document_upload(upload) == "image/png"


def test_validation_leaves_the_upload_readable_from_where_it_was():
    upload = SimpleUploadedFile("scan.pdf", minimal_pdf())
    validate_document_upload(upload)
    assert upload.tell() == 0
    assert upload.read() == minimal_pdf()


def test_text_file_named_pdf_is_rejected_as_wrong_type():
    upload = SimpleUploadedFile("passport.pdf", b"Name: Aminata Diallo\nPassport: A1234567\n",
                                content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        validate_document_upload(upload)
    assert excinfo.value.code == "wrong_type"
    assert excinfo.value.messages == [str(MSG_WRONG_TYPE)]


def test_empty_file_is_rejected_as_empty():
    upload = SimpleUploadedFile("scan.pdf", b"")
    with pytest.raises(ValidationError) as excinfo:
        validate_document_upload(upload)
    assert excinfo.value.code == "empty"
    assert excinfo.value.messages == [str(MSG_EMPTY)]


def test_file_over_the_upload_limit_is_rejected_with_both_sizes(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    upload = SimpleUploadedFile("scan.pdf", minimal_pdf() + b"\n%" + b"x" * 2048)
    with pytest.raises(ValidationError) as excinfo:
        validate_document_upload(upload)
    assert excinfo.value.code == "too_large"
    assert excinfo.value.message == MSG_TOO_LARGE
    assert excinfo.value.messages == [
        str(MSG_TOO_LARGE) % {"size": filesizeformat(upload.size), "limit": filesizeformat(1024)}
    ]


def test_file_exactly_at_the_upload_limit_is_accepted(settings):
    content = minimal_pdf()
    settings.UPLOAD_MAX_BYTES = len(content)
    assert validate_document_upload(SimpleUploadedFile("scan.pdf", content)) == "application/pdf"


# --- RandomName ---------------------------------------------------------------------

def test_random_name_never_contains_the_original_file_name():
    upload_to = RandomName("identity-documents")
    original = "Aminata_Diallo_passport_A1234567.pdf"
    names = {upload_to(None, original) for _ in range(50)}
    assert len(names) == 50
    for name in names:
        # A random token only: no extension, no part of the name. (Short parts
        # such as "pdf" are not checked: a random token may contain them.)
        assert re.fullmatch(r"identity-documents/[A-Za-z0-9_-]{32}", name), name
        for part in ("Aminata_Diallo", "passport", "A1234567"):
            assert part not in name


def test_random_name_equals_another_for_the_same_folder_so_migrations_stay_stable():
    assert RandomName("scans") == RandomName("scans")
    assert RandomName("scans") != RandomName("letters")
    assert RandomName("scans").deconstruct()[2] == {}
    assert RandomName("scans").deconstruct()[1] == ("scans",)


# --- stream_private_file --------------------------------------------------------------

@pytest.fixture
def private_file(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    field = models.FileField(storage=storage)
    field.name = "scan"
    name = storage.save("identity-documents/Xq3t", ContentFile(minimal_pdf()))

    def make(stored_name=name):
        return FieldFile(instance=None, field=field, name=stored_name)

    return make


def test_private_file_is_streamed_as_an_attachment_that_is_never_cached_or_sniffed(
    private_file
):
    response = stream_private_file(private_file(), content_type="application/pdf",
                                   download_name="passport-DOC-42")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="passport-DOC-42.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == minimal_pdf()


def test_private_file_of_unknown_type_is_sent_as_octet_stream_bin(private_file):
    response = stream_private_file(private_file(), content_type="",
                                   download_name="letter")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="letter.bin"'
    response.file_to_stream.close()  # response.close() would signal request_finished


def test_missing_or_absent_private_file_is_not_found(private_file):
    with pytest.raises(Http404):
        stream_private_file(private_file("identity-documents/gone"),
                            content_type="application/pdf", download_name="x")
    with pytest.raises(Http404):
        stream_private_file(private_file(""), content_type="application/pdf",
                            download_name="x")


# --- PRIVATE_MEDIA_SERVE = "nginx": the web server sends the bytes ---------------------

@pytest.fixture
def served_by(settings, private_file, tmp_path):
    """Switch how private files leave; django-sendfile2 keeps its backend
    once loaded, so it is forgotten before and after."""
    from django_sendfile.utils import _get_sendfile

    def switch(mode, backend):
        settings.PRIVATE_MEDIA_SERVE = mode
        settings.SENDFILE_BACKEND = backend
        settings.SENDFILE_ROOT = str(tmp_path)
        settings.SENDFILE_URL = "/protected/"
        _get_sendfile.cache_clear()

    yield switch
    _get_sendfile.cache_clear()


def test_nginx_mode_answers_an_empty_response_that_names_the_internal_location(
    served_by, private_file
):
    served_by("nginx", "django_sendfile.backends.nginx")
    response = stream_private_file(private_file(), content_type="application/pdf",
                                   download_name="passport-DOC-42")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected/identity-documents/Xq3t"
    assert response.content == b""
    assert response["Content-Disposition"] == 'attachment; filename="passport-DOC-42.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_nginx_mode_unknown_type_and_missing_files(served_by, private_file):
    served_by("nginx", "django_sendfile.backends.nginx")
    response = stream_private_file(private_file(), content_type="", download_name="letter")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="letter.bin"'
    with pytest.raises(Http404):
        stream_private_file(private_file("identity-documents/gone"),
                            content_type="application/pdf", download_name="x")
    with pytest.raises(Http404):
        stream_private_file(private_file(""), content_type="application/pdf", download_name="x")


def test_xsendfile_mode_names_the_file_on_disk(served_by, private_file, tmp_path):
    served_by("xsendfile", "django_sendfile.backends.xsendfile")
    response = stream_private_file(private_file(), content_type="image/png",
                                   download_name="photo")
    assert response["X-Sendfile"] == str(tmp_path / "identity-documents" / "Xq3t")
    assert response.content == b""
    assert response["Content-Disposition"] == 'attachment; filename="photo.png"'
