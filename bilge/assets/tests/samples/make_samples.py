"""Writes the sample files of the import tests (run once; the files are committed):
``.venv/bin/python bilge/assets/tests/samples/make_samples.py``. They fit the ``inv`` fixture."""

import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

TR = ["Tür kodu", "Marka", "Model", "Seri no", "Ad", "Durum", "Yer", "Ambar kodu", "Birim kodu",
      "Zimmetli sicil no", "IP adresi", "MAC adresi", "Bilgisayar adı", "Onaylı", "Alım tarihi", "Fiyat",
      "Tedarikçi", "Fatura no", "Garanti bitişi", "İşlemci", "Bellek (GB)", "İşletim sistemi"]
GOOD = [
    ["pc", "Casper", "Nirvana D46", "CSP-0001", "Fen İşleri PC 1", "", "", "BT", "", "1002", "10.1.2.3",
     "aa-bb-cc-dd-ee-01", "FEN-PC-001", "evet", datetime.date(2025, 3, 15), 24500.5, "ABC Bilişim", "F-1",
     datetime.date(2028, 3, 15), "i7-13700", 32, "Pardus"],
    ["pc", "Casper", "Nirvana D46", "CSP-0002", "", "depoda", "", "BT", "FEN", "", "", "", "", "hayır",
     "02.01.2025", "24.500,00", "", "", "", "", "", "Windows 11"],
    ["printer", "HP", "LaserJet M404", "HP-0001", "Başkanlık yazıcısı", "kullanımda",
     "Hizmet Binası / A Blok / 3. Kat / Oda 312", "", "YOL", "", "10.1.2.50", "AABB.CCDD.EE02", "", "evet",
     "", "", "", "", "", "", "", ""],
    ["Yazıcı", "", "", "HP-0002", "Yedek yazıcı", "", "", "BT", "", "", "", "", "", "", "", "", "", "", "", "",
     "", ""],
]


def xlsx(name, headers, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(HERE / name)


def csv(name, headers, rows, encoding, sep=";"):
    lines = [sep.join(headers)] + [sep.join("" if v is None else str(v) for v in row) for row in rows]
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def main():
    xlsx("devices_good.xlsx", TR, GOOD)
    bad = [list(r) for r in GOOD]
    bad[2][11] = "ZZ:11:22"  # row 4 of the sheet: not a MAC address
    xlsx("devices_bad_row.xlsx", TR, bad)
    csv("devices_cp1254.csv", ["Tür kodu", "Seri no", "Ad", "Ambar kodu", "Onaylı", "Alım tarihi", "Taşınır kodu"],
        [["printer", "WIN-0001", "Başkanlık yazıcısı (Işıl Çağrı)", "BT", "Evet", "01.02.2025", "255.01.02.05"],
         ["pc", "WIN-0002", "Ölçü şubesi bilgisayarı", "BT", "hayır", "", ""]], "cp1254")
    csv("devices_english.csv", ["Type code", "Manufacturer", "Model", "Serial number", "Name", "Warehouse code",
                                "Approved", "Purchase date", "Operating system"],
        [["pc", "Casper", "Nirvana D46", "EN-0001", "Reception PC", "BT", "yes", "2025-05-06", "win11"],
         ["printer", "HP", "LaserJet M404", "EN-0002", "Reception printer", "BT", "no", "", ""]], "utf-8-sig", ",")
    xlsx("custody_good.xlsx", ["Sicil no", "Seri no", "Teslim alan sicil no", "Tarih", "Not"],
         [["255.01.02.01/25/000001", "", "1002", datetime.date(2025, 6, 2), "Devir"],
          ["", "CUS-0002", "1002", datetime.date(2025, 6, 2), "Devir"],
          ["", "CUS-0003", "1003", "03.06.2025", ""]])
    csv("stock_good.csv", ["Malzeme kodu", "Malzeme adı", "Tür", "Ambar kodu", "Miktar", "Kritik seviye"],
        [["TNR-59A", "HP 59A toner", "toner", "BT", "12", "3"],
         ["DRM-59A", "HP 59A drum", "drum", "BT", "4", "1"],
         ["CAT6-3M", "Cat6 kablo 3 m", "kablo", "BT", "50", "10"]], "utf-8")


if __name__ == "__main__":
    main()
