from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


class AccountForm(forms.Form):
    """Names the account a token is issued to or revoked from."""

    username = forms.CharField(label=_("Account (user name)"), max_length=150)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        try:
            self.user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise forms.ValidationError(_("There is no active account with this user name.")) from None
        return username
