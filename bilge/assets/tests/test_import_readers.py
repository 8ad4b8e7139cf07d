"""The readers: the streaming .xlsx reader gives what openpyxl gives (text, numbers, booleans,
dates by style, formulas' cached values, gaps), by its fast path and its ElementTree fallback;
CSV in UTF-8 with or without BOM and Windows-1254, with ; , or tab; the cell parsers."""

import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from bilge.assets.importers import base, readers


@pytest.fixture
def workbook(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Veri"
    sheet.append(["Ad", "Sayı", "Tarih", "Onay", "Tutar", "Boş", "Formül"])
    sheet.append(["Işıl & Çağrı <1>", 12, datetime.date(2025, 3, 15), True, 24500.5, None, "=B2*2"])
    sheet.append([None, None, None, None, None, None, None])  # an empty row: skipped
    sheet.append(["ŞĞÜ", 7.0, datetime.datetime(2024, 1, 2, 13, 30), False, "1.234,50", "x", None])
    sheet["D5"] = "yalnız D"
    custom = sheet["C4"]
    custom.number_format = "dd.mm.yyyy"
    book.create_sheet("İkinci").append(["başka sayfa"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    return path


def test_xlsx_reader_matches_openpyxl(workbook):
    table = readers.open_table(workbook, "xlsx")
    assert table.headers == ["Ad", "Sayı", "Tarih", "Onay", "Tutar", "Boş", "Formül"]
    assert table.total == 4
    rows = list(table.rows())
    assert [number for number, _values in rows] == [2, 4, 5]
    expected = {r[0].row: [c.value for c in r] for r in load_workbook(workbook).active.iter_rows(min_row=2)}
    for number, values in rows:
        theirs = [v.date() if isinstance(v, datetime.datetime) and v.time() == datetime.time(0) else v
                  for v in expected[number]]
        mine = [v.date() if isinstance(v, datetime.datetime) and v.time() == datetime.time(0) else v for v in values]
        assert mine[:6] == theirs[:6]
    assert rows[0][1][0] == "Işıl & Çağrı <1>" and rows[0][1][2] == datetime.datetime(2025, 3, 15)
    assert rows[1][1][2] == datetime.datetime(2024, 1, 2, 13, 30) and rows[1][1][3] is False
    assert rows[2][1] == [None, None, None, "yalnız D", None, None, None]


def test_tree_fallback_reads_the_same(workbook):
    book = readers._XlsxBook(workbook)
    assert list(book._rows_tree()) == list(book._rows_fast())


def test_not_a_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04junk")
    with pytest.raises(readers.FileProblem):
        readers.open_table(path, "xlsx")
    with pytest.raises(readers.FileProblem):
        readers.open_table(path, "ods")


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ";"), ("utf-8-sig", ","), ("cp1254", ";"), ("utf-8", "\t")])
def test_csv_encodings_and_separators(tmp_path, encoding, sep):
    path = tmp_path / "x.csv"
    text = sep.join(["Tür kodu", "Ad"]) + "\r\n" + sep.join(["pc", '"Şube; Işık, Ölçü"']) + "\r\n\r\n" + \
        sep.join(["printer", "İğne"]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    table = readers.open_table(path, "csv")
    assert table.headers == ["Tür kodu", "Ad"]
    assert list(table.rows()) == [(2, ["pc", "Şube; Işık, Ölçü"]), (4, ["printer", "İğne"])]


def test_cell_parsers():
    assert base.parse_date("15.03.2025") == datetime.date(2025, 3, 15) == base.parse_date("2025-03-15")
    assert base.parse_date(datetime.datetime(2025, 3, 15, 0, 0)) == datetime.date(2025, 3, 15)
    with pytest.raises(ValueError):
        base.parse_date("31.02.2025")
    assert base.parse_decimal("24.500,50") == Decimal("24500.50") == base.parse_decimal(24500.5)
    assert base.parse_decimal("1500 TL") == Decimal("1500.00")
    with pytest.raises(ValueError):
        base.parse_decimal("-5")
    assert base.parse_bool("EVET") is True and base.parse_bool("Hayır") is False and base.parse_bool(None) is False
    with pytest.raises(ValueError):
        base.parse_bool("belki")
    assert base.parse_int("1.200") == 1200 and base.parse_int(3.0) == 3
    assert base.header_key("İşletim Sistemi") == base.header_key("isletim sistemi") == "isletimsistemi"
    assert readers.cell_text(16.0) == "16" and readers.cell_text(datetime.date(2025, 1, 2)) == "02.01.2025"
