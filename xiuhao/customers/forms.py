"""The customer form: the customer's fields, its contacts and addresses as inline formsets
(rows added with htmx), and the duplicate warning with its "Create anyway" confirmation.

The same form class serves the Excel import (through the registry), which sends neither
formsets nor the confirmation field: then both are left out and only the customer is written.
"""

from django import forms
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from xiuhao.core.errors import ServiceError
from xiuhao.core.forms import ScopedModelForm
from xiuhao.org.regions import RegionPickerWidget

from .models import Address, Contact, Customer
from .services import ChildChange, check_duplicates

CUSTOMER_FIELDS = ["code", "name", "kind", "tier", "industry", "tax_no", "phone", "email", "region", "address",
                   "lat", "lng", "owner", "outlet", "branch", "status", "remark"]
CONTACT_FIELDS = ["name", "title", "mobile", "phone", "email", "wechat", "is_primary"]
ADDRESS_FIELDS = ["label", "region", "address", "lat", "lng", "is_default"]


class ContactRowForm(ScopedModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS


class AddressRowForm(ScopedModelForm):
    class Meta:
        model = Address
        fields = ADDRESS_FIELDS
        widgets = {"region": RegionPickerWidget()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The picker proposes the region from this row's address text.
        self.fields["region"].widget.suggest_from = f"id_{self.add_prefix('address')}"


class ChildFormSet(BaseInlineFormSet):
    """Rows of one customer; at most one of them may carry `flag` (primary / default)."""

    flag = None
    flag_message = ""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "user": self.user}

    def clean(self):
        super().clean()
        flagged = [f for f in self.forms if f.cleaned_data.get(self.flag) and not f.cleaned_data.get("DELETE")]
        if len(flagged) > 1:
            raise forms.ValidationError(self.flag_message)

    def changes(self):
        """The rows as ChildChange for the service (unchanged existing rows are left out)."""
        out = []
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            fields = [n for n in form.fields if n not in ("DELETE", "id", "customer")]
            data = {n: form.cleaned_data.get(n) for n in fields}
            deleted = bool(form.cleaned_data.get("DELETE"))
            if form.instance.pk and not deleted and not form.has_changed():
                continue
            out.append(ChildChange(data=data, instance=form.instance if form.instance.pk else None, delete=deleted))
        return out


class ContactFormSet(ChildFormSet):
    flag = "is_primary"
    flag_message = _("Only one contact can be the primary contact.")


class AddressFormSet(ChildFormSet):
    flag = "is_default"
    flag_message = _("Only one address can be the default address.")


ContactRows = inlineformset_factory(Customer, Contact, form=ContactRowForm, formset=ContactFormSet,
                                    fields=CONTACT_FIELDS, extra=0, can_delete=True)
AddressRows = inlineformset_factory(Customer, Address, form=AddressRowForm, formset=AddressFormSet,
                                    fields=ADDRESS_FIELDS, extra=0, can_delete=True)
FORMSETS = {"contacts": ContactRows, "addresses": AddressRows}


class CustomerForm(ScopedModelForm):
    confirm_duplicate = forms.BooleanField(
        label=_("Create anyway"), required=False,
        help_text=_("The customer is not one of those listed: save it although it looks like a duplicate."))

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {"region": RegionPickerWidget(suggest_from="id_address"),
                   "remark": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, data=None, files=None, *, user=None, **kwargs):
        super().__init__(data, files, user=user, **kwargs)
        if "branch" in self.fields and not self.instance.pk:
            self.fields["branch"].help_text = _("Left empty: the branch that serves the customer's region.")
        self.duplicate = None  # the DuplicateSuspected of the last check, for the candidates panel
        instance = self.instance if self.instance.pk else Customer()
        self.formsets = {}
        for prefix, cls in FORMSETS.items():
            # Bound only when the page sent the rows (imports and the API send none).
            submitted = data is not None and f"{prefix}-TOTAL_FORMS" in data
            self.formsets[prefix] = cls(data if submitted else None, instance=instance, prefix=prefix, user=user,
                                        queryset=getattr(instance, prefix).all() if instance.pk else
                                        cls.model.objects.none())
            self.formsets[prefix].submitted = submitted
            if not self.instance.pk and data is None:
                self.formsets[prefix].extra = 1  # a new customer's form starts with one empty row of each

    @property
    def contacts(self):
        return self.formsets["contacts"]

    @property
    def addresses(self):
        return self.formsets["addresses"]

    @property
    def sections(self):
        """(prefix, formset, title, "add" label) of the rows sections the page shows."""
        return [("contacts", self.contacts, _("Contacts"), _("Add contact")),
                ("addresses", self.addresses, _("Addresses"), _("Add address"))]

    def is_valid(self):
        valid = super().is_valid()
        return all([valid, *(fs.is_valid() for fs in self.formsets.values() if fs.submitted)])

    def clean(self):
        cleaned = super().clean()
        if "confirm_duplicate" in self.fields and not cleaned.get("confirm_duplicate") and not self.errors:
            self._check_duplicates(cleaned)
        return cleaned

    def _check_duplicates(self, cleaned):
        identity = {k: cleaned.get(k) or "" for k in ("name", "phone", "tax_no")}
        if self.instance.pk:
            stored = {k: getattr(self.instance, k) for k in identity}
            if identity == stored and not self._new_phones():
                return  # nothing that identifies the customer changed
        try:
            check_duplicates(actor=self.user, data=identity, phones=self._new_phones(),
                             exclude_pk=self.instance.pk)
        except ServiceError as exc:
            self.duplicate = exc
            self.add_error("confirm_duplicate", exc.message)

    def _new_phones(self):
        fs = self.contacts
        if not fs.submitted or not fs.is_valid():
            return []
        return [c.data.get(k, "") for c in fs.changes() if not c.delete and c.instance is None
                for k in ("mobile", "phone")]

    def service_data(self):
        data = super().service_data()
        for prefix, fs in self.formsets.items():
            if fs.submitted:
                data[prefix] = fs.changes()
        return data
