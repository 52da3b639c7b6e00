"""What every API serializer shares: writes go through the model's own validation."""

import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings


class ModelCleanSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose `validate` also runs the model's `full_clean()`.

    That is the validation the forms and imports use (`clean()` with field-named
    messages, and the database constraints checked in Python), so a write the
    pages would refuse is refused here with the same field and reason.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        many_to_many = {f.name for f in model._meta.many_to_many}
        values = {k: v for k, v in attrs.items() if k not in many_to_many}
        if self.instance is not None:
            candidate = copy.copy(self.instance)
            for name, value in values.items():
                setattr(candidate, name, value)
        else:
            candidate = model(**values)
        try:
            candidate.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {
                    (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
                    for field, messages in error.message_dict.items()
                }
            ) from None
        return attrs
