#!/usr/bin/python3
"""Write a CSV ledger (as `doudi gen` makes) as an .xlsx workbook the way Excel stores one: a
title merged above the header, every text in the shared strings table, numbers as numbers,
YYYY-MM-DD dates as serial days in a yyyy-mm-dd cell format, cell references on every cell.
Streamed: the sheet is written row by row into the zip, so a large ledger makes a large
workbook without holding it. For measuring the reader on a big workbook (docs/performance.md),
not part of `make test`.

    /usr/bin/python3 tests/tools/csv_to_xlsx.py persons.csv persons.xlsx
"""
import csv
import datetime
import re
import sys
import zipfile
from xml.sax.saxutils import escape

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
NUMBER = re.compile(r"^-?\d{1,15}(\.\d+)?$")
EPOCH = datetime.date(1899, 12, 30)


def column(n):
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def main(src, dst):
    strings, order = {}, []

    def sst(text):
        if text not in strings:
            strings[text] = len(order)
            order.append(text)
        return strings[text]

    with open(src, newline="", encoding="utf-8") as f, \
            zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        rows = csv.reader(f)
        header = next(rows)
        width = len(header)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            def w(s):
                out.write(s.encode("utf-8"))
            w('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s><sheetData>' % NS)
            w('<row r="1"><c r="A1" t="s"><v>%d</v></c></row>' % sst("郑州市XX区特殊贫困群体摸底台账"))
            w('<row r="2">' + "".join('<c r="%s2" t="s"><v>%d</v></c>' % (column(i + 1), sst(h))
                                      for i, h in enumerate(header)) + "</row>")
            for r, cells in enumerate(rows, start=3):
                parts = ['<row r="%d">' % r]
                for i, v in enumerate(cells):
                    ref = "%s%d" % (column(i + 1), r)
                    m = DATE.match(v)
                    if m:
                        serial = (datetime.date(int(m[1]), int(m[2]), int(m[3])) - EPOCH).days
                        parts.append('<c r="%s" s="1"><v>%d</v></c>' % (ref, serial))
                    elif NUMBER.match(v) and len(v) < 16:
                        parts.append('<c r="%s"><v>%s</v></c>' % (ref, v))
                    elif v:
                        parts.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, sst(v)))
                parts.append("</row>")
                w("".join(parts))
            w('</sheetData><mergeCells count="1"><mergeCell ref="A1:%s1"/></mergeCells></worksheet>' % column(width))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst %s count="%d" uniqueCount="%d">'
                       % (NS, len(order), len(order))).encode())
            for i in range(0, len(order), 10000):
                out.write("".join("<si><t>%s</t></si>" % escape(s) for s in order[i:i + 10000]).encode("utf-8"))
            out.write(b"</sst>")
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>' % (PKG, RELNS))
        z.writestr("xl/workbook.xml", '<workbook %s xmlns:r="%s"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>' % (NS, RELNS))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/>'
                   '<Relationship Id="rId2" Type="%s/sharedStrings" Target="sharedStrings.xml"/>'
                   '<Relationship Id="rId3" Type="%s/styles" Target="styles.xml"/></Relationships>'
                   % (PKG, RELNS, RELNS, RELNS))
        z.writestr("xl/styles.xml", '<styleSheet %s><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" '
                   'applyNumberFormat="1"/></cellXfs></styleSheet>' % NS)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
