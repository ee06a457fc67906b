"""个人信息处理情况记录: a person's record printed for them (PIPL Art. 45), in the house style of
the printed documents (`services.runtime.printing`). The ID number shows masked, and so does
every name; what the page lists is the ledger's, nothing is read unmasked to print it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.runtime.printing import china_day, fields, heading, page, paragraph, table, zh_time

TITLE = "个人信息处理情况记录"
BASIS = ("依据《中华人民共和国个人信息保护法》第四十五条，现将本单位办件系统中涉及下列证件号码"
         "的办件、所含个人信息种类、不脱敏查阅记录及销毁情况告知如下。")


def _at(value: str) -> str:
    return zh_time(datetime.fromisoformat(value))


def _case(n: int, case: dict[str, Any]) -> list[str]:
    reads = [(_at(r["at"]), r["site"], r["reader"], r["role"], "、".join(r["fields"]),
              r["reason"]) for r in case["unmasked_reads"]]
    destroyed = [(_at(d["at"]), d["site"], d.get("by", ""),
                  "、".join(d["what"]), d["reason"]) for d in case["destroyed"]]
    return [
        heading(f"{n}. 办件 {case['case_number']}"),
        fields([("事项名称", case["matter_name"]), ("申请人", case["applicant"]),
                ("本人身份", "、".join(r["role_zh"] for r in case["roles"])),
                ("受理地", case["receiving_site"]),
                ("业务属地", "、".join(case["business_sites"])),
                ("受理日期", case["accepted_on"]), ("状态", case["status_zh"])]),
        table(["序号", "所含个人信息种类", "自何时起"],
              [(i, k["kind"], _at(k["since"])) for i, k in enumerate(case["personal_data"], 1)]),
        table(["查阅时间", "单位", "查阅人", "岗位", "查阅内容", "事由"], reads)
        if reads else paragraph("未有不脱敏查阅记录。"),
        table(["销毁时间", "单位", "执行人", "销毁内容", "原因"], destroyed)
        if destroyed else paragraph("尚无销毁记录。"),
    ]


def person_record_page(record: dict[str, Any], unit: str, auditor: str,
                       at: datetime) -> str:
    body = [paragraph(BASIS),
            fields([("查询单位", unit), ("查询人", auditor), ("查询时间", zh_time(at)),
                    ("办件数", len(record["cases"]))])]
    for n, case in enumerate(record["cases"], record["offset"] + 1):
        body.extend(_case(n, case))
    if not record["cases"]:
        body.append(paragraph("本单位未持有涉及该证件号码的办件。"))
    return page(TITLE, record["id_number"], body, unit, china_day(at), number_label="证件号码")
