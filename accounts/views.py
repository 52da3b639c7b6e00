"""The users page of board staff: accounts of the three roles, their passwords, lock-outs, history;
and the accounts import (the shared upload → preview → confirm flow)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import AccountForm
from accounts.imports import import_accounts
from accounts.models import AccountEvent
from metrics.imports import flow
from reform import access


def _managed(pk):
    return get_object_or_404(services.managed_users(), pk=pk)


@access.page(rule=access.can_manage_accounts)
def user_list(request):
    users = list(
        services.managed_users()
        .select_related("principal_of__school")
        .prefetch_related("groups")
        .order_by("username")
    )
    locked = services.locked_usernames(u.username for u in users)
    rows = [(user, access.role_of(user).value, user.username in locked) for user in users]
    return render(request, "accounts/users.html", {"rows": rows})


@access.page(rule=access.can_manage_accounts)
def user_new(request):
    form = AccountForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        user, _event = services.save_account(
            actor=request.user, wanted=form.wanted(), username=form.cleaned_data["username"]
        )
        messages.success(request, _("The account %(name)s was created.") % {"name": user.username})
        return redirect("accounts:user", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@access.page(rule=access.can_manage_accounts)
def user_detail(request, pk):
    user = _managed(pk)
    form = AccountForm(request.POST or None, user=user, actor=request.user)
    if request.method == "POST" and form.is_valid():
        _user, event = services.save_account(
            actor=request.user, wanted=form.wanted(), user=user, username=form.cleaned_data["username"]
        )
        messages.success(request, _("Saved.") if event else _("Nothing was changed."))
        return redirect("accounts:user", pk=user.pk)
    context = {
        "form": form,
        "account": user,
        "locked": bool(services.locked_usernames([user.username])),
        "events": AccountEvent.objects.filter(user=user).select_related("actor")[:100],
        "password_by_email": settings.PASSWORD_RESET_ENABLED,
    }
    return render(request, "accounts/user_form.html", context)


@require_POST
@access.page(rule=access.can_manage_accounts)
def user_active(request, pk):
    """Deactivate (active=0) or reactivate (active=1) an account."""
    user = _managed(pk)
    active = request.POST.get("active") == "1"
    if not active and user == request.user:
        messages.error(request, _("You cannot deactivate your own account."))
    elif services.set_active(actor=request.user, user=user, active=active):
        messages.success(
            request, _("The account was reactivated.") if active else _("The account was deactivated.")
        )
    return redirect("accounts:user", pk=user.pk)


@require_POST
@access.page(rule=access.can_manage_accounts)
def user_unlock(request, pk):
    user = _managed(pk)
    if services.lift_lockout(actor=request.user, user=user):
        messages.success(request, _("The log-in lock-out was lifted."))
    else:
        messages.info(request, _("This account was not locked out."))
    return redirect("accounts:user", pk=user.pk)


@require_POST
@never_cache
@access.page(rule=access.can_manage_accounts)
def user_password(request, pk):
    """With e-mail configured, mail a set-password link; without, show a one-time password once
    (this response only: it is not stored, logged or kept in the page's cache)."""
    user = _managed(pk)
    if not user.is_active:
        messages.error(request, _("Reactivate the account first."))
    elif settings.PASSWORD_RESET_ENABLED:
        if not user.email:
            messages.error(request, _("The account has no e-mail address: add one first."))
        else:
            services.send_password_link(actor=request.user, user=user, request=request)
            messages.success(request, _("A set-password link was sent to %(email)s.") % {"email": user.email})
    else:
        password = services.issue_one_time_password(actor=request.user, user=user)
        return render(request, "accounts/one_time_password.html", {"account": user, "password": password})
    return redirect("accounts:user", pk=user.pk)


@access.page(rule=access.can_manage_accounts)
def import_page(request):
    def run(raw, *, options, dry_run, user, source_name):
        return import_accounts(raw, user=user, source_name=source_name, dry_run=dry_run)

    spec = flow.ImportSpec(
        form=flow.ImportUploadForm,
        run=run,
        template="accounts/import.html",
        done=lambda outcome: (
            _("Imported: %(created)s accounts created, %(updated)s changed.")
            % {"created": outcome.created, "updated": outcome.updated}
        ),
    )
    return flow.import_page(request, spec)


class LoginView(auth_views.LoginView):
    """Django's log-in; a user who logs in with a one-time password must change it first
    (accounts.middleware)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        digest = services.one_time_password_in_use(self.request.user)
        if digest is not None:
            self.request.session[services.MUST_CHANGE_SESSION_KEY] = digest
        return response


login = LoginView.as_view()
