"""Pages of my tasks, the grab pool and the boards."""

urlpatterns = []
