from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .jobs import queue_state


@never_cache
def healthz(request):
    db = {"ok": True, "vendor": connection.vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        db = {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}
    queue = queue_state()
    ok = db["ok"] and queue["ok"]
    return JsonResponse({"status": "ok" if ok else "degraded", "database": db, "queue": queue}, status=200 if ok else 503)
