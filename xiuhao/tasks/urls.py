"""Page URLs of the Task Centre (besides those the registry derives)."""

from .urls_messages import urlpatterns as message_urls
from .urls_tasks import urlpatterns as task_urls

urlpatterns = [*task_urls, *message_urls]
