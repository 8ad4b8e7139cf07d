"""The gapless counters every numbered record uses (bilge.core.numbering)."""

import pytest
from django.db import transaction

from bilge.assets.models import SicilSequence
from bilge.core import numbering

pytestmark = pytest.mark.django_db


def test_numbers_per_key_from_one_and_blocks():
    with transaction.atomic():
        assert numbering.take(SicilSequence, code="255.01", year=2026) == 1
        assert numbering.take(SicilSequence, code="255.01", year=2026) == 2
        assert numbering.take(SicilSequence, 10, code="255.01", year=2026) == 3  # 3..12 reserved
        assert numbering.take(SicilSequence, code="255.01", year=2026) == 13
        assert numbering.take(SicilSequence, code="255.01", year=2027) == 1
        assert numbering.take(SicilSequence, code="255.02", year=2026) == 1


def test_a_rolled_back_number_is_given_again():
    with transaction.atomic():
        numbering.take(SicilSequence, code="255.01", year=2026)
    try:
        with transaction.atomic():
            assert numbering.take(SicilSequence, code="255.01", year=2026) == 2
            raise ValueError
    except ValueError:
        pass
    with transaction.atomic():
        assert numbering.take(SicilSequence, code="255.01", year=2026) == 2
