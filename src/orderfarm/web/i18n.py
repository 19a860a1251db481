"""The page's one catalogue of labels and messages, Chinese and English.

>>> t("nav_weighing"), t("nav_weighing", "en")
('收购', 'Weighing')
"""

from __future__ import annotations

import logging
from typing import Final

from orderfarm.messages import Lang

log = logging.getLogger("orderfarm.web")

TEXTS: Final[dict[str, dict[Lang, str]]] = {
    # -- shell and login --
    "language": {"zh": "语言", "en": "Language"},
    "login": {"zh": "登录", "en": "Log in"},
    "login_title": {"zh": "订单农业保护价收购 · 登录", "en": "Contract farming · log in"},
    "logout": {"zh": "退出登录", "en": "Log out"},
    "user_name": {"zh": "用户名", "en": "User name"},
    "password": {"zh": "密码", "en": "Password"},
    "login_wrong": {"zh": "用户名或密码错误", "en": "Wrong user name or password"},
    "login_locked": {
        "zh": "失败次数过多，请 {minutes} 分钟后再试",
        "en": "Too many failed attempts: try again in {minutes} minutes",
    },
    "no_db": {
        "zh": "没有指定数据库：streamlit run app_streamlit.py -- --db 文件，或设置 ORDERFARM_DB",
        "en": "No database given: streamlit run app_streamlit.py -- --db FILE, or set ORDERFARM_DB",
    },
    "db_failed": {
        "zh": "无法打开数据库，详情见日志",
        "en": "The database cannot be opened; see the log",
    },
    "denied": {
        "zh": "您的角色无权执行此操作（{permission}）",
        "en": "Your role may not do this ({permission})",
    },
    "refused": {"zh": "未能完成：{reason}", "en": "Not done: {reason}"},
    "unexpected": {
        "zh": "出现意外错误，已记录日志。请重试或联系管理员。",
        "en": "Something went wrong; it has been logged. Try again or ask the administrator.",
    },
    "role_admin": {"zh": "管理员", "en": "administrator"},
    "role_clerk": {"zh": "业务员", "en": "clerk"},
    "role_viewer": {"zh": "查看者", "en": "viewer"},
    "perm_manage_users": {"zh": "管理用户", "en": "manage users"},
    "perm_set_prices": {"zh": "设定价格", "en": "set prices"},
    "perm_view_audit": {"zh": "查看审计", "en": "view the audit"},
    "perm_write_parties": {"zh": "登记农户和企业", "en": "register households and enterprises"},
    "perm_write_contracts": {"zh": "管理合同", "en": "manage contracts"},
    "perm_record_delivery": {"zh": "录入收购小票", "en": "record weighing slips"},
    "perm_record_input": {"zh": "录入投入品配发", "en": "record inputs"},
    "perm_record_payment": {"zh": "录入付款", "en": "record payments"},
    "perm_void_record": {"zh": "作废记录", "en": "void records"},
    "perm_import": {"zh": "导入文件", "en": "import files"},
    "perm_view_personal": {"zh": "查看完整身份证号和账号", "en": "see full IDs and accounts"},
    "perm_view_reports": {"zh": "查看报表", "en": "view reports"},
    # -- navigation --
    "nav_dashboard": {"zh": "总览", "en": "Dashboard"},
    "nav_households": {"zh": "农户", "en": "Households"},
    "nav_contracts": {"zh": "合同", "en": "Contracts"},
    "nav_weighing": {"zh": "收购", "en": "Weighing"},
    "nav_inputs": {"zh": "投入", "en": "Inputs"},
    "nav_payments": {"zh": "付款", "en": "Payments"},
    "nav_settlement": {"zh": "结算", "en": "Settlement"},
    "nav_estimate": {"zh": "增收测算", "en": "Income estimate"},
    "nav_market": {"zh": "市场价", "en": "Market prices"},
    "nav_files": {"zh": "导入导出", "en": "Import / export"},
    "nav_audit": {"zh": "审计", "en": "Audit"},
    "nav_users": {"zh": "用户", "en": "Users"},
    # -- common --
    "season": {"zh": "年度", "en": "Season"},
    "no_seasons": {"zh": "还没有任何合同", "en": "No contracts yet"},
    "search": {"zh": "查找农户", "en": "Find a household"},
    "search_hint": {
        "zh": "姓名、拼音首字母（如 zs）、身份证号后几位或村名",
        "en": "name, pinyin initials (e.g. zs), the end of the ID, or the village",
    },
    "no_match": {"zh": "没有找到符合条件的农户", "en": "No household matches"},
    "household": {"zh": "农户", "en": "Household"},
    "contract": {"zh": "合同", "en": "Contract"},
    "mu": {"zh": "亩", "en": "mu"},
    "day": {"zh": "日期", "en": "Date"},
    "amount": {"zh": "金额", "en": "Amount"},
    "none_yet": {"zh": "暂无记录", "en": "Nothing recorded yet"},
    "voided": {"zh": "已作废", "en": "Voided"},
    "saved": {"zh": "已保存", "en": "Saved"},
    # -- weighing --
    "grade": {"zh": "等级", "en": "Grade"},
    "gross_kg": {"zh": "毛重（公斤）", "en": "Gross (kg)"},
    "tare_kg": {"zh": "皮重（公斤）", "en": "Tare (kg)"},
    "moisture_pct": {"zh": "水分（%）", "en": "Moisture (%)"},
    "impurity_pct": {"zh": "杂质（%）", "en": "Impurity (%)"},
    "purchase_point": {"zh": "收购点", "en": "Purchase point"},
    "receipt_no": {"zh": "小票号", "en": "Receipt number"},
    "enter_weights": {
        "zh": "请输入毛重、皮重等，保存前会先显示净重、价格和计价说明。",
        "en": "Enter the gross weight and the rest: the net weight, price and reason show before saving.",
    },
    "preview": {"zh": "计价预览（尚未保存）", "en": "Price preview (not saved yet)"},
    "net_kg": {"zh": "净重", "en": "Net weight"},
    "unit_price": {"zh": "单价（元/公斤）", "en": "Unit price (yuan/kg)"},
    "lot_rejected": {"zh": "拒收：{reason}", "en": "Rejected: {reason}"},
    "save_slip": {"zh": "保存小票", "en": "Save the slip"},
    "slip_saved": {
        "zh": "小票 {receipt} 已保存，金额 {amount}",
        "en": "Slip {receipt} saved: {amount}",
    },
    "print_receipt": {"zh": "打印小票", "en": "Print the receipt"},
    "next_slip": {"zh": "下一张小票", "en": "Next slip"},
    "slips_of_contract": {"zh": "本合同的收购小票", "en": "Slips of this contract"},
}


def t(key: str, lang: Lang = "zh", **params: object) -> str:
    """The text for ``key`` in ``lang``, with ``{name}`` placeholders filled from ``params``.

    A missing key shows the key itself (and is logged): the page never fails on a label.
    """
    entry = TEXTS.get(key)
    if entry is None:
        log.warning("no text for %r", key)
        return key
    template = entry.get(lang) or entry["zh"]
    if not params:
        return template
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
