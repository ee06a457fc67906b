"""Why a request was refused, in Chinese, from pydantic's error `type` and its `ctx`: staff read
these reasons, so pydantic's English never reaches them. A type not listed here gets a general
reason rather than English."""

from __future__ import annotations

import re
from typing import Any

from contracts.text import CONTROL_CHARACTER, UNPAIRED_SURROGATE

GENERAL = "取值不符合要求"
_CJK = re.compile(r"[\u3400-\u9fff]")
_OBJECT = "应为 JSON 对象"
_LIST = "应为列表"
_DATE = "不是有效的日期（应为 YYYY-MM-DD）"
_DATETIME = "不是有效的日期时间（应为 ISO 8601，如 2026-11-26T09:30:00+08:00）"
_NUMBER = "应为数字"

_BY_TYPE = {
    "missing": "必填项缺失",
    "json_invalid": "请求体不是有效的 JSON",
    "json_type": "应为 JSON 文本",
    "extra_forbidden": "不认识的字段",
    "model_type": _OBJECT, "model_attributes_type": _OBJECT, "dataclass_type": _OBJECT,
    "dict_type": _OBJECT, "mapping_type": _OBJECT,
    "list_type": _LIST, "tuple_type": _LIST, "set_type": _LIST, "frozen_set_type": _LIST,
    "iterable_type": _LIST, "set_item_not_hashable": "列表中的项不能是对象或列表",
    "too_short": "至少应有 {min_length} 项", "too_long": "最多只能有 {max_length} 项",
    "string_type": "应为文字", "string_unicode": "应为有效的 Unicode 文字",
    "string_too_long": "最多{max_length}个字符", "string_pattern_mismatch": "格式不正确",
    "string_not_ascii": "只能含有半角字母、数字和符号",
    "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "int_parsing_size": "整数超出范围",
    "float_type": _NUMBER, "float_parsing": _NUMBER, "finite_number": "应为有限的数字",
    "decimal_type": _NUMBER, "decimal_parsing": _NUMBER,
    "decimal_max_digits": "最多{max_digits}位数字", "decimal_max_places": "最多{decimal_places}位小数",
    "decimal_whole_digits": "整数部分最多{whole_digits}位",
    "greater_than": "应大于 {gt}", "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}", "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "none_required": "应为空（null）",
    "date_type": _DATE, "date_parsing": _DATE, "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE, "date_past": "应为今天以前的日期",
    "date_future": "应为今天以后的日期",
    "time_type": "不是有效的时间（应为 HH:MM:SS）", "time_parsing": "不是有效的时间（应为 HH:MM:SS）",
    "datetime_type": _DATETIME, "datetime_parsing": _DATETIME,
    "datetime_object_invalid": _DATETIME, "datetime_from_date_parsing": _DATETIME,
    "datetime_past": "应为过去的时间", "datetime_future": "应为将来的时间",
    "timezone_naive": "不应带时区", "timezone_aware": "应带时区（如 +08:00）",
    "timezone_offset": "时区不正确",
    "time_delta_type": "不是有效的时长", "time_delta_parsing": "不是有效的时长",
    "uuid_type": "不是有效的编号（UUID）", "uuid_parsing": "不是有效的编号（UUID）",
    "uuid_version": "不是有效的编号（UUID）",
    "url_type": "不是有效的网址", "url_parsing": "不是有效的网址",
    "url_syntax_violation": "不是有效的网址", "url_too_long": "网址过长",
    "url_scheme": "网址的协议不正确",
    "bytes_type": "应为字节串", "bytes_too_short": "至少{min_length}个字节",
    "bytes_too_long": "最多{max_length}个字节", "bytes_invalid_encoding": "编码不正确",
    "union_tag_not_found": "缺少类型字段 {discriminator}",
    "text_control_character": CONTROL_CHARACTER, "text_unpaired_surrogate": UNPAIRED_SURROGATE,
}


def reason_zh(error: dict[str, Any]) -> str:
    """The reason for one pydantic error, as staff read it."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):  # our own validators' words
        message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return message if _CJK.search(message) else GENERAL
    if kind == "missing" and tuple(error["loc"]) == ("body",):
        return "缺少请求体（应为 JSON 对象）"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else "至少{min_length}个字符".format(**ctx)
    if kind in ("literal_error", "enum"):
        return f"应为 {_choices(str(ctx.get('expected', '')))} 之一" if ctx else "取值不在允许范围内"
    if kind == "union_tag_invalid":
        return f"类型“{ctx.get('tag')}”不在允许范围内，应为 {_choices(str(ctx.get('expected_tags')))} 之一"
    try:
        return _BY_TYPE[kind].format(**ctx)
    except (KeyError, IndexError):
        return GENERAL


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as 'a、b、c'."""
    return "、".join(c.strip().strip("'") for c in re.split(r", | or ", expected) if c.strip())
