"""Error answers: the site's 400/403/404/405/500 pages, and a 503 while the database is unreachable.

The pages are rendered without the request's context processors (which read the database) from
templates/error.html, in the language LanguageMiddleware activated. Under /api/ the answers are
JSON, in the shape of api/errors.py.
"""

import logging
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Seconds a client is told to wait before trying again while the database is down.
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _answer(request, status: int, code: str, reason: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": reason, "errors": [{"field": None, "code": code, "reason": reason}]}, status=status
        )
    try:
        page = loader.get_template(f"{status}.html").render({})
    except Exception:  # an error page must never fail (e.g. static files not collected)
        logger.exception("the %s page could not be rendered", status)
        return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(page, status=status)


def bad_request(request, exception=None, *args, **kwargs):
    return _answer(request, 400, "bad_request", _("The request contains values this site does not accept."))


def permission_denied(request, exception=None, *args, **kwargs):
    return _answer(request, 403, "permission_denied", _("You may not do this."))


def page_not_found(request, exception=None, *args, **kwargs):
    return _answer(request, 404, "not_found", _("There is no page at this address."))


def database_unavailable(request) -> HttpResponse:
    response = _answer(
        request, 503, "database_unavailable", _("The database cannot be reached. Try again in a few minutes.")
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, *args, **kwargs):
    """The 500 handler; an unreachable database raised outside a view (in a middleware) is a 503."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return _answer(request, 500, "server_error", _("Something went wrong on the server."))


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with Retry-After, not a bare 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("database unavailable: %s", exception)
            return database_unavailable(request)
        return None


class MethodNotAllowedMiddleware:
    """A page that only takes a form's submission (require_POST), opened by its address, answers
    its 405 with a page that says so instead of Django's blank one; the Allow header stays."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or _is_api(request):
            return response
        page = _answer(
            request,
            405,
            "method_not_allowed",
            _("This address only takes a form's submission. Go back to the page with the form."),
        )
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page
