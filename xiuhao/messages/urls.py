"""Pages of my messages and announcements."""

from django.urls import path

from . import views

urlpatterns = [
    path("messages/", views.inbox_page, name="tasks_inbox"),
    path("messages/read-all/", views.mark_all_read, name="tasks_inbox_read_all"),
    path("messages/<int:pk>/", views.message_detail, name="tasks_message_detail"),
    path("messages/<int:pk>/unread/", views.mark_unread, name="tasks_message_unread"),
    path("announcements/", views.board, name="tasks_announcement_board"),
    path("announcements/<int:pk>/", views.announcement_read, name="tasks_announcement_read"),
    path("m/messages/", views.inbox_mobile, name="tasks_m_inbox"),
    path("m/messages/<int:pk>/", views.message_detail_mobile, name="tasks_m_message_detail"),
    path("m/announcements/", views.board_mobile, name="tasks_m_announcement_board"),
    path("m/announcements/<int:pk>/", views.announcement_read_mobile, name="tasks_m_announcement_read"),
]
