from django import template

from ..selectors import remaining

register = template.Library()


@register.simple_tag
def sla_remaining(clock, now=None):
    """{% sla_remaining clock as r %} → selectors.Remaining (r.label, r.state, r.percent, r.due_at)."""
    return remaining(clock, now)
