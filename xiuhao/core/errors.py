"""Coded service errors. Services raise them; one DRF handler and one page helper render them.

A service error always means "nothing was changed": services raise before writing, or inside
the transaction that the error rolls back.
"""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    code = "service_error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code=None, fields=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))

    def as_dict(self):
        body = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {k: [str(m) for m in v] for k, v in self.fields.items()}
        return body


class ValidationFailed(ServiceError):
    code = "validation_failed"
    default_message = _("Please correct the errors below.")

    @classmethod
    def from_django(cls, exc):
        """Build from django.core.exceptions.ValidationError."""
        if hasattr(exc, "error_dict"):
            fields = {
                ("non_field_errors" if k == "__all__" else k): [m for e in v for m in e.messages]
                for k, v in exc.error_dict.items()
            }
            return cls(fields=fields)
        return cls(message="；".join(str(m) for m in exc.messages))


class PermissionDenied(ServiceError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class NotFound(ServiceError):
    code = "not_found"
    status = 404
    default_message = _("The record does not exist or you may not see it.")


class Conflict(ServiceError):
    code = "conflict"
    status = 409
    default_message = _("The record was changed by someone else; reload and try again.")


class ProtectedError(ServiceError):
    code = "protected"
    status = 409
    default_message = _("This record is still used by other records and cannot be deleted.")
