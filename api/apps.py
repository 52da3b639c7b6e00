from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """What the per-app APIs share: paging, errors, throttles, tokens, the schema and its docs."""

    name = "api"
    verbose_name = _("API")
