from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken


class AccountForm(forms.Form):
    """Names the system account a token is issued to (a person's account is refused)."""

    username = forms.CharField(label=_("System account (user name)"), max_length=150)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        try:
            self.user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise forms.ValidationError(_("There is no active account with this user name.")) from None
        if not hasattr(self.user, "system_account"):
            raise forms.ValidationError(
                _(
                    "This is a person's account. Tokens are issued only to system accounts "
                    "(marked in Administration)."
                )
            )
        return username


class RevokeForm(forms.Form):
    """Names the token to revoke."""

    token = forms.ModelChoiceField(queryset=ApiToken.objects.all())
