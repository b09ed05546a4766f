"""Pages of the organisation beyond the registry's CRUD."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core.errors import ServiceError
from xiuhao.core.views import apply_service_error

from . import services


class SetPasswordForm(forms.Form):
    """A new password typed twice (administrator's reset; the profile form adds the old one)."""

    new_password = forms.CharField(label=gettext_lazy("New password"), widget=forms.PasswordInput(attrs={"class": "form-control"}),
                                   help_text=gettext_lazy("At least 8 characters with letters and digits."))
    new_password2 = forms.CharField(label=gettext_lazy("New password again"), widget=forms.PasswordInput(attrs={"class": "form-control"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


def reset_password(request, config, user):
    """An administrator sets a new password for a user within their data scope."""
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(actor=request.user, user=user, password=form.cleaned_data["new_password"])
        except ServiceError as exc:
            if exc.fields.get("password"):
                for error in exc.fields["password"]:
                    form.add_error("new_password", error)
            else:
                apply_service_error(request, exc, form)
        else:
            messages.success(request, _("The password of %(user)s was changed.") % {"user": user})
            return redirect(config.url("detail", user))
    context = {
        "form": form, "object": user, "config": config, "cancel_url": config.url("detail", user),
        "breadcrumbs": [(config.title, config.url("list")), (str(user), config.url("detail", user)),
                        (_("Reset password"), None)],
    }
    return TemplateResponse(request, "org/reset_password.html", context, status=400 if form.errors else 200)


def sign_out_everywhere(request, config, user):
    """An administrator ends every session and API token of a user within their data scope."""
    if request.method == "POST":
        try:
            result = services.user_sign_out_everywhere(actor=request.user, user=user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(user)s was signed out everywhere (%(sessions)s sessions, %(tokens)s API tokens).")
                             % {"user": user, **result})
        return redirect(config.url("detail", user))
    context = {
        "object": user, "config": config, "cancel_url": config.url("detail", user),
        "breadcrumbs": [(config.title, config.url("list")), (str(user), config.url("detail", user)),
                        (_("Sign out everywhere"), None)],
    }
    return TemplateResponse(request, "org/sign_out_everywhere.html", context)
