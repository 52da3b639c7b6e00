"""Every API error as JSON: a summary `detail` and `errors`, each with the field and the reason.

    {"detail": "Invalid input.",
     "errors": [{"field": "staff_count", "code": "invalid", "reason": "..."}]}

`field` is null for errors about the request as a whole; nested fields are dotted ("items.0.month").
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def _flatten(details, prefix=None):
    if isinstance(details, dict) and set(details) == {"message", "code"}:
        field = None if prefix in (None, NON_FIELD, "detail") else prefix
        yield {"field": field, "code": details["code"], "reason": str(details["message"])}
    elif isinstance(details, dict):
        for key, value in details.items():
            yield from _flatten(value, key if prefix is None else f"{prefix}.{key}")
    elif isinstance(details, list):
        for index, value in enumerate(details):
            nested = isinstance(value, dict) and set(value) != {"message", "code"}
            yield from _flatten(value, f"{prefix}.{index}" if nested and prefix else prefix)


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict()
    elif isinstance(exc, OverflowError):
        # A number too large for the database (an id or a year with 30 digits) is the client's error.
        exc = exceptions.ValidationError(_("A number in the request is out of range."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    errors = list(_flatten(exc.get_full_details()))
    if isinstance(exc, exceptions.ValidationError):
        detail = _("Invalid input.")
    else:
        detail = errors[0]["reason"] if errors else str(exc)
    response.data = {"detail": detail, "errors": errors}
    return response


def not_found(request, *args, **kwargs):
    """JSON 404 for any path under /api/ that matches no endpoint (the site's 404 page is HTML)."""
    reason = _("No API endpoint at this address.")
    return JsonResponse(
        {"detail": reason, "errors": [{"field": None, "code": "not_found", "reason": reason}]}, status=404
    )


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = _("It is still used by other records and cannot be deleted.")
    default_code = "protected"
