"""Service-task handlers: the Python a BPMN service task calls, by name.

    from xiuhao.workflow.handlers import service_handler

    @service_handler("announcement.publish")
    def publish(instance, variables):
        announcement_publish(actor=actor_of(variables), announcement=instance.subject)
        return {**variables, "published": True}

A handler gets the ProcessInstance and a copy of the process variables and returns the variables
the process continues with (None: unchanged). It runs inside the engine step's transaction: an
exception rolls back what the handler wrote and puts the instance in ERROR with the message, to be
retried by an administrator. Handlers must not commit, and what they send outside (messages,
webhooks) goes through `transaction.on_commit` like every side effect.

A service task names its handler in the BPMN file:
`<spiffworkflow:serviceTaskOperator id="announcement.publish"><spiffworkflow:parameters/>…`.
Modules put their handlers in `<app>/process_handlers.py`; those modules are imported once, when
the first handler is looked up (and by the upload validation), so the registry is complete."""

from xiuhao.core.contributions import discover

HANDLERS: dict = {}
_discovered = False


def service_handler(name):
    def decorator(fn):
        HANDLERS[name] = fn
        return fn

    return decorator


def autodiscover():
    global _discovered
    if _discovered:
        return
    _discovered = True
    discover("process_handlers")


def get_handler(name):
    autodiscover()
    return HANDLERS.get(name)


def handler_names():
    autodiscover()
    return sorted(HANDLERS)


def actor_of(variables):
    """The user who completed the last user task (or started the process), for handlers that call
    services on their behalf."""
    from django.contrib.auth import get_user_model

    user_id = variables.get("completed_by") or variables.get("started_by")
    if not user_id:
        return None
    return get_user_model().objects.filter(pk=user_id).first()
