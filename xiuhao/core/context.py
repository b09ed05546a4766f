"""The request context (who, from where, which request) that audit events are stamped with.

Set by RequestContextMiddleware for web requests; jobs set it with `acting_as()`.
"""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""
    user_agent: str = ""


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("xiuhao_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound(ctx: RequestContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
