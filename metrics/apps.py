from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Indicators")

    def ready(self):
        from metrics import rollups  # noqa: F401  (connects the signals that keep rollups current)
        from reform.access import grant_board_permissions

        # Permissions exist only after migrate has created them, so the grant runs then.
        post_migrate.connect(grant_board_permissions, sender=self)
