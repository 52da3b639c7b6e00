"""Password reset by email: only where email is configured (settings.PASSWORD_RESET_ENABLED), and
throttled per address and per email so the form cannot be used to flood inboxes. And the log-out,
which says that it happened."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

# Reset requests allowed per hour, from one client address and for one email address.
PER_ADDRESS_PER_HOUR = 10
PER_EMAIL_PER_HOUR = 3
HOUR = 60 * 60


def _only_when_enabled(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _count(key: str) -> int:
    cache.add(key, 0, HOUR)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, HOUR)
        return 1


def _throttled(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            address = request.META.get("REMOTE_ADDR", "")
            email = request.POST.get("email", "").strip().lower()[:254]
            over = _count(f"password-reset:address:{address}") > PER_ADDRESS_PER_HOUR
            over |= bool(email) and _count(f"password-reset:email:{email}") > PER_EMAIL_PER_HOUR
            if over:
                return render(request, "registration/password_reset_throttled.html", status=429)
        return view(request, *args, **kwargs)

    return wrapped


password_reset = _only_when_enabled(_throttled(auth_views.PasswordResetView.as_view()))
password_reset_done = _only_when_enabled(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = _only_when_enabled(auth_views.PasswordResetConfirmView.as_view())
password_reset_complete = _only_when_enabled(auth_views.PasswordResetCompleteView.as_view())


class LogoutView(auth_views.LogoutView):
    """Django's log-out (POST only), confirmed on the log-in page it lands on."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response


logout = LogoutView.as_view()
