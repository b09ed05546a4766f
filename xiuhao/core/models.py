"""Base model mixins and the platform's own tables (audit, dictionary, attachments, jobs)."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import constraints
from .moves import Move, Refusal, StateMachine
from .numbering import Period
from .scope import ScopedManager, ScopeFields


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OwnedModel(TimeStampedModel):
    """A record that belongs to a branch/department and remembers who created it."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedManager()
    scope_fields = ScopeFields()

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One write, as the service that made it saw it: who, when, from where, what changed."""

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        LOGIN = "login", _("Log in")
        LOGOUT = "logout", _("Log out")
        LOGIN_FAILED = "login_failed", _("Failed login")
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        ACTION = "action", _("Other action")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("operator"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    actor_name = models.CharField(_("operator name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request ID"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    verb = models.CharField(_("operation"), max_length=60, blank=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), null=True, blank=True, on_delete=models.SET_NULL
    )
    object_id = models.CharField(_("record ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=255, blank=True)
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department=None, owner="actor")

    class Meta:
        verbose_name = _("operation log")
        verbose_name_plural = _("operation logs")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"]),
            models.Index(fields=["actor", "at"]),
        ]
        permissions = [("export_auditevent", _("Can export operation logs"))]

    def __str__(self):
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"


class DictType(TimeStampedModel):
    """A configurable code list 字典 (e.g. fault types, close reasons)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_system = models.BooleanField(_("system list"), default=False, help_text=_("System lists cannot be deleted."))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("dictionary")
        verbose_name_plural = _("dictionaries")
        ordering = ["code"]
        permissions = [("export_dicttype", _("Can export dictionaries")), ("import_dicttype", _("Can import dictionaries"))]

    def __str__(self):
        return f"{self.name} ({self.code})"


class DictItem(TimeStampedModel):
    dict_type = models.ForeignKey(DictType, verbose_name=_("dictionary"), on_delete=models.CASCADE, related_name="items")
    value = models.CharField(_("value"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    sort = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("dictionary item")
        verbose_name_plural = _("dictionary items")
        ordering = ["dict_type", "sort", "value"]
        constraints = [constraints.UniqueConstraint(fields=["dict_type", "value"], name="dictitem_unique_value",
            field="value", message=_("This dictionary already has an item with this value."))]
        permissions = [("export_dictitem", _("Can export dictionary items")), ("import_dictitem", _("Can import dictionary items"))]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self):
        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label


def attachment_path(instance, filename):
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(TimeStampedModel):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")
        SIGNATURE = "signature", _("Signature")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, db_index=True)
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    extension = models.CharField(max_length=10, blank=True)
    mime_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.original_name


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an Idempotency-Key (same key → same response)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [constraints.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key",
            message=_("This request was already made."))]

    def __str__(self):
        return f"{self.key} → {self.status_code}"


class ImportJob(TimeStampedModel):
    """An Excel import: uploaded → validated (preview with per-row errors) → applied."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Validating")  # the job reads and checks the rows
        PREVIEW = "preview", _("Ready to import")  # all rows valid; waiting for confirmation
        INVALID = "invalid", _("Has errors")  # at least one row is wrong; nothing will be imported
        RUNNING = "running", _("Importing")  # rows are being written
        DONE = "done", _("Imported")  # every row written, in one transaction
        FAILED = "failed", _("Failed")  # the write failed and was rolled back entirely

    class Refusals:
        NOT_READY = Refusal("import_not_ready", _("Only an import that is ready (no errors) can be confirmed."))

    # The moves of the job's own work are system moves; "confirm" is the user's (import pages/API).
    moves = StateMachine(
        Move("checked", _("Ready to import"), sources=[Status.VALIDATING], target=Status.PREVIEW, system=True),
        Move("rejected", _("Has errors"), sources=[Status.VALIDATING], target=Status.INVALID, system=True),
        Move("confirm", _("Confirm import"), sources=[Status.PREVIEW], target=Status.RUNNING, permission="import",
             system=True, refusals=[Refusals.NOT_READY]),
        Move("finished", _("Imported"), sources=[Status.RUNNING], target=Status.DONE, system=True),
        Move("failed", _("Failed"), sources=[Status.VALIDATING, Status.RUNNING], target=Status.FAILED, system=True),
    )

    model_label = models.CharField(_("data type"), max_length=100)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m")
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.VALIDATING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    message = models.CharField(_("message"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    branch = models.ForeignKey("org.Branch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department=None, owner="created_by")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name

    @property
    def percent(self):
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


class JobRun(models.Model):
    """Marks a unit of job work as done so that a retried or duplicated job does it once."""

    key = models.CharField(max_length=200, unique=True)
    done_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.key


class NumberFormat(TimeStampedModel):
    """An administrator's numbering of one document type (core.numbering); without a row the
    document type's declared numbering holds."""

    kind = models.CharField(_("document type"), max_length=100, unique=True)
    prefix = models.CharField(_("prefix"), max_length=20, blank=True)
    pattern = models.CharField(
        _("pattern"), max_length=100,
        help_text=_("For example {prefix}{yyyy}{mm}{seq:05d}. Placeholders: {prefix}, {yyyy}, {yy}, {mm}, {dd}, "
                    "{yyyymm}, {yyyymmdd} and the running number {seq} (with {seq:05d}: five digits)."))
    reset = models.CharField(
        _("restart numbering"), max_length=10, blank=True,
        choices=Period.choices,
        help_text=_("Left empty: whenever the date in the number changes."))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("document numbering")
        verbose_name_plural = _("document numbering")
        ordering = ["kind"]
        permissions = [("export_numberformat", _("Can export document numbering"))]

    def __str__(self):
        from .numbering import kind_label

        return kind_label(self.kind)

    def clean(self):
        from django.core.exceptions import ValidationError

        from . import numbering

        stored = NumberFormat.objects.filter(pk=self.pk).values_list("kind", flat=True).first() if self.pk else None
        if self.kind != stored and self.kind not in numbering.DECLARED:
            raise ValidationError({"kind": _("Choose a document type that is numbered.")})
        try:
            numbering.check(self.prefix, self.pattern, self.reset)
        except numbering.PatternError as exc:
            raise ValidationError({"pattern": str(exc)}) from exc


class NumberCounter(models.Model):
    """The last number handed out per document type, prefix and period (core.numbering)."""

    kind = models.CharField(max_length=100)
    prefix = models.CharField(max_length=20, blank=True)
    period = models.CharField(max_length=10, blank=True)  # "", "2026", "2026-12" or "2026-12-04"
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [constraints.UniqueConstraint(fields=["kind", "prefix", "period"], name="numbercounter_unique",
            message=_("This number counter already exists."))]

    def __str__(self):
        return f"{self.kind} {self.prefix} {self.period}: {self.value}"
