"""Pages of my messages and announcements."""

urlpatterns = []
