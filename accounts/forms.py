from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import Wanted, state_of
from metrics.models import School
from reform.access import Role

ROLE_CHOICES = [
    (Role.BOARD.value, gettext_lazy("Board staff")),
    (Role.PRINCIPAL.value, gettext_lazy("Principal")),
    (Role.OFFICIAL.value, gettext_lazy("Official")),
]


class AccountForm(forms.Form):
    """An account of one of the three roles; a principal's school. `user` None: a new account."""

    username = forms.CharField(
        label=gettext_lazy("User name"), max_length=150, validators=[UnicodeUsernameValidator()]
    )
    last_name = forms.CharField(label=gettext_lazy("Family name"), max_length=150, required=False)
    first_name = forms.CharField(label=gettext_lazy("Given name"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)
    school = forms.ModelChoiceField(
        label=gettext_lazy("School (principals)"),
        queryset=School.objects.select_related("school_type").order_by("code"),
        required=False,
        empty_label=gettext_lazy("(no school)"),
    )

    def __init__(self, *args, user: User | None = None, actor: User, **kwargs):
        self.user, self.actor = user, actor
        if user is not None:
            state = state_of(user)
            link = getattr(user, "principal_of", None)
            kwargs.setdefault(
                "initial",
                {
                    "username": user.username,
                    "last_name": state["last_name"],
                    "first_name": state["first_name"],
                    "email": state["email"],
                    "role": state["role"] if state["role"] != Role.NONE else "",
                    "school": link.school_id if link is not None else None,
                },
            )
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"]
        others = User.objects.filter(username__iexact=username)
        if self.user is not None:
            others = others.exclude(pk=self.user.pk)
        if others.exists():
            raise forms.ValidationError(_("An account with this user name already exists."))
        return username

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.PRINCIPAL and not data.get("school"):
            self.add_error("school", _("A principal needs a school."))
        if role and role != Role.PRINCIPAL:
            data["school"] = None  # only principals have a school
        if self.user is not None and self.user == self.actor and role and role != Role.BOARD:
            self.add_error("role", _("You cannot take away your own board role."))
        return data

    def wanted(self) -> Wanted:
        data = self.cleaned_data
        return Wanted(
            role=Role(data["role"]),
            school=data["school"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
        )
