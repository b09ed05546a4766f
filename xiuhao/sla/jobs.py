"""The SLA alert job: every minute, every clock whose next alert level has come due gets it —
each level once per clock (docs/sla.md, "Exactly once")."""

from xiuhao.core.jobs import periodic_job

from . import services


@periodic_job("sla-alerts", "Send SLA warnings and escalations that have come due", minute="*")
def sla_alerts():
    return services.alerts_send()
