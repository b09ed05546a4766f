"""Pages of my tasks, the grab pool, a task's page and moves, the boards; the phone pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("tasks/my/", views.my_tasks, name="tasks_my"),
    path("tasks/pool/", views.pool, name="tasks_pool"),
    path("tasks/work/<int:pk>/", views.work, name="tasks_work"),
    path("tasks/work/<int:pk>/<str:move>/", views.move, name="tasks_move"),
    path("tasks/boards/employees/", views.employee_board, name="tasks_employee_board"),
    path("tasks/boards/engineers/", views.engineer_board, name="tasks_engineer_board"),
    path("m/tasks/", views.m_my, name="tasks_m_my"),
    path("m/tasks/pool/", views.m_pool, name="tasks_m_pool"),
    path("m/tasks/state/", views.m_state, name="tasks_m_state"),
    path("m/tasks/<int:pk>/", views.m_work, name="tasks_m_work"),
]
