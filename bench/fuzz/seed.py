#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target into DIR/<target>/ (default
fuzz/seeds): the repository's example files and small hand-made samples in
the layouts councils publish. run.sh fuzzes from the committed corpus
(fuzz/corpus); these seeds are what it was first grown from, merged into it
with `-merge=1`. Standard library only.

    python3 bench/fuzz/seed.py [DIR]
"""
import io
import os
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fuzz", "seeds")


def repo(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def lines(target, items):
    for i, s in enumerate(items):
        put(target, f"seed-{i:02}", s)


lines("postcode", [
    "S60 2TH", "s602th", " S60  2TH ", "DN1 3BU", "EC1A 1BB", "W1A 0AX",
    "M1 1AE", "B33 8TH", "CR2 6XH", "SW1A 2AA", "BFPO 1234", "BFPO1",
    "GIR 0AA", "FIQQ 1ZZ", "GX11 1AA", "BX1 1LT", "SE1P 5ZZ", "BF1 2AA",
    "XX1 1AA", "S60 2TC", "Q1 1AA", "S60", "",
])

lines("money", [
    "1234.56", "£1,234.56", "-£5", "£-5", "(5.00)", "( £1,200 )", "+3",
    "28,500", "0.5", "1000000000000", "1,000,000,000,000", "-1000000000000",
    "0.000001", "0.0000001", "999999999999999", "12,34", "1.", ".5", "£",
    "12e3", "0", "-0",
])

lines("dates", [
    "2019-04-01", "2019-04-01T00:00:00", "2019-04-01 09:30", "01/04/2019",
    "1/4/2019", "31-03-2020", "31.03.2020", "01/04/19", "01-Apr-2019",
    "1 April 2019", "29/02/2020", "2099-12-31", "1990-01-01", "2019/20",
    "2019-20", "2019/2020", "2099/00", "1990/91", "1999/00", "2019/21",
])

framework_toml = repo("data/frameworks/rotherham-2019.toml")
put("framework_toml", "rotherham-2019.toml", framework_toml)
put("framework_toml", "open-default.toml", repo("data/frameworks/open-default.toml"))
put("framework_toml", "small.toml", """\
[framework]
id = "small"
title = "A small framework"
custom_units = ["tonnes"]

[[theme]]
code = "T1"
title = "Jobs"

[[theme.outcome]]
code = "O1"
title = "More local people in work"

[[theme.outcome.measure]]
code = "M1"
title = "Local people employed"
unit = "fte"
kind = "per_unit"
counting = "first_contract_year"
[[theme.outcome.measure.proxy]]
year = "2019/20"
value_gbp = "28,500.50"
[[theme.outcome.measure.proxy]]
year = "2020/21"
value_gbp = 1000000000000

[[theme.outcome.measure]]
code = "M2"
title = "Waste diverted"
unit = "tonnes"
kind = "unvalued"
""")

framework_csv_header = ("theme_code,theme,outcome_code,outcome,code,title,unit,kind,"
                        "counting,year,proxy,source,licence,note\n")
put("framework_csv", "small.csv", framework_csv_header + """\
T1,Jobs,O1,More local people in work,M1,Local people employed,fte,per unit,every-year,2019/20,"£28,500.50",,,
T1,Jobs,O1,More local people in work,M1,Local people employed,fte,per_unit,,2020/21,29000,,,
T1,Jobs,O2,Skills,M2,Weeks of training,weeks,multiplier,first contract year,2019/20,0.000001,a source,OGL,a note
T2,Green,O3,Less waste,M3,Waste diverted,tonnes,unvalued,,,,,,
""")
put("framework_csv", "minimal.csv", """\
theme,outcome,code,title,unit,kind,year,proxy
Jobs,Work,R1,People employed,people,,2019/20,1000000000000
""")

put("commitments", "example.csv", """\
measure,units
R01,4
R09,"1,200"
R10,0.5
Total amount (£) spent in LOCAL supply chain through the contract,"£180,000"
""")
put("commitments", "years.csv", """\
measure_code,units_committed,contract_year,financial_year
R01,1000000000000,1,2019/20
R18,12,2,2018/19
r09,0.000001,3,
""")

put("contract", "example.toml", repo("data/examples/contract.toml"))
put("contract", "example-with-returns", repo("data/examples/contract.toml") + b"\0"
    + repo("data/examples/returns.csv"))
put("contract", "quarters", """\
[contract]
title = "T"
start = "2020-02-29"
years = 3
framework = "rotherham-2019"

[[commitment]]
measure = "R10"
contract_year = 3
units = "1,000"
quarters = [0, "0.5", 499.5, "500"]
\0measure,contract_year,quarter,units,verified
R10,3,4,1000,yes
R10,1,1,1,pending
""")

put("returns", "example.csv", repo("data/examples/returns.csv"))
put("returns", "aliases.csv", """\
code,contract_year,quarter,units_delivered
R01,2,4,"1,000,000,000,000"
R09,1,1,0.000001
""")

put("procurement", "example.toml", repo("data/examples/procurement.toml"))
put("procurement", "with-policy", repo("data/examples/procurement.toml") + b"\0"
    + repo("data/policy/rotherham.toml"))

put("quotes", "example.csv", repo("data/examples/quotes.csv"))
put("quotes", "demo.csv", repo("data/demo/purchases.csv"))

put("register", "register-and-overrides", """\
supplier_id,name,postcode,company_number,charity_number,sme,vcse
S1,Don Valley Builders Ltd,S60 2TH,01234567,,yes,no
S2,Rother Valley Print Ltd,s602th,,1100001,y,unknown
,A & B Services Ltd.,,,,,
\0supplier_id,name,postcode,reason
S1,,S65 1AA,local depot
,A and B Services Limited,DN1 3BU,branch office
""")
put("register", "aliases", """\
Address Book No.,Supplier Name,Post Code,Is SME,VCSE Flag
1001,"Maltby Joinery, Ltd",S66 8AA,TRUE,N/A
1002,REDACTED PERSONAL DATA,,false,0
\0Supplier ID,Supplier,Branch Postcode,Note
1001,,S60 1AA,works from Rotherham
""")

payments = {
    # The layout of Sheffield's published payments (made-up rows).
    "sheffield-layout.csv": """\
Payment Date,Amount,Organisational Unit,Beneficiary Name,Company Number,Charity Number
2019-08-13,898.96,PLACE,REDACTED PERSONAL DATA,,
2019-08-02,262.86,PEOPLE,DON VALLEY BUILDERS LTD,01234567,
2019-08-02,-1250.00,PEOPLE,Don Valley Builders Limited,01234567,
2019-09-30,,RESOURCES,ROTHER VALLEY PRINT LTD,,
2020-03-31,"1,234,567.89",PLACE,SOUTH YORKSHIRE CHARITY,,1100001
""",
    # A wider layout with supplier ids and VAT numbers (made-up rows).
    "wide-layout.csv": """\
Body,Organisation Name,Date,Net Amount,Supplier(Beneficiary) Name,Supplier Registered Company Number,Supplier Registered Charity Number,Supplier ID,VAT Registration Number,Expense Area
http://example.org/00CY,A Borough,17/08/2022,-438.80,Achieve Care Ltd,,,S385887,,Adult Services
http://example.org/00CY,A Borough,17-Aug-2022,£4101.36,Achieve Care Ltd,,,S385887,GB123456789,Adult Services
http://example.org/00CY,A Borough,1 September 2022,(12.50),"Smith, J",,,S1,,Children
""",
    "crlf-bom.csv": "\ufeffDate,Amount,Supplier\r\n01/04/19,12.5,A\r\n\r\n02.04.2019,3,B\r\n",
    "quoted.csv": 'date,value,payee\n2019-04-01,"1,000","Line\nbreak Ltd"\n2019-04-01T10:00:00,999999999999999,Big\n',
}
for name, text in payments.items():
    put("payments_csv", name, text)


def xlsx(rows):
    """A minimal XLSX of `rows` with inline strings, and its sheet's XML."""
    def cell(r, c, v):
        ref = chr(ord("A") + c) + str(r)
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"><v>{v}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
             '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + "".join(f'<row r="{i + 1}">' + "".join(cell(i + 1, j, v) for j, v in enumerate(r))
                       + "</row>" for i, r in enumerate(rows))
             + "</sheetData></worksheet>")
    return workbook(sheet), sheet


def workbook(sheet):
    """An XLSX of one sheet whose XML is `sheet`, entries stored uncompressed."""
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Payments" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            z.writestr(info, text)
    return buf.getvalue()


rows = [
    ["Payments over £250", "", ""],
    ["Payment Date", "Amount", "Supplier Name"],
    ["2019-04-01", 1234.56, "Don Valley Builders Ltd"],
    ["01/04/2019", -20, "REDACTED PERSONAL DATA"],
    ["", "", ""],
    [43556, "£1,000", "Maltby Joinery"],
]
book, sheet = xlsx(rows)
put("payments_xlsx", "payments.xlsx", book)
# Inputs that do not start with a zip header are a sheet's XML, which the
# target wraps into a workbook itself (see fuzz_targets/payments_xlsx.rs).
put("payments_xlsx", "sheet1.xml", sheet)
