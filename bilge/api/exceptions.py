"""Errors as JSON in the user's language; bad input is a 400 with field errors, never a 500."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, (PermissionError, DjangoPermissionDenied)):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, IntegrityError):
        return Response({"non_field_errors": [_("This conflicts with an existing record.")]},
                        status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, (ValueError, TypeError, OverflowError)):
        return Response({"non_field_errors": [_("The request could not be understood.")]},
                        status=status.HTTP_400_BAD_REQUEST)
    return drf_handler(exc, context)
