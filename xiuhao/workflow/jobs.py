"""The timer job: BPMN timer events (boundary and intermediate, e.g. PT4H) fire within a minute of
coming due. Only instances whose `next_timer_at` has passed are read."""

from xiuhao.core.jobs import periodic_job

from . import services


@periodic_job("process-timers", "Fire the due timer events of running processes", minute="*")
def fire_process_timers():
    return services.fire_due_timers()
