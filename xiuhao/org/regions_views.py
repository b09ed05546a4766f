"""JSON endpoints behind the region picker. Regions are global reference data: any signed-in
user may read them, with no data scope."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xiuhao.org.models import Region
from xiuhao.org.regions import region_path, suggest_region

# Longer input is not an address; it only costs time in the matcher.
MAX_ADDRESS_LENGTH = 200


def _error(code, message, status):
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@require_GET
@login_required
def region_children(request):
    """`?parent=<code>` → the regions one level below it; no parent → the provinces.
    Each as {"code", "name", "id"} ("id" is the pk that a form submits)."""
    parent_code = request.GET.get("parent", "").strip()
    if parent_code:
        parent = Region.objects.filter(code=parent_code).first()
        if parent is None:
            return _error("not_found", _("No region has this code."), 404)
        children = parent.children.all()
    else:
        children = Region.objects.filter(level=Region.Level.PROVINCE)
    data = [
        {"code": code, "name": name, "id": pk}
        for pk, code, name in children.values_list("pk", "code", "name")
    ]
    response = JsonResponse(data, safe=False)
    patch_cache_control(response, private=True, max_age=3600)
    return response


@require_GET
@login_required
def region_suggest(request):
    """`?address=...` → the region that the address names: {"code", "name", "path": [names],
    "id", "chain": [{"code", "name", "id"} from the province down]}, or a 404 error."""
    address = request.GET.get("address", "")[:MAX_ADDRESS_LENGTH]
    region = suggest_region(address) if address.strip() else None
    if region is None:
        return _error("not_found", _("No region matches this address."), 404)
    path = region_path(region)
    return JsonResponse(
        {
            "code": region.code,
            "name": region.name,
            "path": [r.name for r in path],
            "id": region.pk,
            "chain": [{"code": r.code, "name": r.name, "id": r.pk} for r in path],
        }
    )
