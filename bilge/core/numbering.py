"""Gapless numbers (ticket numbers, sicil numbers, Taşınır Teslim Belgesi, Varlık İşlem Fişi…).

A counter model holds ``last`` per key (a year; a code and a year; a warehouse and a year).
:func:`take` reserves the next ``n`` numbers in one ``UPDATE … RETURNING``: the counter row stays
locked until the caller's transaction ends, so numbers are unique and without gaps also under
concurrent writers, and a rolled-back transaction gives its numbers back."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction


def take(counter, n: int = 1, **key) -> int:
    """Reserve ``n`` consecutive numbers of the counter row ``key`` (created at 0 when missing) and
    return the first. Must run inside the transaction that uses the numbers."""
    if not connection.in_atomic_block:
        raise RuntimeError("numbering.take() must run inside the transaction that uses the number")
    meta = counter._meta
    where = " AND ".join(f"{connection.ops.quote_name(meta.get_field(name).column)} = %s" for name in key)
    sql = f"UPDATE {meta.db_table} SET last = last + %s WHERE {where} RETURNING last"
    params = [n, *(getattr(value, "pk", value) for value in key.values())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    counter.objects.get_or_create(**key)
            except IntegrityError:
                pass  # created by a concurrent transaction
            cursor.execute(sql, params)
            row = cursor.fetchone()
    return row[0] - n + 1
