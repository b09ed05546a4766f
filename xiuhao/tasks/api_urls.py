"""API endpoints of the tasks beyond the registry's CRUD (included before the router)."""

from django.urls import path

from . import api

urlpatterns = [
    path("tasks/my/", api.MyTasksView.as_view(), name="api-tasks-my"),
    path("tasks/pool/", api.PoolView.as_view(), name="api-tasks-pool"),
    *[path(f"tasks/task/<int:pk>/{move}/", view.as_view(), name=f"api-task-{move}")
      for move, view in (("claim", api.TaskClaimView), ("complete", api.TaskCompleteView),
                         ("transfer", api.TaskTransferView), ("return", api.TaskReturnView),
                         ("urge", api.TaskUrgeView), ("reassign", api.TaskReassignView),
                         ("cancel", api.TaskCancelView))],
]
