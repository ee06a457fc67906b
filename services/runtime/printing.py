"""The pieces every printed document is made of: an A4 page shell, field rows, tables and the
Chinese forms of dates and material forms. Every value passes through `html.escape`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from html import escape

from contracts.identity import Company, Person, mask_id_number
from services.runtime.workdays import CHINA

FORM_ZH = {"original": "原件", "copy": "复印件", "electronic": "电子件"}

STYLE = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "SimSun", "宋体", "Songti SC", "STSong", "Noto Serif CJK SC",
       "Source Han Serif SC", serif; font-size: 12pt; line-height: 1.7; color: #000;
       max-width: 174mm; margin: 0 auto; }
h1 { font-size: 20pt; text-align: center; letter-spacing: 0.3em; margin: 0 0 4mm; }
h2 { font-size: 14pt; margin: 5mm 0 2mm; }
.number { text-align: right; font-size: 13pt; font-weight: bold; margin: 0 0 6mm; }
.fields { width: 100%; border-collapse: collapse; margin-bottom: 4mm; }
.fields th { width: 30%; text-align: left; font-weight: normal; vertical-align: top; }
table.list { width: 100%; border-collapse: collapse; margin: 3mm 0 5mm; }
table.list th, table.list td { border: 1px solid #000; padding: 1mm 2mm; text-align: left; }
table.list th { font-weight: bold; }
p { margin: 2mm 0; text-indent: 2em; }
.sign { margin-top: 12mm; text-align: right; }
.sign p { text-indent: 0; }
@media print { body { max-width: none; } }
""".strip()


def page(title: str, case_number: str, body: Iterable[str], unit: str, day: date,
         number_label: str = "办件编号") -> str:
    """A complete printable page: the title, the case number (or what `number_label` names)
    at the top, the unit and date at the foot. No external resources."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(title)} {escape(case_number)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="number">{escape(number_label)}：{escape(case_number)}</p>',
        *body,
        '<div class="sign">',
        f"<p>{escape(unit)}（盖章）</p>",
        f"<p>{zh_date(day)}</p>",
        "</div>",
        "</body>",
        "</html>",
        "",
    ])


def fields(rows: Iterable[tuple[str, object]]) -> str:
    """Label–value rows; a row whose value is None or empty is left out."""
    cells = [f"<tr><th>{escape(label)}：</th><td>{escape(str(value))}</td></tr>"
             for label, value in rows if value not in (None, "")]
    return '<table class="fields">\n' + "\n".join(cells) + "\n</table>"


def table(headings: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = ["<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>"
            for row in rows]
    return "\n".join(['<table class="list">', f"<thead><tr>{head}</tr></thead>", "<tbody>",
                      *body, "</tbody>", "</table>"])


def heading(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def zh_time(at: datetime) -> str:
    local = at.astimezone(CHINA)
    return f"{zh_date(local.date())} {local:%H:%M}"


def china_day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def mask_phone(phone: str) -> str:
    digits = phone.replace("-", "")
    return f"{digits[:3]}****{digits[-4:]}"


def applicant_rows(applicant: Person | Company) -> list[tuple[str, object]]:
    """The applicant as printed on their own document: the name in full, the ID number and
    the phone masked; a company's legal representative by name."""
    rows: list[tuple[str, object]] = [("申请人", applicant.name)]
    if isinstance(applicant, Person):
        rows.append(("证件号码", mask_id_number(applicant.id_number)))
    else:
        rows.append(("统一社会信用代码", applicant.credit_code))
    if isinstance(applicant, Company):
        rows.append(("法定代表人", applicant.legal_representative))
    rows.append(("联系电话", mask_phone(applicant.phone)))
    return rows
