from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from reform import passwords

urlpatterns = [
    path("", include("metrics.urls")),
    path("measures/", include("measures.urls")),
    path("staff/", include("staff.urls")),
    path("reports/", include("reports.urls")),
    # Not under accounts/: that is Django's log-in and password pages.
    path("board/users/", include("accounts.urls")),
    # Password reset only where email is configured, throttled (reform/passwords.py); before
    # Django's own patterns, which these replace.
    path("accounts/password_reset/", passwords.password_reset, name="password_reset"),
    path("accounts/password_reset/done/", passwords.password_reset_done, name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", passwords.password_reset_confirm, name="password_reset_confirm"),
    path("accounts/reset/done/", passwords.password_reset_complete, name="password_reset_complete"),
    path("accounts/logout/", passwords.logout, name="logout"),
    # Django's log-in, which also asks for a new password after a one-time one (accounts/views.py).
    path("accounts/login/", account_views.login, name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# MEDIA_ROOT is never served as such: it holds uploads and report exports, which views hand out
# only to users allowed to see them (reports/views.py).

handler400 = "reform.errors.bad_request"
handler403 = "reform.errors.permission_denied"
handler404 = "reform.errors.page_not_found"
handler500 = "reform.errors.server_error"
