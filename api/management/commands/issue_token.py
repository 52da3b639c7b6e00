from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.models import SystemAccount
from api.tokens import NotASystemAccount, issue_token


class Command(BaseCommand):
    help = (
        "Issue a new API token for the system account USERNAME and print its key (shown once). "
        "The account's other tokens keep working. --mark-system marks the account as a system's first."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--mark-system",
            action="store_true",
            help="Mark the account as a system account (not a person's) before issuing.",
        )

    def handle(self, *args, username, mark_system, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if mark_system:
            SystemAccount.objects.get_or_create(user=user)
        try:
            _token, key = issue_token(user=user)
        except NotASystemAccount:
            raise CommandError(
                f"{username!r} is not an active system account (use --mark-system for a system's account)."
            ) from None
        self.stdout.write(key)
