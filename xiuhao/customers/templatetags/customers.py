"""The summary header of the customer's 360° page."""

from django import template
from django.apps import apps
from django.utils.translation import gettext as _

from xiuhao.org.regions import region_path

register = template.Library()

TIER_CLASSES = {"gold": "bg-yellow text-yellow-fg", "silver": "bg-secondary text-secondary-fg",
                "standard": "bg-blue-lt"}


def _visible_count(label, user, customer):
    """Records of another app (devices, contracts) of this customer that the user may see."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    opts = model._meta
    if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return None
    return model._default_manager.visible_to(user).filter(customer=customer).count()


@register.inclusion_tag("customers/summary.html", takes_context=True)
def customer_summary(context, customer):
    user = context["request"].user
    counts = [(_("Contacts"), customer.contacts.count(), "contacts"),
              (_("Addresses"), customer.addresses.count(), "addresses")]
    for label, model_label, tab in ((_("Devices"), "assets.Device", "devices"),
                                    (_("Contracts"), "contracts.Contract", "contracts")):
        n = _visible_count(model_label, user, customer)
        if n is not None:
            counts.append((label, n, tab))
    tabs = {key for key, _label in context.get("tabs", [])}
    return {
        "customer": customer,
        "tier_class": TIER_CLASSES.get(customer.tier, "bg-blue-lt"),
        "region_path": [r.name for r in region_path(customer.region)] if customer.region_id else [],
        "primary": customer.contacts.filter(is_primary=True).first(),
        "counts": [(label, n, tab if tab in tabs else "details") for label, n, tab in counts],
    }
