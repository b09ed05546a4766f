"""API endpoints of my messages and the announcement moves (included before the router)."""

from django.urls import path

from . import api

urlpatterns = [
    path("tasks/messages/", api.MessageListView.as_view(), name="api-message-list"),
    path("tasks/messages/read-all/", api.MessageReadAllView.as_view(), name="api-message-read-all"),
    path("tasks/messages/unread-count/", api.UnreadCountView.as_view(), name="api-message-unread-count"),
    path("tasks/messages/<int:pk>/", api.MessageDetailView.as_view(), name="api-message-detail"),
    path("tasks/messages/<int:pk>/read/", api.MessageReadView.as_view(), name="api-message-read"),
    path("tasks/messages/<int:pk>/unread/", api.MessageUnreadView.as_view(), name="api-message-unread"),
    path("tasks/announcement-board/", api.BoardListView.as_view(), name="api-announcement-board"),
    path("tasks/announcement-board/<int:pk>/", api.BoardDetailView.as_view(), name="api-announcement-board-detail"),
]
