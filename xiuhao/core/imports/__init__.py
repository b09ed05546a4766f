"""Excel and JSON bulk import (being split by concern; see pipeline.py)."""

from .pipeline import *  # noqa: F403
from .pipeline import (  # noqa: F401
    _config_of,
    _error,
    _move,
    _norm,
    _row_message,
    _service_error_message,
    _sync_limit,
    _text,
)
