"""Turkish letters: folding for search, alphabetical order, on SQLite and PostgreSQL."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bilge.core.models import Person
from bilge.core.turkish import fold, order_by_turkish, sort_key, upper

TURKISH_ORDER = ["Cem", "Çağrı", "Ilgaz", "İpek", "Oya", "Ömer", "Sena", "Şule", "Uğur", "Ümran"]


def test_fold_the_turkish_way():
    assert fold("İSMAİL") == "ismail"
    assert fold("IŞIK") == "ışık"
    assert fold("ILGAZ") == "ılgaz"
    assert fold("Çağrı ÖZTÜRK") == "çağrı öztürk"
    assert fold("İ") == "i" and fold("I") == "ı"
    assert upper("ismail ışık") == "İSMAİL IŞIK"


@given(st.text(alphabet="abcçdefgğhıijklmnoöprsştuüvyzABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ 0123456789"))
def test_fold_is_idempotent_and_case_blind(text):
    assert fold(fold(text)) == fold(text)
    assert fold(upper(text)) == fold(text)
    assert len(fold(text)) == len(text)


def test_python_sort_key_orders_the_alphabet():
    import random

    shuffled = TURKISH_ORDER[:]
    random.Random(3).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == TURKISH_ORDER


@pytest.mark.smoke
@pytest.mark.django_db
def test_database_orders_and_searches_turkish(org):
    inst, unit = org["institution"], org["fen"]
    Person.objects.filter(institution=inst).delete() if False else None
    for i, name in enumerate(reversed(TURKISH_ORDER)):
        Person.objects.create(institution=inst, registration_no=f"9{i:03d}", first_name=name, last_name="Test",
                              unit=unit)
    names = list(order_by_turkish(Person.objects.filter(last_name="Test"), "first_name")
                 .values_list("first_name", flat=True))
    assert names == TURKISH_ORDER

    def search(text):
        qs = Person.objects.all()
        for word in fold(text).split():
            qs = qs.filter(search_text__contains=word)
        return set(qs.values_list("first_name", flat=True))

    assert search("ismail") == {"İSMAİL"}
    assert search("ışık") == {"İSMAİL"}
    assert search("IŞIK") == {"İSMAİL"}
    assert search("ilgaz") == set()          # i is not ı
    assert search("ılgaz") == {"Ilgaz"}
    assert search("ILGAZ") == {"Ilgaz"}
    assert search("çağrı öztürk") == {"Çağrı"}


def test_capfirst_in_templates_is_turkish_aware():
    from django.template import engines
    from django.utils import translation

    template = engines["django"].from_string("{{ a|capfirst }} {{ b|capfirst }}")
    with translation.override("tr"):
        assert template.render({"a": "ilgili birim", "b": "ışık"}) == "İlgili birim Işık"
    with translation.override("en"):
        assert template.render({"a": "item", "b": "ışık"}) == "Item Işık"
