"""Login, logout and failed logins go to the operation log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext as _

from xiuhao.core import audit


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="login", obj=None, message=_("Logged in"), branch_id=user.branch_id)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout", obj=None, message=_("Logged out"), branch_id=user.branch_id)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:100]
    audit.record(actor=None, action="login_failed", obj=None, message=_("Failed login as “%(u)s”") % {"u": username})
