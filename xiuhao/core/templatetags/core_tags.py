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
