from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from accounts import services

# What a user who must change their password may still open.
ALLOWED = frozenset({"password_change", "password_change_done", "logout", "set_language"})


class PasswordChangeRequiredMiddleware:
    """Sends a user who logged in with a one-time password to the password change page until they
    have chosen their own. Only their session carries the mark: other requests do no work here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        digest = request.session.get(services.MUST_CHANGE_SESSION_KEY)
        if digest is None:
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated or services.password_digest(user) != digest:
            if user.is_authenticated:
                services.one_time_password_replaced(user)
            del request.session[services.MUST_CHANGE_SESSION_KEY]
            return self.get_response(request)
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in ALLOWED:
            return self.get_response(request)
        messages.info(request, _("Please choose your own password to replace the one-time password."))
        return redirect("password_change")
