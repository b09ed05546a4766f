from django import template

register = template.Library()


@register.filter
def display_value(value):
    """Audit values as people read them: empty as —, lists joined, booleans as ✓/✗."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def change_value(value, field, choices):
    """One side of an audit change: a choice field's label, else the plain display value."""
    mapping = choices.get(field) if hasattr(choices, "get") else None
    if mapping and value is not None and str(value) in mapping:
        return mapping[str(value)]
    return display_value(value)


@register.filter
def sees(user, field):
    """Whether `user` may see a field declared sensitive (core.visibility):
    `{% if request.user|sees:"catalog.part.cost" %}`."""
    from django.apps import apps

    from ..visibility import may_see

    label, _dot, name = field.rpartition(".")
    return may_see(user, apps.get_model(label), name)
