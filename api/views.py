from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework import viewsets

from api.forms import AccountForm, RevokeForm
from api.models import ApiToken
from api.permissions import ReferenceData
from api.tokens import issue_token, revoke_token
from reform import access

# Ids in URLs are whole numbers that fit the database; anything else is a JSON 404 (api.errors.not_found).
ID_PATTERN = r"[0-9]{1,18}"


class RestrictedViewSetMixin:
    """A viewset's rows go through `restrict(request.user)` when its model has rows some users may
    not see (reform.access.RestrictedQuerySet), as NetBox's viewsets do: such a row is a 404."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if isinstance(queryset, access.RestrictedQuerySet):
            queryset = queryset.restrict(self.request.user)
        return queryset


class ReferenceViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Read by anyone with a role, written by board staff (see ReferenceData)."""

    permission_classes = [ReferenceData]
    lookup_value_regex = ID_PATTERN


@access.page(access.Role.BOARD)
@require_http_methods(["GET", "POST"])
def tokens(request):
    """Board staff issue and revoke API tokens of system accounts; a new key is shown once."""
    form, issued = AccountForm(), None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        revoke = RevokeForm(request.POST)
        if revoke.is_valid():
            token = revoke_token(token_id=revoke.cleaned_data["token"].pk)
            messages.success(request, _("The token %(token)s was revoked.") % {"token": token})
        return redirect("api:tokens")
    if request.method == "POST":
        form = AccountForm(request.POST)
        if form.is_valid():
            token, key = issue_token(user=form.user, created_by=request.user)
            issued = {"user": token.user, "key": key}
            form = AccountForm()
    rows = [
        {"token": t, "role": access.role_of(t.user)}
        for t in ApiToken.objects.select_related("user", "created_by").prefetch_related("user__groups")
    ]
    return render(request, "api/tokens.html", {"form": form, "issued": issued, "tokens": rows})
