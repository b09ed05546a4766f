"""Maps of registered models with coordinates: a Leaflet page with marker clusters that split as
you zoom, a compact points endpoint and a popup endpoint.

    register_map(MapConfig(key="customers", label=_("Customer map"), model_label="customers.customer",
                           title_field="name", detail_fields=("code", "phone"), color_field="tier",
                           colors={"gold": "#f59f00"}))

gives `/maps/customers/` (URL name `map_customers`), `/maps/customers/points/` and
`/maps/customers/<pk>/`. The model's registry config is looked up when a request comes (so a map
may name a model whose app registers later); its permission, data scope (`visible_to`) and
FilterSet apply, so a map shows exactly the rows of the list page with the same filters.

Points travel as arrays, not objects — `[id, lat, lng, title, colour key]` — and are read with
`values_list`, so 100,000 points are one query and a few MB of JSON. Coordinates are GCJ-02, as
stored; the tiles of `MAP_TILE_URL` (AutoNavi/Gaode by default) use the same datum. With an empty
`MAP_TILE_URL` the markers stand on a plain background (tests, offline installations).
"""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from .registry import registry

MAX_POINTS = 200_000  # beyond this a map is no use; the answer says it was cut


@dataclass
class MapConfig:
    key: str
    label: str
    model_label: str  # "app_label.modelname" of a registered model
    title_field: str = "name"
    detail_fields: tuple = ()  # shown in the popup (fields of the model; relations by their text)
    color_field: str | None = None  # a choices field: its value picks the marker colour
    colors: dict = field(default_factory=dict)
    lat_field: str = "lat"
    lng_field: str = "lng"

    @property
    def config(self):
        """The model's registry config, or None while its app has not registered it."""
        return registry.configs.get(self.model_label.lower())


MAPS: dict[str, MapConfig] = {}


def register_map(map_config):
    MAPS[map_config.key] = map_config
    return map_config


def _map_and_config(request, key):
    map_config = MAPS.get(key)
    config = map_config.config if map_config else None
    if config is None:
        raise Http404
    if not request.user.has_perm(config.perm("view")):
        raise PermissionDenied
    return map_config, config


def _filtered(request, config):
    filterset = config.filterset(request.GET or None, queryset=config.queryset(request.user), request=request)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, filterset.queryset.none()
    return filterset, filterset.qs if filterset.is_bound else filterset.queryset


def tile_settings():
    return {
        "url": getattr(settings, "MAP_TILE_URL", ""),
        "subdomains": getattr(settings, "MAP_TILE_SUBDOMAINS", ""),
        "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
    }


@login_required
def map_page(request, key):
    map_config, config = _map_and_config(request, key)
    filterset, _rows = _filtered(request, config)
    query = request.GET.urlencode()
    context = {
        "map": map_config,
        "config": config,
        "filterset": filterset,
        "points_url": reverse("map_points", args=[key]) + (f"?{query}" if query else ""),
        "popup_url": reverse("map_popup", args=[key, 0]),
        "list_url": config.url("list") + (f"?{query}" if query else ""),
        "tiles": tile_settings(),
        "colors": map_config.colors,
        "legend": _legend(map_config, config),
        "breadcrumbs": [(config.title, config.url("list")), (map_config.label, None)],
    }
    return TemplateResponse(request, "core/map.html", context)


def _legend(map_config, config):
    if not map_config.color_field:
        return []
    choices = dict(config.model._meta.get_field(map_config.color_field).flatchoices)
    return [(choices.get(value, value), color) for value, color in map_config.colors.items()]


@login_required
def map_points(request, key):
    """{"count", "truncated", "points": [[id, lat, lng, title, colour key], …]} of the rows the
    user may see that have coordinates, filtered like the list page."""
    map_config, config = _map_and_config(request, key)
    _filterset, rows = _filtered(request, config)
    lat, lng = map_config.lat_field, map_config.lng_field
    columns = ["pk", lat, lng, map_config.title_field]
    if map_config.color_field:
        columns.append(map_config.color_field)
    rows = rows.filter(**{f"{lat}__isnull": False, f"{lng}__isnull": False}).order_by()
    points = []
    for values in rows.values_list(*columns)[: MAX_POINTS + 1].iterator(chunk_size=5000):
        pk, y, x, title = values[:4]
        # Six decimals are stored; five (about a metre) are plenty on a map and shorten the answer.
        points.append([pk, round(float(y), 5), round(float(x), 5), str(title), values[4] if len(values) > 4 else ""])
    truncated = len(points) > MAX_POINTS
    body = {"count": len(points[:MAX_POINTS]), "truncated": truncated, "points": points[:MAX_POINTS]}
    return HttpResponse(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                        content_type="application/json")


def _display(obj, name):
    f = obj._meta.get_field(name)
    if getattr(f, "choices", None):
        return getattr(obj, f"get_{name}_display")()
    value = getattr(obj, name)
    return "" if value is None else str(value)


@login_required
def map_popup(request, key, pk):
    """The popup of one marker: title, the key fields and the record's link (within scope)."""
    map_config, config = _map_and_config(request, key)
    obj = get_object_or_404(config.queryset(request.user), pk=pk)
    fields = [[str(obj._meta.get_field(n).verbose_name), _display(obj, n)] for n in map_config.detail_fields]
    return JsonResponse({"title": _display(obj, map_config.title_field), "fields": fields,
                         "url": config.url("detail", obj), "link": _("Open")})


urlpatterns = [
    path("maps/<slug:key>/", map_page, name="map_page"),
    path("maps/<slug:key>/points/", map_points, name="map_points"),
    path("maps/<slug:key>/<int:pk>/", map_popup, name="map_popup"),
]


def named_urls():
    """`map_<key>` names for the registered maps (e.g. map_customers, map_devices)."""
    return [path(f"maps/{key}/", map_page, {"key": key}, name=f"map_{key}") for key in MAPS]
