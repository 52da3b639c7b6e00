from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data (the demo city, its measures, per-staff rows); the product never imports it."""

    name = "demo"
    verbose_name = "Demo data"
