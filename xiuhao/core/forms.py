"""ModelForms derived from a ModelConfig. Choices of related records are limited to the user's
data scope; validation messages come from the model (full_clean) in the user's language."""

import copy

from django import forms
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from .fields import no_control_characters
from .numbering import Numbering
from .visibility import hidden_fields
from .widgets import autocomplete_widget_for


class ScopedModelForm(forms.ModelForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # A field the user may not see is not on the form: a save keeps its stored value.
        for name in hidden_fields(self._meta.model, user):
            self.fields.pop(name, None)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(no_control_characters)
            queryset = getattr(field, "queryset", None)
            if queryset is not None:
                css = "form-select"
                auto = autocomplete_widget_for(field, css)
                if auto is not None:
                    field.widget = auto
            if queryset is not None and hasattr(queryset, "for_choices") and user is not None:
                field.queryset = queryset.for_choices(user)
            elif queryset is not None:
                field.queryset = queryset  # re-binds the widget's choices after a widget swap
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
        numbered = getattr(self._meta.model, "numbering", None)
        if isinstance(numbered, Numbering) and numbered.field in self.fields and not self.instance.pk:
            self.fields[numbered.field].help_text = _("Leave empty to number it automatically.")

    def _post_clean(self):
        # Model validation runs in the service (one place for rules). When the input already has
        # mistakes the service is not reached, so the model's rules are checked here as well and
        # every error shows in one round (fields, clean(), constraints together).
        if not self._errors:
            return
        instance = copy.copy(self.instance)
        try:
            construct_instance(self, instance, self._meta.fields, self._meta.exclude)
            instance.full_clean(exclude=self._get_validation_exclusions())
        except ValidationError as exc:
            self._update_errors(exc)
        except (ObjectDoesNotExist, AttributeError, TypeError, ValueError):
            pass  # a rule that needs what is still missing: the service reports it once input is right

    def service_data(self):
        """The cleaned values the service should write."""
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


def build_form(config):
    from .registry import registry

    widgets = {}
    for name in config.form_fields:
        f = config.model._meta.get_field(name)
        internal = f.get_internal_type()
        shared = registry.widget_for(f) if f.many_to_one else None  # e.g. org's region picker
        if shared is not None:
            widgets[name] = shared
        elif internal == "DateField":
            widgets[name] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        elif internal == "DateTimeField":
            widgets[name] = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        elif internal == "TextField":
            widgets[name] = forms.Textarea(attrs={"rows": 3})
    return forms.modelform_factory(config.model, form=ScopedModelForm, fields=list(config.form_fields), widgets=widgets)


def dict_choices(code, include_blank=True):
    """Choices of the dictionary 字典 `code`: active items in sort order, labels in the user's
    language."""
    from .models import DictItem

    items = DictItem.objects.filter(dict_type__code=code, is_active=True).order_by("sort", "value")
    choices = [(i.value, i.display_label) for i in items]
    return [("", "---------"), *choices] if include_blank else choices


class DictChoiceField(forms.ChoiceField):
    """A form field whose choices come from a dictionary, read when the form is built (so an
    administrator's change applies without a restart)."""

    def __init__(self, dict_code, **kwargs):
        self.dict_code = dict_code
        super().__init__(choices=lambda: dict_choices(dict_code, include_blank=not kwargs.get("required", True)), **kwargs)
