from django.core.cache import cache
from django.core.management.base import BaseCommand

from demo.loader import DEFAULT_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo city (schools, FY2019–FY2020 months, events, measures, users). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--password", help=f"Password for the demo users (default: {DEFAULT_PASSWORD}).")
        parser.add_argument("--seed", type=int, default=2020, help="Random seed of the generated data.")

    def handle(self, *args, password=None, seed=2020, **options):
        result = load_demo(password=password, seed=seed)
        cache.delete("reform:has_demo")
        for name, created, updated in result.lines():
            if created or updated:
                self.stdout.write(f"  {name}: {created} created, {updated} updated")
        if not result.changed:
            self.stdout.write("Demo data already loaded: nothing changed.")
        shown = password or DEFAULT_PASSWORD
        self.stdout.write(
            self.style.SUCCESS(
                "\nDemo users (password: %s)\n"
                "  board               board staff (事務局): everything, the admin\n"
                "  official            official: aggregated dashboards and the annual report\n"
                "  principal-E001 …    a principal for every demo school (principal-<school code>)\n"
                % (shown if password is None else "as given with --password")
            )
        )
