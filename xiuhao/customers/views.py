"""Pages of the customer form beyond the registry's: one more contact / address row (htmx)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse

from .forms import FORMSETS
from .models import Customer


@login_required
def form_row(request, kind):
    """An empty contact or address row numbered after the rows the form has (`<kind>-TOTAL_FORMS`
    is sent along); the answer also raises that count (out-of-band swap)."""
    if kind not in FORMSETS:
        raise Http404
    if not (request.user.has_perm("customers.add_customer") or request.user.has_perm("customers.change_customer")):
        raise PermissionDenied
    try:
        index = max(0, min(int(request.GET.get(f"{kind}-TOTAL_FORMS", 0)), 200))
    except ValueError:
        index = 0
    formset = FORMSETS[kind](instance=Customer(), prefix=kind, user=request.user, queryset=FORMSETS[kind].model.objects.none())
    form = formset.form(prefix=f"{kind}-{index}", user=request.user, empty_permitted=True, use_required_attribute=False)
    formset.add_fields(form, index)
    return TemplateResponse(request, "customers/form_row.html",
                            {"form": form, "kind": kind, "total": index + 1, "oob": True})
