"""Logging helpers named in settings.LOGGING."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """An ordinary 4xx (permission denied, not found, a bad request) is the client's business: it is
    logged as one warning line, without the traceback Django attaches; 5xx keep theirs."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
