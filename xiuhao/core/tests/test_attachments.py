import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook
from PIL import Image

from xiuhao.core import attachments
from xiuhao.core.errors import NotFound, PermissionDenied, ValidationFailed
from xiuhao.core.models import Attachment, AuditEvent
from xiuhao.core.registry import registry
from xiuhao.org.models import Branch, Role

pytestmark = pytest.mark.django_db

BACKEND = "xiuhao.org.auth.RoleBackend"
ORIENTATION = 0x0112
GPS_INFO = 0x8825


@pytest.fixture(autouse=True)
def _private_media_and_attachments_tab(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(registry.configs["org.branch"], "attachments", True)


@pytest.fixture
def home():
    return Branch.objects.create(code="bj", name="北京")


@pytest.fixture
def other():
    return Branch.objects.create(code="sh", name="上海")


def make_user(username, *, branch, perms=("view_branch", "change_branch")):
    role = Role.objects.create(code=f"role-{username}", name=f"role {username}", data_scope="branch")
    role.permissions.set(Permission.objects.filter(content_type__app_label="org", codename__in=perms))
    user = get_user_model().objects.create_user(username=username, password="pass12345", branch=branch)
    user.roles.add(role)
    return user


@pytest.fixture
def clerk(home):
    return make_user("clerk", branch=home)


def login(client, user):
    client.force_login(user, backend=BACKEND)
    return client


def image_file(name="photo.png", fmt="PNG", size=(40, 20), mode="RGB", exif=None, **save):
    buffer = io.BytesIO()
    image = Image.new(mode, size, "red" if mode == "RGB" else None)
    if exif is not None:
        save["exif"] = exif
    image.save(buffer, fmt, **save)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def exif_with(orientation=6):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "SpyCam"  # Make
    return exif


def stored_image(attachment):
    with attachment.file.open("rb") as fh:
        data = fh.read()
    return Image.open(io.BytesIO(data)), data


# -- the service ---------------------------------------------------------------------------------


def test_a_png_photo_is_stored_as_an_upright_jpeg_without_exif(clerk, home):
    upload = image_file(exif=exif_with(orientation=6))  # "rotate 90° clockwise to view"
    attachment = attachments.attachment_add(actor=clerk, obj=home, file=upload, kind="photo")
    image, data = stored_image(attachment)
    assert image.format == "JPEG" and attachment.mime_type == "image/jpeg"
    assert image.size == (20, 40)  # the orientation was applied to the pixels
    assert not image.getexif() and b"SpyCam" not in data and "exif" not in image.info
    assert attachment.file.name.endswith(".jpg") and attachment.original_name == "photo.png"
    assert attachment.size == len(data) and attachment.created_by == clerk
    assert list(attachments.attachments_of(home)) == [attachment]


def test_photos_are_scaled_down_to_the_configured_longest_side(clerk, home, settings):
    settings.ATTACHMENT_IMAGE_MAX_SIDE = 50
    attachment = attachments.attachment_add(actor=clerk, obj=home, file=image_file(size=(200, 100)), kind="photo")
    assert stored_image(attachment)[0].size == (50, 25)


def test_a_signature_stays_a_png_and_must_be_one(clerk, home):
    signature = image_file("sign.png", mode="RGBA", size=(30, 10))
    attachment = attachments.attachment_add(actor=clerk, obj=home, file=signature, kind="signature")
    image, _data = stored_image(attachment)
    assert image.format == "PNG" and image.mode == "RGBA"
    with pytest.raises(ValidationFailed):
        attachments.attachment_add(actor=clerk, obj=home, file=image_file("sign.jpg", fmt="JPEG"), kind="signature")


def test_a_text_file_named_jpg_is_rejected_and_nothing_is_stored(clerk, home, settings):
    fake = SimpleUploadedFile("cat.jpg", b"I am not a picture, just text.", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as info:
        attachments.attachment_add(actor=clerk, obj=home, file=fake, kind="photo")
    assert "cat.jpg" in str(info.value.message)
    assert not Attachment.objects.exists()
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "attachments"))


def test_a_file_over_the_kind_limit_is_rejected(clerk, home, settings):
    settings.ATTACHMENT_MAX_BYTES = {**settings.ATTACHMENT_MAX_BYTES, "photo": 100}
    with pytest.raises(ValidationFailed):
        attachments.attachment_add(actor=clerk, obj=home, file=image_file(size=(400, 400)), kind="photo")
    assert not Attachment.objects.exists()


def test_damaged_images_and_decompression_bombs_are_refused(clerk, home, monkeypatch):
    whole = image_file().read()
    broken = SimpleUploadedFile("broken.png", whole[:60], content_type="image/png")
    with pytest.raises(ValidationFailed) as info, translation.override("en"):
        attachments.attachment_add(actor=clerk, obj=home, file=broken, kind="photo")
    assert "damaged" in str(info.value.message)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValidationFailed) as info, translation.override("en"):
        attachments.attachment_add(actor=clerk, obj=home, file=image_file(size=(100, 100)), kind="photo")
    assert "pixels" in str(info.value.message)


def test_documents_are_recognised_by_content_and_utf8_text_by_extension(clerk, home):
    wb, buffer = Workbook(), io.BytesIO()
    wb.save(buffer)
    sheet = SimpleUploadedFile("报价.xlsx", buffer.getvalue())
    attachment = attachments.attachment_add(actor=clerk, obj=home, file=sheet, kind="document")
    assert attachment.mime_type.endswith("spreadsheetml.sheet") and attachment.extension == ".xlsx"
    notes = SimpleUploadedFile("notes.txt", "维修记录：更换压缩机".encode())
    assert attachments.attachment_add(actor=clerk, obj=home, file=notes, kind="document").mime_type == "text/plain"
    binary = SimpleUploadedFile("notes.txt", b"\x00\x01\x02binary")
    with pytest.raises(ValidationFailed):
        attachments.attachment_add(actor=clerk, obj=home, file=binary, kind="document")
    with pytest.raises(ValidationFailed):
        attachments.attachment_add(actor=clerk, obj=home, file=image_file("x.pdf"), kind="document")


def test_attaching_needs_the_change_permission_and_a_visible_record(home, other):
    viewer = make_user("viewer", branch=home, perms=("view_branch",))
    with pytest.raises(PermissionDenied):
        attachments.attachment_add(actor=viewer, obj=home, file=image_file(), kind="photo")
    outsider = make_user("outsider", branch=other)
    with pytest.raises(NotFound):
        attachments.attachment_add(actor=outsider, obj=home, file=image_file(), kind="photo")
    assert not Attachment.objects.exists()


def test_adding_and_removing_write_audit_events_on_the_record(clerk, home, django_capture_on_commit_callbacks):
    attachment = attachments.attachment_add(actor=clerk, obj=home, file=image_file(), kind="photo")
    event = AuditEvent.objects.get(verb="attachment_add")
    assert (event.action, event.object_id, event.actor) == ("update", str(home.pk), clerk)
    assert "photo.png" in event.message
    path = attachment.file.path
    with django_capture_on_commit_callbacks(execute=True):
        attachments.attachment_delete(actor=clerk, attachment=attachment)
    assert AuditEvent.objects.filter(verb="attachment_delete", object_id=str(home.pk)).exists()
    assert not Attachment.objects.exists() and not os.path.exists(path)


# -- pages -----------------------------------------------------------------------------------------------


def test_the_file_is_served_only_to_users_who_see_the_record(client, clerk, home, other):
    attachment = attachments.attachment_add(actor=clerk, obj=home, file=image_file(), kind="photo")
    url = reverse("core_attachment_download", args=[attachment.pk])
    response = login(client, clerk).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline") and "photo.jpg" in response["Content-Disposition"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client.get(url + "?download=1")["Content-Disposition"].startswith("attachment")
    login(client, make_user("outsider", branch=other))
    assert client.get(url).status_code == 404
    assert client.get(reverse("api-attachment-download", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("api-attachment-detail", args=[attachment.pk])).status_code == 404


def test_the_tab_uploads_with_htmx_and_shows_errors_in_the_fragment(client, clerk, home):
    login(client, clerk)
    url = reverse("core_attachment_tab", kwargs={"model": "org.branch", "object_id": home.pk})
    response = client.post(url, {"kind": "photo", "file": image_file("门头.png")}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "门头.png" in response.content.decode() and 'id="attachments-tab"' in response.content.decode()
    fake = SimpleUploadedFile("x.jpg", b"text")
    response = client.post(url, {"kind": "photo", "file": fake}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "attachment-error" in response.content.decode()
    assert Attachment.objects.count() == 1
    detail = client.get(registry.configs["org.branch"].url("detail", home) + "?tab=attachments",
                        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    assert detail.status_code == 200 and "门头.png" in detail.content.decode()


def test_the_delete_page_removes_the_attachment(client, clerk, home):
    attachment = attachments.attachment_add(actor=clerk, obj=home, file=image_file(), kind="photo")
    response = login(client, clerk).post(reverse("core_attachment_delete", args=[attachment.pk]))
    assert response.status_code == 302 and "tab=attachments" in response["Location"]
    assert not Attachment.objects.exists()


# -- API ---------------------------------------------------------------------------------------------------


def test_the_api_lists_uploads_and_deletes(client, clerk, home, other):
    login(client, clerk)
    query = {"model": "org.branch", "object_id": home.pk}
    created = client.post(f"/api/v1/attachments/?model=org.branch&object_id={home.pk}",
                          {"kind": "photo", "file": image_file()})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["mime_type"] == "image/jpeg" and body["model"] == "org.branch"
    listed = client.get("/api/v1/attachments/", query)
    assert [a["id"] for a in listed.json()] == [body["id"]]
    download = client.get(body["download_url"])
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    rejected = client.post("/api/v1/attachments/", {**query, "kind": "photo",
                                                    "file": SimpleUploadedFile("a.jpg", b"hello")})
    assert rejected.status_code == 400 and rejected.json()["error"]["code"] == "validation_failed"
    hidden = client.get("/api/v1/attachments/", {"model": "org.branch", "object_id": other.pk})
    assert hidden.status_code == 404
    assert client.delete(f"/api/v1/attachments/{body['id']}/").status_code == 204
    assert not Attachment.objects.exists()
