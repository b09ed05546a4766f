"""Fast import of devices (10^5 rows) and the ERP shipment import, plugged into the platform's
pipeline (core.imports: upload → preview with per-row errors → all-or-nothing apply; JSON bulk).

The generic pipeline checks each row with a Django form and writes it through the services: one
form, a few queries and an audit event per row. Devices instead are checked in plain Python
with the same rules and messages: related records are resolved with one query per distinct key
set (chunked), existing devices likewise; new devices and their BOM instances are inserted raw
in batches (assets.bulk: executemany / COPY), changed ones with bulk_update; the audit log gets
one event per batch of 2,000 devices naming their serials, plus the import's summary event.
Shipments keep per-row services (each line may register a device) behind a plain-Python check
of the composite key (serial, order no.).
"""

import datetime
import gc
import operator
from decimal import Decimal

import orjson
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from xiuhao.catalog.selectors import bom_lines
from xiuhao.core import audit, context
from xiuhao.core.imports import ImportFailed, Report, RowPipeline, cell_text, record_import, row_error
from xiuhao.core.models import AuditEvent
from xiuhao.core.scope import scope_q

from . import bulk
from .models import Device, DevicePart, Shipment
from .services import apply_device_defaults

CHUNK = 900  # keys per IN (…) query: below SQLite's parameter limit
BATCH = 2000  # rows per INSERT / UPDATE batch
BLOCK = 10000  # new devices per block handed to the writer (see _write)
PROGRESS_ROWS = 5000
PREVIEW_ROWS = 20
AUDITED = ("serial", "lot", "product_model", "customer", "address", "install_date", "warranty_start", "warranty_end",
           "warranty_kind", "status", "order_no", "shipped_on", "remark")


class BadCell(Exception):
    def __init__(self, message):
        self.message = message


def chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def with_any_case(found, wanted, queryset):
    """Adds to `found` ({code: record}) the codes of `wanted` it lacks whose record has the same
    code in another case ("c0001" → C0001), when only one record does."""
    misses = [c for c in wanted if c and c not in found]
    if not misses:
        return found
    by_lower = {}
    for part in chunks(sorted({c.lower() for c in misses})):
        for obj in queryset.annotate(code_lower=Lower("code")).filter(code_lower__in=part):
            by_lower.setdefault(obj.code.lower(), []).append(obj)
    for code in misses:
        hits = by_lower.get(code.lower(), [])
        if len(hits) == 1:
            found[code] = hits[0]
    return found


def _plain(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


class FastPipeline(RowPipeline):
    """Shared: rows → {field: Python value} with the form's messages, without a form."""

    def __init__(self, config, user):
        super().__init__(config, user)
        self.date_field = forms.DateField()
        self.today = timezone.localdate()
        self.converters = {name: self._converter(name) for name in self.names}
        self.found = {}  # field -> {cell: related record} the checks looked up (for the preview)

    # -- columns ----------------------------------------------------------------------------------
    def read(self, rows):
        """[(row number, {field: raw value}, [errors])]; unknown or repeated keys are errors."""
        mappings, out = {}, []
        for number, raw in rows:
            keys = tuple(raw)
            mapping = mappings.get(keys)
            if mapping is None:
                mapping = mappings[keys] = [(k, self.resolve(k)) for k in keys if not self.skipped(k)]
            values, errors = {}, []
            for key, name in mapping:
                if name is None:
                    errors.append(row_error(number, key, _("Unknown column “%(name)s”.") % {"name": key}))
                elif name in values:
                    errors.append(row_error(number, key, _("The column “%(name)s” appears twice.") % {"name": key}))
                else:
                    self.labels.setdefault(name, str(key))
                    values[name] = raw[key]
            out.append((number, values, errors))
        return out

    # -- cells --------------------------------------------------------------------------------------
    def _converter(self, name):
        f = self.fields[name]
        if f.is_relation:
            return cell_text
        if f.choices:
            known = {}  # cell → value: a column holds a handful of distinct texts

            def choice(raw):
                value = known.get(raw) if isinstance(raw, str) else None
                if value is not None:
                    return value
                text = cell_text(raw)
                if not text:
                    return ""
                value = self.choice_value(name, text)
                if value is None:
                    raise BadCell(_("Select a valid choice. %(value)s is not one of the available choices.")
                                  % {"value": text})
                if isinstance(raw, str) and len(known) < 1000:
                    known[raw] = value
                return value

            return choice
        if f.get_internal_type() == "DateField":
            return self._date
        limit = getattr(f, "max_length", None)

        def text(raw):
            value = cell_text(raw)
            if limit and len(value) > limit:
                try:
                    MaxLengthValidator(limit)(value)
                except ValidationError as exc:
                    raise BadCell(exc.messages[0]) from exc
            return value

        return text

    def _date(self, raw):
        if raw is None or raw == "":
            return None
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        text = cell_text(raw)
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            try:
                return self.date_field.clean(text)
            except ValidationError as exc:
                raise BadCell(exc.messages[0]) from exc

    def convert(self, number, values, errors):
        data = {}
        for name, raw in values.items():
            try:
                data[name] = self.converters[name](raw)
            except BadCell as exc:
                errors.append(row_error(number, self.label(name), exc.message))
        return data

    def duplicate(self, seen, key, number, name, errors):
        first = seen.setdefault(key, number)
        if first != number:
            errors.append(row_error(number, self.label(name), _("“%(value)s” also appears in row %(row)s.")
                                 % {"value": key if isinstance(key, str) else " / ".join(key), "row": first}))

    def count(self, report, number, data, errors, is_new):
        """One checked row into the report: its errors, or one more created / updated; a preview line."""
        report.total += 1
        if errors:
            report.add_errors(errors)
        elif is_new:
            report.created += 1
        else:
            report.updated += 1
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(self.preview_row(number, data, is_new, not errors))

    def preview_row(self, number, data, is_new, ok):
        values = {name: self.preview_text(name, v) for name, v in data.items()}
        return {"row": number, "action": "create" if is_new else "update", "ok": ok, "values": values}

    def preview_text(self, name, value):
        """A converted cell as people read it: a choice's label, a related record's name (when
        the checks found it: `self.found`), not the codes."""
        if value is None or value == "":
            return ""
        f = self.fields[name]
        if f.is_relation:
            obj = self.found.get(name, {}).get(value)
            return str(obj if obj is not None else value)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)


# -- devices -------------------------------------------------------------------------------------------------
_ABSENT = "\u0000absent"  # a column the row did not have (kept apart from an empty cell)


class NewDevice:
    """A device row to insert: the attributes apply_device_defaults reads and writes, without a
    model instance (10^5 of those cost seconds)."""

    __slots__ = ("pk", "serial", "lot", "order_no", "remark", "install_date", "warranty_start", "warranty_end",
                 "shipped_on", "warranty_kind", "status", "_product_model", "_customer", "_address", "product_model_id",
                 "customer_id", "address_id", "branch_id", "department_id", "outlet_id", "region_id", "lat", "lng")

    def __init__(self, serial):
        self.pk = None
        self.serial, self.lot, self.order_no, self.remark = serial, "", "", ""
        self.install_date = self.warranty_start = self.warranty_end = self.shipped_on = None
        self.warranty_kind, self.status = "", Device.Status.REGISTERED
        self._product_model = self._customer = self._address = None
        self.product_model_id = self.customer_id = self.address_id = None
        self.branch_id = self.department_id = self.outlet_id = self.region_id = self.lat = self.lng = None

    # a related record and its id, set together (as on a model instance)
    def _set_model(self, value):
        self._product_model, self.product_model_id = value, value.pk if value is not None else None

    def _set_customer(self, value):
        self._customer, self.customer_id = value, value.pk if value is not None else None

    def _set_address(self, value):
        self._address, self.address_id = value, value.pk if value is not None else None

    product_model = property(lambda self: self._product_model, _set_model)
    customer = property(lambda self: self._customer, _set_customer)
    address = property(lambda self: self._address, _set_address)


def _stamp(device, actor):
    """core.services.stamp_ownership for NewDevice: what the customer left open is the actor's."""
    if device.outlet_id:
        return
    if not device.branch_id and getattr(actor, "branch_id", None):
        device.branch_id = actor.branch_id
        if not device.department_id and getattr(actor, "department_id", None):
            device.department_id = actor.department_id


INSERTED = ("id", "serial", "lot", "product_model", "customer", "address", "region", "lat", "lng", "install_date",
            "warranty_start", "warranty_end", "warranty_kind", "status", "invalid_reason", "source", "order_no",
            "shipped_on", "qr_token", "remark", "branch", "department", "outlet", "created_by", "created_at",
            "updated_at")
UPDATED = ("lot", "product_model", "customer", "address", "region", "lat", "lng", "install_date", "warranty_start",
           "warranty_end", "warranty_kind", "status", "order_no", "shipped_on", "remark", "branch", "department",
           "outlet", "updated_at")
DATES = ("install_date", "warranty_start", "warranty_end", "shipped_on")
PLAIN = ("lot", "order_no", "remark", *DATES)  # cells copied as they are


class DeviceImportPipeline(FastPipeline):
    """Devices by serial: set-wise checks in plain Python, bulk writes (see the module doc).

    The file is read once per step; between a clean validation and its confirmation the
    converted cells are kept next to the upload (`<file>.rows.json`), so the apply step reads
    them instead of the workbook. Everything that depends on the database (related records,
    existing serials, permissions) is checked again when applying."""

    job = None  # the ImportJob, set by core.imports.services
    source = Device.Source.IMPORT  # what new devices record as their origin

    # -- converted cells, kept between the steps -----------------------------------------------
    def _cache_name(self):
        return f"{self.job.file.name}.rows.json" if self.job is not None and self.job.file else None

    def _save_cells(self, parsed):
        """Column by column: {"names": [field], "rows": [row number], "columns": [[value per row]
        per field]} (dates as ISO text, _ABSENT where a row lacked the field): compact JSON, and
        a list per column is converted and read back much faster than a list per row."""
        name = self._cache_name()
        if name is None:
            return
        from django.core.files.base import ContentFile

        names = sorted({key for _n, data, _e in parsed for key in data})
        if not names:
            return
        get = operator.itemgetter(*names, names[0])  # always a tuple (the extra column is dropped below)
        try:
            table = [get(data) for _n, data, _e in parsed]
        except KeyError:  # rows with different columns
            table = [tuple(data.get(key, _ABSENT) for key in (*names, names[0])) for _n, data, _e in parsed]
        columns = list(zip(*table, strict=True))[:len(names)]  # orjson writes dates as ISO text
        payload = orjson.dumps({"names": names, "rows": [n for n, _d, _e in parsed], "columns": columns})
        storage = self.job.file.storage
        storage.delete(name)
        storage.save(name, ContentFile(payload))

    def _load_cells(self):
        name = self._cache_name()
        if name is None or not self.job.file.storage.exists(name):
            return None
        with self.job.file.storage.open(name, "rb") as fh:
            payload = orjson.loads(fh.read())
        if "columns" not in payload:  # kept by an older version: read the workbook
            return None
        names, columns = payload["names"], payload["columns"]
        day = datetime.date.fromisoformat
        for i, key in enumerate(names):
            if key in DATES:
                columns[i] = [day(v) if v and v != _ABSENT else v for v in columns[i]]
        rows = zip(payload["rows"], *columns, strict=True)
        if any(_ABSENT in column for column in columns):
            return [(number, {k: v for k, v in zip(names, values, strict=True) if v != _ABSENT}, [])
                    for number, *values in rows]
        return [(number, dict(zip(names, values, strict=True)), []) for number, *values in rows]

    def _drop_cells(self):
        name = self._cache_name()
        if name is not None:
            self.job.file.storage.delete(name)

    # -- checking ------------------------------------------------------------------------------------
    def _lookup_sets(self, parsed):
        from xiuhao.catalog.models import ProductModel
        from xiuhao.customers.models import Address, Customer

        codes = {d["product_model"] for _n, d, _e in parsed if d.get("product_model")}
        customer_codes = {d["customer"] for _n, d, _e in parsed if d.get("customer")}
        serials = [d["serial"] for _n, d, _e in parsed if d.get("serial")]
        models, customers, sites, existing, changeable = {}, {}, {}, {}, set()
        for part in chunks(codes):
            models.update({m.code: m for m in ProductModel.objects.filter(code__in=part)})
        for part in chunks(customer_codes):
            customers.update({c.code: c for c in Customer.objects.visible_to(self.user).filter(code__in=part)})
        with_any_case(models, codes, ProductModel.objects.all())
        with_any_case(customers, customer_codes, Customer.objects.visible_to(self.user))
        self.found = {"product_model": models, "customer": customers}
        labels = {d["address"] for _n, d, _e in parsed if d.get("address")}
        if labels:
            for part in chunks([c.pk for c in customers.values()]):
                for site in Address.objects.filter(customer_id__in=part, label__in=labels):
                    sites[(site.customer_id, site.label)] = site
        found = set(Device.objects.filter(serial__in=bulk.keys_in(serials)).values_list("serial", flat=True))
        if found:
            existing.update({d.serial: d for d in Device.objects.filter(serial__in=bulk.keys_in(found)).select_related(
                "product_model", "customer", "address")})
            allowed = self.config.queryset(self.user, "change")
            changeable.update(allowed.filter(serial__in=bulk.keys_in(found)).values_list("serial", flat=True))
        return models, customers, sites, existing, changeable

    def checked(self, parsed, lookups, report, *, stop_at_error=False):
        """(row number, device, is_new, before) of every row without errors, one by one (the
        apply step writes each as it comes); every row is counted into `report`. With
        `stop_at_error` the first row with an error raises ImportFailed naming it."""
        seen = {}
        for number, data, errors in parsed:
            device, is_new, before = self._row(number, data, errors, seen, *lookups)
            self.count(report, number, data, errors, is_new)
            if errors and stop_at_error:
                raise ImportFailed.at(errors[0])
            if not errors:
                yield number, device, is_new, before

    def _err(self, errors, number, name, message):
        errors.append(row_error(number, self.label(name), message))

    def _row(self, number, data, errors, seen, models, customers, sites, existing, changeable):
        err = self._err
        serial = data.get("serial", "")
        if not serial:  # the other cells are still checked: every error of the row at once
            err(errors, number, "serial", _("This field is required."))
        elif seen.setdefault(serial, number) != number:
            self.duplicate(seen, serial, number, "serial", errors)
        device = existing.get(serial) if serial else None
        is_new = device is None
        if not is_new and serial not in changeable:
            err(errors, number, "serial", _("A record with this key exists, but you may not change it."))
            return None, is_new, None
        if is_new and not self.can_add:
            err(errors, number, "serial", _("You may not add new records."))
            return None, is_new, None
        if is_new:
            before, device, old_site, old_customer = None, NewDevice(serial), None, None
        else:
            before = {name: _plain(getattr(device, name)) for name in AUDITED}
            old_site, old_customer = device.address_id, device.customer_id
        for name in PLAIN:
            if name in data:
                setattr(device, name, data[name])
        code = data.get("product_model")
        if is_new or "product_model" in data:
            model = models.get(code)
            if model is None:
                err(errors, number, "product_model", self.missing_message("product_model", code) if code
                    else _("This field is required."))
            device.product_model = model
        if "customer" in data:
            code = data["customer"]
            customer = customers.get(code) if code else None
            if code and customer is None:
                err(errors, number, "customer", self.missing_message("customer", code))
            device.customer = customer
        if "address" in data:
            label = data["address"]
            site = sites.get((device.customer_id, label)) if label else None
            if label and site is None:
                err(errors, number, "address", _("The customer has no site named “%(value)s”.") % {"value": label})
            device.address = site
        if "status" in data:
            if not data["status"]:
                err(errors, number, "status", _("This field is required."))
            device.status = data["status"] or device.status
        if errors:
            start, end = data.get("warranty_start"), data.get("warranty_end")
            if start and end and end < start:
                err(errors, number, "warranty_end", _("The warranty end lies before the warranty start."))
            return None, is_new, None
        kind = data.get("warranty_kind")
        if kind:
            device.warranty_kind = kind
        apply_device_defaults(device, kind_given=bool(kind) or ("warranty_kind" not in data and not is_new),
                              site_changed=device.address_id != old_site,
                              customer_changed=device.customer_id != old_customer, today=self.today)
        if is_new:
            _stamp(device, self.user)
        if device.warranty_start and device.warranty_end and device.warranty_end < device.warranty_start:
            err(errors, number, "warranty_end", _("The warranty end lies before the warranty start."))
        return device, is_new, before

    def _parse(self, rows, on_progress=None):
        """[(row number, {field: Python value}, [errors])]: FastPipeline.read + convert in one
        pass (the column plan is worked out once per distinct set of keys)."""
        plans, parsed = {}, []
        for number, raw in rows:
            keys = tuple(raw)
            plan = plans.get(keys)
            if plan is None:
                names = [self.resolve(k) for k in keys]
                if None in names or len(set(names)) != len(names):
                    plan = plans[keys] = False
                else:
                    for key, name in zip(keys, names, strict=True):
                        self.labels.setdefault(name, str(key))
                    plan = plans[keys] = [(key, name, self.converters[name]) for key, name in zip(keys, names,
                                                                                               strict=True)]
            if plan is False:  # unknown or repeated columns: the generic reading reports them
                number, values, errors = self.read([(number, raw)])[0]
                parsed.append((number, self.convert(number, values, errors), errors))
                continue
            data, errors = {}, []
            for key, name, convert in plan:
                try:
                    data[name] = convert(raw[key])
                except BadCell as exc:
                    errors.append(row_error(number, self.label(name), exc.message))
            parsed.append((number, data, errors))
            if on_progress and len(parsed) % PROGRESS_ROWS == 0:
                on_progress(len(parsed))
        return parsed

    # -- the pipeline's interface (core.imports.running.validate_rows / apply_rows) ----------------
    def validate_all(self, rows, on_progress=None):
        gc.disable()
        try:
            parsed = self._parse(rows, on_progress)
            report = Report()
            for _row in self.checked(parsed, self._lookup_sets(parsed), report):
                pass  # nothing is written: the report is what validating gives
            if not report.errors:
                self._save_cells(parsed)
        finally:
            gc.enable()
        return report

    def apply_all(self, rows, *, source, on_progress=None, on_done=None):
        """Check and write in one pass: each row is checked again (the database may have changed
        since validating) and, when new, streamed into the devices' insert at once — on
        PostgreSQL the server stores rows while the next ones are checked. The first bad row
        rolls everything back (ImportFailed, the same message a full check would give first)."""
        try:
            gc.disable()  # 10^5 short-lived rows: the collector's full passes would cost more than they free
            parsed = self._load_cells() or self._parse(rows)
            with transaction.atomic():
                report = self.write(parsed, on_progress)
                record_import(self, report, source)
                if on_done:
                    on_done(report)
        finally:
            gc.enable()
            self._drop_cells()
        return report

    # -- writing ---------------------------------------------------------------------------------------
    def write(self, parsed, on_progress=None):
        """Check converted rows again and write them, inside the caller's transaction (which
        must roll back on ImportFailed: the first bad row raises it). Returns the report."""
        report = Report()
        self._write(parsed, self._lookup_sets(parsed), report, on_progress)
        return report

    def _write(self, parsed, lookups, report, on_progress):
        """New devices go to the database in blocks of BLOCK: each block's rows (COPY on
        PostgreSQL), then its BOM instances (bulk.BomCopy), through a bulk.Writer — on
        PostgreSQL the server stores one block while this thread checks and converts the next.
        The foreign keys stay deferred: PostgreSQL checks them at commit, which costs ~25 %
        less server time than checking them as each statement ends (measured)."""
        now = timezone.now()
        existing = lookups[3]
        actor_id = getattr(self.user, "pk", None)
        postgres = connection.vendor == "postgresql"
        if postgres:
            # One bulk transaction: its commit need not wait for the WAL flush (a crash in the
            # next moments can lose the import as a whole, never half of it).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        # Rows with a serial not stored yet become devices (any other outcome is an error that
        # stops the import): their ids and QR tokens are taken up front.
        expected = sum(1 for _n, data, _e in parsed if data.get("serial") and data["serial"] not in existing)
        ids = bulk.allocate_ids(Device, expected)
        tokens = bulk.uuid4s(expected)
        boms = self._bom_copy(lookups[0].values(), now) if expected else None
        v = bulk.Values()
        stamp, date, decimal, source = v.datetime(now), v.date, v.decimal, str(self.source)
        texts = {choice: str(choice) for choice in (*Device.WarrantyKind, *Device.Status)}
        new, changed, block = [], [], []

        def send(writer):
            first = len(new) - len(block)
            writer.submit(bulk.insert, Device, INSERTED, block, binary=True)
            if boms is not None:
                lines = sum(boms.lines.get(row[3], 0) for row in block)  # row[3]: the product model
                writer.submit(boms.insert, ids[first:len(new)], lines)

        with bulk.Writer() as writer:
            if boms is not None:
                writer.submit(boms.open)
            pks = iter(ids)
            for number, d, is_new, before in self.checked(parsed, lookups, report, stop_at_error=True):
                if on_progress and report.total % BATCH == 0:
                    on_progress(report.total)
                if not is_new:
                    changed.append((number, d, before))
                    continue
                d.pk = next(pks)
                new.append((number, d))
                block.append((
                    d.pk, d.serial, d.lot, d.product_model_id, d.customer_id, d.address_id, d.region_id,
                    decimal(d.lat), decimal(d.lng), date(d.install_date), date(d.warranty_start), date(d.warranty_end),
                    texts.get(d.warranty_kind, d.warranty_kind), texts.get(d.status, d.status), "", source, d.order_no,
                    date(d.shipped_on), tokens[len(new) - 1], d.remark, d.branch_id, d.department_id, d.outlet_id,
                    actor_id, stamp, stamp))
                if len(block) == BLOCK:
                    send(writer)
                    block = []
            if block:
                send(writer)
            if boms is not None:
                writer.submit(boms.close)
        if len(new) != expected:  # only a row with an error (which raised) can be neither
            raise RuntimeError(f"{len(new)} new devices, {expected} expected")
        self._check_scope(new, ids)
        for start in range(0, len(changed), BATCH):
            batch = [d for _n, d, _b in changed[start:start + BATCH]]
            for device in batch:
                device.updated_at = now
            Device.objects.bulk_update(batch, UPDATED)
        if on_progress:
            on_progress(report.total)
        self._audit(new, changed, now)

    def _check_scope(self, new, ids):
        """New devices must lie inside the importer's data scope (one query)."""
        if not new or scope_q(Device, self.user) is None:
            return
        visible = Device.objects.visible_to(self.user)
        if isinstance(ids, range):
            visible = visible.filter(pk__gte=ids.start, pk__lt=ids.stop)
        else:
            visible = visible.filter(pk__in=bulk.keys_in(ids))
        visible = set(visible.values_list("pk", flat=True))
        outside = [n for n, d in new if d.pk not in visible]
        if outside:
            raise ImportFailed.at(row_error(outside[0], "", _(
                "The record would lie outside your data scope (branch/department).")))

    def _bom_copy(self, models, now):
        """A bulk.BomCopy of the BOMs of `models` (the product models the file names), or None
        when none has a BOM."""
        v, milli = bulk.Values(), Decimal("0.001")
        template = []
        for model in models:
            lines = bom_lines(model)
            index = {line.pk: i for i, line in enumerate(lines)}
            template.extend((model.pk, i, index.get(line.parent_id), line.part_id,
                             v.decimal(line.extended_quantity.quantize(milli)), line.position)
                            for i, line in enumerate(lines))
        if not template:
            return None
        return bulk.BomCopy(template, fitted_default=v.date(timezone.localdate()),
                            status=str(DevicePart.Status.FITTED), stamp=v.datetime(now))

    def _audit(self, new, changed, now):
        """One audit event per batch of up to BATCH devices, naming their serials (and, for
        changed devices, what changed): a per-device event for 10^5 rows cost more than the
        import target allows on PostgreSQL (each event row is another foreign-key check)."""
        ctx = context.current()
        ct = ContentType.objects.get_for_model(Device).pk
        actor = self.user if getattr(self.user, "is_authenticated", False) else None
        values = bulk.Values()
        head = (values.datetime(now), actor.pk if actor else None, (str(actor) if actor else "")[:150], ctx.ip,
                ctx.request_id)
        rows = []
        for start in range(0, len(new), BATCH):
            serials = [d.serial for _n, d in new[start:start + BATCH]]
            rows.append((*head, "create", "import", ct, "", _("%(count)s devices") % {"count": len(serials)},
                         values.json({"serials": serials}), _batch_message(serials), None))
        for start in range(0, len(changed), BATCH):
            batch = changed[start:start + BATCH]
            changes = {d.serial: audit.diff(before, {name: _plain(getattr(d, name)) for name in AUDITED})
                       for _n, d, before in batch}
            changes = {serial: diff for serial, diff in changes.items() if diff}
            if changes:
                rows.append((*head, "update", "import", ct, "", _("%(count)s devices") % {"count": len(changes)},
                             values.json(changes), _batch_message(list(changes)), None))
        fields = ("at", "actor", "actor_name", "ip", "request_id", "action", "verb", "content_type", "object_id",
                  "object_repr", "changes", "message", "branch")
        bulk.insert(AuditEvent, fields, rows)


def _batch_message(serials):
    shown = "、".join(serials[:10])
    more = _(" and %(count)s more") % {"count": len(serials) - 10} if len(serials) > 10 else ""
    return (_("Imported devices %(serials)s%(more)s") % {"serials": shown, "more": more})[:255]


# -- shipments -----------------------------------------------------------------------------------------------
class ShipmentImportPipeline(FastPipeline):
    """ERP shipment lines, upserted by (serial, order no.); each line links or registers its
    device through shipment_upsert (so every line and device gets its own audit event)."""

    required_columns = ("serial", "order_no", "shipped_on")

    def prepare(self, rows):
        from xiuhao.catalog.models import ProductModel

        report, ready, parsed = Report(), [], []
        for number, values, errors in self.read(rows):
            parsed.append((number, self.convert(number, values, errors), errors))
        pairs = [(d.get("serial"), d.get("order_no")) for _n, d, _e in parsed]
        serials = {s for s, _o in pairs if s}
        known_devices, existing, changeable = set(), set(), set()
        for part in chunks(serials):
            known_devices.update(Device.objects.filter(serial__in=part).values_list("serial", flat=True))
            existing.update(Shipment.objects.filter(serial__in=part).values_list("serial", "order_no"))
        if existing:
            allowed = self.config.queryset(self.user, "change")
            for part in chunks({s for s, _o in existing}):
                changeable.update(allowed.filter(serial__in=part).values_list("serial", "order_no"))
        codes = {d.get("product_code") for _n, d, _e in parsed if d.get("product_code")}
        models = {}
        for part in chunks(codes):
            models.update({m.code: m for m in ProductModel.objects.filter(code__in=part)})
        with_any_case(models, codes, ProductModel.objects.all())
        seen = {}
        for number, data, errors in parsed:
            for name in self.required_columns:
                if data.get(name) in (None, ""):
                    errors.append(row_error(number, self.label(name), _("This field is required.")))
            key = (data.get("serial") or "", data.get("order_no") or "")
            is_new = key not in existing
            if all(key) and not errors:
                self.duplicate(seen, key, number, "order_no", errors)
                if not is_new and key not in changeable:
                    errors.append(row_error(number, self.label("serial"),
                                         _("A record with this key exists, but you may not change it.")))
                if is_new and not self.can_add:
                    errors.append(row_error(number, self.label("serial"), _("You may not add new records.")))
                if key[0] not in known_devices:
                    if data.get("product_code") in models:
                        known_devices.add(key[0])  # registered by this row; later rows link to it
                    else:
                        errors.append(row_error(number, self.label("product_code"), _(
                            "No product model with model code “%(value)s”; a new serial needs a known model.")
                            % {"value": data.get("product_code") or ""}))
            self.count(report, number, data, errors, is_new)
            if not errors:
                ready.append((number, data))
        return report, ready

    def validate_all(self, rows, on_progress=None):
        return self.prepare(rows)[0]

    def apply_all(self, rows, *, source, on_progress=None, on_done=None):
        from xiuhao.core.errors import ServiceError

        from .services import shipment_upsert

        report, ready = self.prepare(rows)
        if report.errors:
            raise ImportFailed.at(report.errors[0])
        with transaction.atomic():
            for index, (number, data) in enumerate(ready, start=1):
                try:
                    shipment_upsert(actor=self.user, data=data)
                except ServiceError as exc:
                    raise self.write_failed(number, exc) from exc
                if on_progress and index % 200 == 0:
                    on_progress(index)
            record_import(self, report, source)
            if on_done:
                on_done(report)
        return report
