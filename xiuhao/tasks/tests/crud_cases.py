from .crud_cases_messages import *  # noqa: F401,F403
from .crud_cases_tasks import *  # noqa: F401,F403
