"""Validators for Turkish identifiers (python-stdnum, phonenumbers), not hand-rolled."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.tr import tckimlik


def validate_tc_kimlik(value: str) -> None:
    if not value:
        return
    if not tckimlik.is_valid(value):
        raise ValidationError(_("This is not a valid TC identity number."), code="invalid_tc_kimlik")


def validate_phone(value: str) -> None:
    if not value:
        return
    try:
        number = phonenumbers.parse(value, "TR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(_("This is not a valid phone number."), code="invalid_phone")
