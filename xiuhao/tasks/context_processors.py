"""The top bar's badge of my open tasks (the messages part adds the unread bell in its own)."""

from django.urls import reverse

from .selectors import open_task_count


def task_badge(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"open_task_count": open_task_count(user), "my_tasks_url": reverse("tasks_my")}
