"""Writes of customers, contacts and addresses — the only code that changes them.

Rules kept here:
- a customer left without a code gets the next number (core.numbering, declared on the model:
  C000001, C000002, …; two concurrent creations never share a number); a typed code is kept;
- a customer that probably exists already (selectors.duplicate_candidates) is refused with the
  candidates unless the caller confirms (`confirm_duplicate=True`);
- one primary contact and one default address per customer: setting a new one unsets the old in
  the same transaction (the partial unique constraints are the last word); the first contact /
  address of a customer becomes primary / default;
- the search columns (pinyin, initials, phone digits, normalised name) follow name and phones;
- a region left empty is suggested from the address text (org.regions.suggest_region);
- a new customer left without a branch belongs to the branch serving its region (the branches'
  declared service regions, most specific first: org.regions.branch_serving) when the creator's
  data scope reaches that branch, else to the creator's branch.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core import audit
from xiuhao.core.errors import Conflict, PermissionDenied, ValidationFailed
from xiuhao.core.numbering import assign_number
from xiuhao.core.services import object_create, object_delete, object_update, require_perm, stamp_ownership
from xiuhao.core.scope import DataScope
from xiuhao.org.regions import branch_serving, suggest_region

from . import similarity, text
from .models import Address, Contact, Customer, CustomerNameKey
from .selectors import duplicate_candidates

IDENTITY_FIELDS = ("name", "phone", "tax_no")  # a change of one re-runs the duplicate check


class DuplicateSuspected(Conflict):
    """The customer probably exists already; repeat with confirm_duplicate to create it anyway."""

    code = "duplicate_suspected"
    default_message = gettext_lazy("This customer probably exists already. Check the customers listed, or "
                                   "confirm to save it anyway.")

    def __init__(self, candidates, hidden=0):
        super().__init__()
        self.candidates = candidates  # [(customer, [reason, …])] the actor may see
        self.hidden = hidden  # matches outside the actor's data scope: counted, never shown

    def as_dict(self):
        body = super().as_dict()
        body["candidates"] = [
            {"id": c.pk, "code": c.code, "name": c.name, "reasons": [str(r) for r in reasons]}
            for c, reasons in self.candidates
        ]
        body["hidden_candidates"] = self.hidden
        return body


# -- search columns ------------------------------------------------------------------------------


def _phones_of(customer):
    phones = [customer.phone]
    if customer.pk:
        for mobile, phone in Contact.objects.filter(customer_id=customer.pk).values_list("mobile", "phone"):
            phones += [mobile, phone]
    return phones


def fill_search_columns(customer):
    """Set the derived columns on the instance (saved with it)."""
    customer.name_pinyin = text.fit(text.name_pinyin(customer.name), 600)
    customer.name_initials = text.fit(text.name_initials(customer.name), 200)
    key = similarity.name_key(customer.name)
    customer.name_normalized, customer.name_region = key.core[:200], key.region
    customer.tax_no = text.normalize_tax_no(customer.tax_no)
    customer.phone_digits = text.fit(text.phone_digits(_phones_of(customer)), 400)


def name_key_rows(customer):
    """The CustomerNameKey rows of a saved customer (bigrams of its cleaned name)."""
    return [CustomerNameKey(customer_id=customer.pk, token=t) for t in sorted(similarity.bigrams(customer.name_normalized))]


def store_name_keys(customer):
    """Bring the customer's name keys (the similar-name index) up to its name."""
    wanted = {k.token for k in name_key_rows(customer)}
    stored = set(CustomerNameKey.objects.filter(customer_id=customer.pk).values_list("token", flat=True))
    if wanted != stored:
        CustomerNameKey.objects.filter(customer_id=customer.pk, token__in=stored - wanted).delete()
        CustomerNameKey.objects.bulk_create(
            [CustomerNameKey(customer_id=customer.pk, token=t) for t in sorted(wanted - stored)])


def refresh_phone_digits(customer_id):
    """After a contact changed: the customer's phone column from its own and its contacts' phones."""
    customer = Customer.objects.get(pk=customer_id)
    digits = text.fit(text.phone_digits(_phones_of(customer)), 400)
    if digits != customer.phone_digits:
        Customer.objects.filter(pk=customer_id).update(phone_digits=digits)


def _suggest_region(obj):
    if obj.region_id is None and obj.address:
        obj.region = suggest_region(obj.address)


def _prepare_customer(customer):
    _suggest_region(customer)
    fill_search_columns(customer)


# -- owning branch -------------------------------------------------------------------------------------


def _region_of(data, addresses):
    """The region a new customer is in: chosen, else named by its address, else by its default
    (or first) site's."""
    if data.get("region"):
        return data["region"]
    region = suggest_region(data.get("address") or "")
    if region is not None:
        return region
    sites = [a.data for a in addresses if not a.delete]
    sites.sort(key=lambda d: not d.get("is_default"))
    for site in sites:
        region = site.get("region") or suggest_region(site.get("address") or "")
        if region is not None:
            return region
    return None


def _reaches(actor, branch, data):
    """Whether a customer of `branch` stays inside the actor's data scope (so that they may leave
    it there): all-data roles reach every branch, branch and department roles their own branch,
    own-records roles what they manage (the account manager)."""
    if actor.is_superuser or getattr(actor, "outlet_id", None) or branch.pk == actor.branch_id:
        return True
    owner = data.get("owner")
    for role in actor.active_roles():
        if role.data_scope == DataScope.ALL:
            return True
        if role.data_scope != DataScope.BRANCH and owner is not None and owner.pk == actor.pk:
            return True
    return False


def default_branch(*, actor, data, addresses=()):
    """The branch a new customer belongs to when the caller chose none: the one serving its
    region (most specific declaration first), if the actor's scope reaches it; None leaves the
    actor's own (stamped by the platform)."""
    branch = branch_serving(_region_of(data, addresses), prefer=getattr(actor, "branch_id", None))
    if branch is not None and _reaches(actor, branch, data):
        return branch
    return None


# -- customers ---------------------------------------------------------------------------------------


def check_duplicates(*, actor, data, phones=(), exclude_pk=None):
    """Raise DuplicateSuspected when `data` (name, phone, tax_no) matches existing customers."""
    found = duplicate_candidates(name=data.get("name", ""), phones=[data.get("phone", ""), *phones],
                                 tax_no=data.get("tax_no", ""), exclude_pk=exclude_pk)
    if not found:
        return
    visible = set(Customer.objects.visible_to(actor).filter(pk__in=[c.pk for c, _r in found])
                  .values_list("pk", flat=True))
    shown = [(c, reasons) for c, reasons in found if c.pk in visible]
    raise DuplicateSuspected(shown, hidden=len(found) - len(shown))


@dataclass
class ChildChange:
    """One contact or address row of the customer form: new (instance None), changed, or deleted."""

    data: dict
    instance: object = None
    delete: bool = False
    extra: dict = field(default_factory=dict)


def customer_create(*, actor, data, contacts=(), addresses=(), confirm_duplicate=False, check=True):
    """Create a customer with its contacts and addresses (ChildChange rows) in one transaction.
    `check=False` skips the duplicate check (imports: the natural key decides there)."""
    data = dict(data)
    require_perm(actor, Customer, "add")
    with transaction.atomic():
        if check and not confirm_duplicate:
            phones = [c.data.get(k, "") for c in contacts if not c.delete for k in ("mobile", "phone")]
            check_duplicates(actor=actor, data=data, phones=phones)
        if not data.get("branch"):
            branch = default_branch(actor=actor, data=data, addresses=addresses)
            if branch is not None:
                data["branch"] = branch
        customer = object_create(actor=actor, model=Customer, data=data, before_save=_prepare_customer)
        store_name_keys(customer)
        _apply_children(actor, customer, contacts, addresses)
    return customer


def customer_update(*, actor, obj, data, contacts=(), addresses=(), confirm_duplicate=False, check=True):
    data = dict(data)
    with transaction.atomic():
        if check and not confirm_duplicate:
            before = Customer.objects.filter(pk=obj.pk).values(*IDENTITY_FIELDS).first() or {}
            new_phones = [c.data.get(k, "") for c in contacts if not c.delete and c.instance is None
                          for k in ("mobile", "phone")]
            changed = any(f in data and data[f] != before.get(f) for f in IDENTITY_FIELDS)
            if changed or any(new_phones):
                check_duplicates(actor=actor, data={**before, **data}, phones=new_phones, exclude_pk=obj.pk)
        customer = object_update(actor=actor, obj=obj, data=data, before_save=_prepare_customer)
        store_name_keys(customer)
        _apply_children(actor, customer, contacts, addresses)
    return customer


def customer_delete(*, actor, obj):
    return object_delete(actor=actor, obj=obj)


def _apply_children(actor, customer, contacts, addresses):
    # Deletions first: a row removed and a row added with the same site name in one form is fine.
    for change in [*contacts, *addresses]:
        if change.delete and change.instance is not None:
            (contact_delete if isinstance(change.instance, Contact) else address_delete)(
                actor=actor, obj=change.instance)
    for change in contacts:
        if not change.delete:
            _save_child(actor, Contact, change, customer, contact_create, contact_update)
    for change in addresses:
        if not change.delete:
            _save_child(actor, Address, change, customer, address_create, address_update)
    if contacts:
        refresh_phone_digits(customer.pk)
        customer.refresh_from_db(fields=["phone_digits"])


def _save_child(actor, model, change, customer, create, update):
    data = {**change.data, "customer": customer}
    if change.instance is None:
        create(actor=actor, data=data)
    else:
        update(actor=actor, obj=change.instance, data=data)


# -- contacts and addresses ---------------------------------------------------------------------------


def _unset_others(actor, model, obj, flag):
    """Make `obj` the only row of its customer with `flag` set: unset the old one (audited)
    before `obj` is saved, so that the partial unique constraint never sees two."""
    olds = model.objects.select_for_update().filter(customer_id=obj.customer_id, **{flag: True})
    if obj.pk:
        olds = olds.exclude(pk=obj.pk)
    for old in olds:
        model.objects.filter(pk=old.pk).update(**{flag: False})
        audit.record(actor=actor, action="update", obj=old, changes={flag: [True, False]},
                     verb=f"{flag}_moved")


def _first_of_customer_gets(actor, model, flag):
    def before_save(obj):
        if getattr(obj, flag):
            _unset_others(actor, model, obj, flag)
        elif obj.customer_id and not model.objects.filter(customer_id=obj.customer_id, **{flag: True}).exclude(
                pk=obj.pk).exists() and not obj.pk:
            setattr(obj, flag, True)  # the first contact / address of a customer is its primary / default
        if model is Address:
            _suggest_region(obj)

    return before_save


def _promote_next(actor, model, customer_id, flag, exclude=None):
    """After the primary / default row went away: the next one takes its place."""
    if model.objects.filter(customer_id=customer_id, **{flag: True}).exists():
        return
    successor = model.objects.filter(customer_id=customer_id).exclude(pk=exclude).order_by(*model._meta.ordering[1:], "pk").first()
    if successor is not None:
        model.objects.filter(pk=successor.pk).update(**{flag: True})
        audit.record(actor=actor, action="update", obj=successor, changes={flag: [False, True]},
                     verb=f"{flag}_moved")


def contact_create(*, actor, data):
    with transaction.atomic():
        contact = object_create(actor=actor, model=Contact, data=data,
                                before_save=_first_of_customer_gets(actor, Contact, "is_primary"))
        refresh_phone_digits(contact.customer_id)
    return contact


def contact_update(*, actor, obj, data):
    with transaction.atomic():
        old_customer, was_flagged = Contact.objects.filter(pk=obj.pk).values_list("customer_id", "is_primary").first()
        contact = object_update(actor=actor, obj=obj, data=data,
                                before_save=_first_of_customer_gets(actor, Contact, "is_primary"))
        if was_flagged and (not contact.is_primary or contact.customer_id != old_customer):
            _promote_next(actor, Contact, old_customer, "is_primary", exclude=contact.pk)  # the next one takes it
        for customer_id in {old_customer, contact.customer_id}:
            refresh_phone_digits(customer_id)
    return contact


def contact_delete(*, actor, obj):
    customer_id = obj.customer_id
    with transaction.atomic():
        text_ = object_delete(actor=actor, obj=obj)
        _promote_next(actor, Contact, customer_id, "is_primary")
        refresh_phone_digits(customer_id)
    return text_


def address_create(*, actor, data):
    return object_create(actor=actor, model=Address, data=data,
                         before_save=_first_of_customer_gets(actor, Address, "is_default"))


def address_update(*, actor, obj, data):
    with transaction.atomic():
        old_customer, was_flagged = Address.objects.filter(pk=obj.pk).values_list("customer_id", "is_default").first()
        address = object_update(actor=actor, obj=obj, data=data,
                                before_save=_first_of_customer_gets(actor, Address, "is_default"))
        if was_flagged and (not address.is_default or address.customer_id != old_customer):
            _promote_next(actor, Address, old_customer, "is_default", exclude=address.pk)  # the next one takes it
    return address


def address_delete(*, actor, obj):
    customer_id = obj.customer_id
    with transaction.atomic():
        text_ = object_delete(actor=actor, obj=obj)
        _promote_next(actor, Address, customer_id, "is_default")
    return text_


# -- batch load ----------------------------------------------------------------------------------------


def _clean_values(obj):
    """Field checks that need no query (lengths, choices, ranges); relations and uniqueness are
    left to the database constraints, which roll the whole batch back on a clash."""
    try:
        obj.clean_fields(exclude=[f.name for f in obj._meta.concrete_fields if f.is_relation])
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def _one_flagged(rows, flag):
    marked = [r for r in rows if getattr(r, flag)]
    if len(marked) > 1:
        raise ValidationFailed(fields={flag: [_("Only one row per customer may carry this mark.")]})
    if rows and not marked:
        setattr(rows[0], flag, True)


def customer_bulk_load(*, actor, rows):
    """Create many customers with their contacts and addresses at once — for trusted batch sources
    (the demo data) where one call per record would be slow. `rows`: [(customer data, [contact
    data], [address data])]; a row without a code is numbered. The rules of customer_create hold (one primary contact
    and one default address, search columns, region from the address, data scope), except the
    duplicate check; rows are inserted with bulk_create, one audit event per record."""
    for model in (Customer, Contact, Address):
        require_perm(actor, model, "add")
    with transaction.atomic():
        customers, children = [], []
        for data, contacts, addresses in rows:
            if not data.get("branch"):
                branch = default_branch(actor=actor, data=data)
                data = {**data, "branch": branch} if branch is not None else data
            customer = assign_number(Customer(**data))
            stamp_ownership(customer, actor)
            _suggest_region(customer)
            fill_search_columns(customer)
            phones = [customer.phone, *(c.get(k, "") for c in contacts for k in ("mobile", "phone"))]
            customer.phone_digits = text.fit(text.phone_digits(phones), 400)
            _clean_values(customer)
            customers.append(customer)
            children.append(([Contact(**c) for c in contacts], [Address(**a) for a in addresses]))
        Customer.objects.bulk_create(customers)
        CustomerNameKey.objects.bulk_create([row for c in customers for row in name_key_rows(c)])
        contacts, addresses = [], []
        for customer, (its_contacts, its_addresses) in zip(customers, children, strict=True):
            for row in [*its_contacts, *its_addresses]:
                row.customer = customer
                if isinstance(row, Address):
                    _suggest_region(row)
                _clean_values(row)
            _one_flagged(its_contacts, "is_primary")
            _one_flagged(its_addresses, "is_default")
            contacts += its_contacts
            addresses += its_addresses
        Contact.objects.bulk_create(contacts)
        Address.objects.bulk_create(addresses)
        ids = [c.pk for c in customers]
        if Customer.objects.visible_to(actor).filter(pk__in=ids).count() != len(ids):
            raise PermissionDenied(_("The records would lie outside your data scope (branch/department)."),
                                   code="outside_data_scope")
        for obj in [*customers, *contacts, *addresses]:
            audit.record(actor=actor, action="create", obj=obj, after=audit.snapshot(obj), verb="bulk_load")
    return customers
