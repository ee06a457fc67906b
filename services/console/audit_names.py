"""Chinese names of what the ledger records (events, legs), for the audit pages; a name not
here is shown as the service gave it."""

from __future__ import annotations

EVENTS_ZH = {
    "ticket_issued": "取号", "visitor_triaged": "引导分流", "case_opened": "收件",
    "materials_submitted": "提交材料", "identity_verified": "身份核验", "case_accepted": "受理",
    "case_rejected": "不予受理", "correction_notice_issued": "一次性告知（补正）",
    "commitment_signed": "签署告知承诺", "proxy_service_authorized": "帮办代办授权",
    "material_file_attached": "上传材料文件", "material_file_read": "查阅材料文件",
    "case_routed": "流转至业务属地", "case_admitted": "业务属地接收", "case_received": "进入审批待办",
    "case_claimed": "认领", "case_approved": "准予", "case_denied": "不予许可",
    "decision_reported": "回传审批结果", "result_issued": "出具结果",
    "result_pushed_online": "结果网上推送", "result_mailed": "结果寄出",
    "result_arrived_at_window": "结果送达窗口", "result_handed_to_applicant": "窗口领取",
    "result_form_explained": "告知结果形式", "mail_delivered": "邮件妥投", "mail_returned": "邮件退回",
    "case_completed": "办结", "case_terminated": "终止", "case_archived": "资料归档",
    "case_overdue": "超期", "deadline_approaching": "临近时限", "deadline_extended": "延期",
    "extension_notified": "告知延期", "clock_paused": "计时暂停", "clock_resumed": "计时恢复",
    "supplement_requested": "要求补正", "business_supplement_requested": "业务属地要求补正",
    "supplement_forwarded": "转交补正材料", "promised_materials_delivered": "容缺材料补交",
    "special_procedure_started": "特别程序开始", "special_procedure_ended": "特别程序结束",
    "parcel_dispatched": "纸质材料寄出", "parcel_received": "纸质材料签收",
    "handover_confirmed": "移交确认", "handover_overdue": "移交超期",
    "supervision_noted": "督办", "collection_reminded": "提醒领取", "collection_supervised": "领取督办",
    "delivery_choice_changed": "变更送达方式", "delivery_choice_too_late": "送达方式变更过晚",
    "fee_guidance_given": "缴费指引", "service_rated": "好差评", "review_opened": "差评待整改",
    "review_called_back": "回访核实", "review_resolved": "差评处理", "review_appealed": "差评申诉",
    "appeal_decided": "申诉复核", "review_overdue": "整改超期", "rectification_completed": "整改完成",
    "joint_session_scheduled": "安排联办会商", "joint_session_held": "联办会商纪要",
    "joint_part_decided": "联办部分决定", "joint_part_reported": "联办部分回报",
    "joint_case_decided": "联办决定", "remote_consultation_requested": "发起远程会商",
    "remote_consultation_held": "远程会商记录", "personal_data_read": "查阅个人信息",
    "personal_data_destroyed": "个人信息销毁", "files_removed": "文件删除",
    "file_replica_repaired": "文件副本修复", "due_date_recomputed": "重算时限",
}
LEGS_ZH = {
    "receiving_check": "受理地收件审核", "transit": "流转在途", "review": "业务属地审批",
    "delivery": "结果送达", "dispatch": "结果寄出", "carriage": "邮寄在途",
    "collection": "申请人领取", "paused": "暂停计时",
}
RESPONSIBLE_ZH = {
    "receiving_site": "受理地", "business_site": "业务属地", "exchange": "交换平台",
    "carrier": "寄递企业", "applicant": "申请人", "applicant_or_procedure": "申请人或特别程序",
}
ROLES_ZH_EXTRA = {"system": "系统"}
