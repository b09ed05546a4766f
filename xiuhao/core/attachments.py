"""Attachments 附件 of any record: photos, videos, documents and signatures.

The real type is sniffed from the content (filetype) — never taken from the file name or the
Content-Type header. Photos and signatures are decoded and re-encoded with Pillow (EXIF
orientation applied, metadata dropped, longer side ≤ settings.ATTACHMENT_IMAGE_MAX_SIDE): JPEG
for photos, PNG for signatures, so what is stored is an image we wrote ourselves. Files are
served only by `attachments_views`, after checking that the record is visible to the user.
"""

import codecs
import hashlib
import io
import unicodedata
import warnings
from pathlib import PurePath

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from . import audit
from .errors import NotFound, ValidationFailed
from .models import Attachment
from .services import require_perm, require_visible

Kind = Attachment.Kind

# Sniffed MIME type → stored extension, per kind.
ALLOWED = {
    Kind.PHOTO: {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"},
    Kind.VIDEO: {"video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm"},
    Kind.DOCUMENT: {
        "application/pdf": ".pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    },
    Kind.SIGNATURE: {"image/png": ".png"},
}
# Plain text has no signature: accepted for documents by extension when it is valid UTF-8.
TEXT_TYPES = {".txt": "text/plain", ".csv": "text/csv"}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
# Types a browser may show in place; everything else is sent as a download.
INLINE_TYPES = {"image/jpeg", "image/png", "video/mp4", "video/quicktime", "video/webm"}
CHUNK = 1024 * 1024


def clean_name(name) -> str:
    """The file's own name (no directories, no control characters), at most 200 characters."""
    base = PurePath(str(name or "").replace("\\", "/")).name
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 190] + dot + ext[:9]) if dot else base[:200]
    return base or "file"


def _head(upload, size=8192) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _is_utf8_text(upload) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in iter(lambda: upload.read(CHUNK), b""):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)


def sniff(upload, kind, name) -> tuple[str, str]:
    """(MIME type, extension) from the content; ValidationFailed when not allowed for `kind`."""
    allowed = ALLOWED[kind]
    guess = filetype.guess(_head(upload))
    if guess is not None and guess.mime in allowed:
        return guess.mime, allowed[guess.mime]
    ext = PurePath(name).suffix.lower()
    if guess is None and kind == Kind.DOCUMENT and ext in TEXT_TYPES and _is_utf8_text(upload):
        return TEXT_TYPES[ext], ext
    names = "、".join(sorted({e.lstrip(".") for e in allowed.values()}
                             | ({"txt", "csv"} if kind == Kind.DOCUMENT else set())))
    found = guess.extension if guess is not None else _("unknown")
    raise ValidationFailed(
        _("“%(name)s” is not an allowed %(kind)s file (its content is %(found)s; allowed: %(allowed)s).")
        % {"name": name, "kind": Kind(kind).label, "found": found, "allowed": names},
        fields={"file": [_("This type of file is not allowed here.")]},
    )


def _open_image(upload, mime):
    """Decode fully (so that truncated files fail here), refusing decompression bombs."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=[PILLOW_FORMATS[mime]])
            if image.width * image.height > Image.MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationFailed(_("The image has too many pixels to be processed safely.")) from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError… for damaged files
        raise ValidationFailed(_("The image is damaged or cannot be read.")) from exc
    return image


def _reencode(upload, kind, mime) -> tuple[bytes, str, str]:
    """(content, MIME type, extension) of the re-encoded image."""
    image = _open_image(upload, mime)
    max_side = settings.ATTACHMENT_IMAGE_MAX_SIDE
    icc = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
    if kind == Kind.SIGNATURE:
        transparent = image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    elif image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    else:
        image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    image.info = {}  # EXIF, XMP, comments, text chunks: nothing of the original travels along
    extra = {"icc_profile": icc} if icc else {}
    out = io.BytesIO()
    if kind == Kind.SIGNATURE:
        image.save(out, "PNG", optimize=True, **extra)
        return out.getvalue(), "image/png", ".png"
    image.save(out, "JPEG", quality=85, optimize=True, **extra)
    return out.getvalue(), "image/jpeg", ".jpg"


def _digest(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(CHUNK), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _content_type(obj):
    return ContentType.objects.get_for_model(obj, for_concrete_model=False)


def attachment_add(*, actor, obj, file, kind) -> Attachment:
    """Attach `file` to `obj`. The actor must be allowed to change `obj` and see it."""
    if kind not in Kind.values:
        raise ValidationFailed(fields={"kind": [_("Choose the kind of attachment.")]})
    if file is None:
        raise ValidationFailed(fields={"file": [_("Choose a file.")]})
    require_perm(actor, type(obj), "change")
    require_visible(actor, obj)
    name = clean_name(getattr(file, "name", ""))
    limit = settings.ATTACHMENT_MAX_BYTES[kind]
    if file.size is None or file.size > limit:
        raise ValidationFailed(
            _("“%(name)s” is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)},
            fields={"file": [_("The file is too large.")]},
        )
    if not file.size:
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})
    mime, ext = sniff(file, kind, name)
    if kind in (Kind.PHOTO, Kind.SIGNATURE):
        data, mime, ext = _reencode(file, kind, mime)
        content, size, sha256 = ContentFile(data), len(data), hashlib.sha256(data).hexdigest()
    else:
        content, size, sha256 = file, file.size, _digest(file)
    attachment = Attachment(
        content_type=_content_type(obj), object_id=str(obj.pk), kind=kind, original_name=name,
        extension=ext, mime_type=mime, size=size, sha256=sha256, created_by=actor,
    )
    with transaction.atomic():
        require_visible(actor, obj)
        attachment.file.save(f"upload{ext}", content, save=False)
        try:
            attachment.save()
            audit.record(actor=actor, action="update", obj=obj, verb="attachment_add",
                         message=_("Attached “%(name)s” (%(kind)s)") % {"name": name, "kind": Kind(kind).label})
        except BaseException:
            attachment.file.storage.delete(attachment.file.name)
            raise
    return attachment


def attachment_delete(*, actor, attachment) -> None:
    model = attachment.content_type.model_class()
    if model is None:
        raise NotFound()
    require_perm(actor, model, "change")
    target = model._default_manager.filter(pk=attachment.object_id).first()
    with transaction.atomic():
        if target is not None:
            require_visible(actor, target)
        elif not actor.is_superuser:
            raise NotFound()
        storage, stored = attachment.file.storage, attachment.file.name
        name = attachment.original_name
        attachment.delete()
        audit.record(actor=actor, action="update", obj=target, verb="attachment_delete",
                     message=_("Removed the attachment “%(name)s”") % {"name": name})
        transaction.on_commit(lambda: storage.delete(stored))


def attachments_of(obj):
    """The record's attachments, newest first (under its own and its concrete model's type)."""
    types = {ContentType.objects.get_for_model(obj, for_concrete_model=False), ContentType.objects.get_for_model(obj)}
    return Attachment.objects.filter(content_type__in=types, object_id=str(obj.pk)).select_related("created_by")


def target_queryset(user, model, action="view"):
    """Records of `model` the user may `action` (the registered config's queryset if any)."""
    from .registry import registry

    config = registry.for_model(model)
    if config is not None:
        return config.queryset(user, action)
    qs = model._default_manager.all()
    if hasattr(qs, "restrict"):
        return qs.restrict(user, action)
    opts = model._meta
    return qs if user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") else qs.none()


def attachment_get(*, user, pk) -> Attachment:
    """An attachment whose record the user may see; NotFound otherwise (no hint it exists)."""
    attachment = Attachment.objects.select_related("content_type", "created_by").filter(pk=pk).first()
    if attachment is None:
        raise NotFound()
    model = attachment.content_type.model_class()
    if model is None or not target_queryset(user, model).filter(pk=attachment.object_id).exists():
        raise NotFound()
    return attachment


def download_name(attachment) -> str:
    stem = PurePath(attachment.original_name).stem or "file"
    return f"{stem}{attachment.extension}"
