"""Page URLs of the process definitions and the viewer."""

urlpatterns = []
