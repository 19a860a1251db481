"""The page's one catalogue of labels and messages, Chinese and English.

>>> t("nav_weighing"), t("nav_weighing", "en")
('收购', 'Weighing')
"""

from __future__ import annotations

import logging
from typing import Final

from orderfarm.auth import Permission
from orderfarm.messages import Lang
from orderfarm.supplies import ChargeMode

log = logging.getLogger("orderfarm.web")

TEXTS: Final[dict[str, dict[Lang, str]]] = {
    # -- shell and login --
    "language": {"zh": "语言", "en": "Language"},
    "login": {"zh": "登录", "en": "Log in"},
    "login_title": {"zh": "订单农业保护价收购 · 登录", "en": "Contract farming · log in"},
    "logout": {"zh": "退出登录", "en": "Log out"},
    "user_name": {"zh": "用户名", "en": "User name"},
    "password": {"zh": "密码", "en": "Password"},
    "change_password": {"zh": "修改密码", "en": "Change my password"},
    "new_password": {"zh": "新密码（至少 8 个字符）", "en": "New password (8 characters or more)"},
    "repeat_password": {"zh": "再输入一次", "en": "Once more"},
    "passwords_differ": {"zh": "两次输入的密码不一致", "en": "The two passwords differ"},
    "password_changed": {"zh": "密码已修改", "en": "Password changed"},
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
    "read_only_store": {
        "zh": "只读：此数据库不能写入（{path}），页面只能查看、查询和下载，不能录入或修改",
        "en": "Read-only: this database cannot be written ({path}); the page can view, search "
        "and download, not record or change anything",
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
    "perm_manage_users": {"zh": Permission.MANAGE_USERS.zh, "en": "manage users"},
    "perm_set_prices": {"zh": Permission.SET_PRICES.zh, "en": "set prices"},
    "perm_view_audit": {"zh": Permission.VIEW_AUDIT.zh, "en": "view the audit"},
    "perm_inspect": {"zh": Permission.INSPECT.zh, "en": "draw inspection samples"},
    "perm_write_parties": {
        "zh": Permission.WRITE_PARTIES.zh,
        "en": "register households and enterprises",
    },
    "perm_write_contracts": {"zh": Permission.WRITE_CONTRACTS.zh, "en": "manage contracts"},
    "perm_record_delivery": {"zh": Permission.RECORD_DELIVERY.zh, "en": "record weighing slips"},
    "perm_record_input": {"zh": Permission.RECORD_INPUT.zh, "en": "record inputs"},
    "perm_record_payment": {"zh": Permission.RECORD_PAYMENT.zh, "en": "record payments"},
    "perm_void_record": {"zh": Permission.VOID_RECORD.zh, "en": "void records"},
    "perm_import": {"zh": Permission.IMPORT.zh, "en": "import files"},
    "perm_view_personal": {"zh": Permission.VIEW_PERSONAL.zh, "en": "see full IDs and accounts"},
    "perm_view_reports": {"zh": Permission.VIEW_REPORTS.zh, "en": "view reports"},
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
    "nav_inspection": {"zh": "督察抽查", "en": "Inspection"},
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
    "pick_household": {"zh": "请选择农户", "en": "Pick a household"},
    "pick_household_first": {
        "zh": "请先查找并选择农户：不会默认选中列表中的第一户",
        "en": "Find and pick the household first: the first of the list is not picked for you",
    },
    "picker_more": {
        "zh": "共 {count} 户符合，只列出前 {shown} 户；请多输入几个字（姓名、拼音首字母或身份证号后几位）缩小范围",
        "en": "{count} households match and the first {shown} are listed: type more (name, pinyin initials or the end of the ID) to narrow",
    },
    "household": {"zh": "农户", "en": "Household"},
    "contract": {"zh": "合同", "en": "Contract"},
    "mu": {"zh": "亩", "en": "mu"},
    "day": {"zh": "日期", "en": "Date"},
    "amount": {"zh": "金额", "en": "Amount"},
    "none_yet": {"zh": "暂无记录", "en": "Nothing recorded yet"},
    "voided": {"zh": "已作废", "en": "Voided"},
    "void_reason": {"zh": "作废原因", "en": "Why voided"},
    "void_said": {"zh": "{reason}（{day} 作废）", "en": "{reason} (voided {day})"},
    "rejected": {"zh": "拒收", "en": "Rejected"},
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
    "slip_price_saved": {"zh": "计价（已保存）", "en": "Price (saved)"},
    "net_kg": {"zh": "净重", "en": "Net weight"},
    "unit_price": {"zh": "单价（元/公斤）", "en": "Unit price (yuan/kg)"},
    "lot_rejected": {"zh": "拒收：{reason}", "en": "Rejected: {reason}"},
    "save_slip": {"zh": "保存小票", "en": "Save the slip"},
    "receipt_renumbered": {
        "zh": "小票号 {taken} 刚被另一张小票（第 {id} 号记录）使用，本单未保存。"
        "已换用新号 {receipt}，所填数据不变：请核对后再点「保存小票」。",
        "en": "Receipt number {taken} was just used by another slip (record {id}); this one "
        "was not saved. It has the new number {receipt}, with the figures as typed: check "
        "them and save the slip again.",
    },
    "slip_saved": {
        "zh": "小票 {receipt} 已保存，金额 {amount}",
        "en": "Slip {receipt} saved: {amount}",
    },
    "slip_priced_again": {
        "zh": "小票 {receipt} 因同一合同之前的小票作废已重新计价：原记录 {old} 已作废，"
        "现为记录 {id}。请重新打印小票。",
        "en": "Slip {receipt} was priced again when an earlier slip of its contract was voided: "
        "record {old} is voided, the slip is now record {id}. Print its receipt again.",
    },
    "moisture_zero": {
        "zh": "水分为 0%：干货不会不含水，请填实测水分",
        "en": "Moisture 0%: a dried lot always holds some water; type the measured moisture",
    },
    "moisture_blank": {
        "zh": "未填水分：按 0% 计，不扣水（合同水分标准 {standard}）。干货请填实测水分",
        "en": "No moisture typed: taken as 0%, no water deducted (the terms' standard is "
        "{standard}). Type the measured moisture of a dried lot",
    },
    "moisture_tiny": {
        "zh": "水分「{typed}」按 {moisture} 计：本栏填百分数，18% 请填 18，不是 0.18",
        "en": "Moisture {typed!r} is taken as {moisture}: this field is a percentage, type 18 "
        "for 18%, not 0.18",
    },
    "outstanding_is": {
        "zh": "未付余额 = 收购款 − 扣回（从收购款中扣回的垫付投入品）− 已付",
        "en": "Outstanding = proceeds − recovered (advanced inputs taken back from the proceeds) "
        "− paid",
    },
    "shared_by_crop": {
        "zh": "按作物分组时，种几种作物的农户在每种作物下各计一户，其扣回、已付和未付余额按各作物收购款的比例分摊（精确到分）",
        "en": "By crop, a household growing several crops counts under each, and its "
        "recovered, paid and outstanding amounts are shared between them in proportion to each "
        "crop's proceeds (to the fen)",
    },
    # how an input is charged (ChargeMode), as the page says it
    "charge_free": {"zh": ChargeMode.FREE.zh, "en": "free (not a household cost)"},
    "charge_advance": {"zh": ChargeMode.ADVANCE.zh, "en": "advanced (recovered from proceeds)"},
    "charge_paid": {"zh": ChargeMode.PAID.zh, "en": "paid at signing"},
    "login_disabled": {
        "zh": "此账户已停用，请联系管理员",
        "en": "This account is disabled: ask an administrator",
    },
    "login_again_password": {
        "zh": "您的密码已被更改，请用新密码重新登录",
        "en": "Your password was changed: log in again with the new one",
    },
    "change_role": {"zh": "修改角色", "en": "Change the role"},
    "role_changed": {"zh": "{name} 的角色已改为{role}", "en": "{name} is now {role}"},
    "checked_save_anyway": {
        "zh": "已核对以上数值，仍然保存",
        "en": "I have checked the figures above: save anyway",
    },
    "print_receipt": {"zh": "打印小票", "en": "Print the receipt"},
    "and_more": {"zh": " 等 {count} 张", "en": " and the others ({count} in all)"},
    "next_slip": {"zh": "下一张小票", "en": "Next slip"},
    "slips_of_contract": {"zh": "本合同的收购小票", "en": "Slips of this contract"},
    # -- households and parties --
    "head_name": {"zh": "户主姓名", "en": "Head of household"},
    "resident_id": {"zh": "身份证号", "en": "Resident ID"},
    "township": {"zh": "镇/街道办", "en": "Township"},
    "village": {"zh": "村", "en": "Village"},
    "group": {"zh": "组", "en": "Group"},
    "phone": {"zh": "电话", "en": "Phone"},
    "members": {"zh": "家庭人口", "en": "Members"},
    "poverty_status": {"zh": "贫困状态", "en": "Poverty status"},
    "account": {"zh": "一卡通账号", "en": "Payment account"},
    "found_households": {
        "zh": "找到 {count} 户（共 {total} 户）",
        "en": "{count} of {total} households",
    },
    "showing_first": {
        "zh": "只显示前 {shown} 户；输入姓名、拼音首字母或身份证号后几位可缩小范围",
        "en": "Showing the first {shown}; search by name, pinyin initials or ID tail to narrow",
    },
    "ids_masked": {
        "zh": "身份证号、电话和账号已部分隐藏（您的角色无权查看完整号码）",
        "en": "IDs, phones and accounts are partly hidden (your role may not see them in full)",
    },
    "add_or_edit": {"zh": "登记或修改农户", "en": "Add or edit a household"},
    "edit_which": {"zh": "选择", "en": "Choose"},
    "new_household": {"zh": "＋ 新农户", "en": "+ new household"},
    "household_saved": {"zh": "农户 {name} 已保存", "en": "Household {name} saved"},
    "household_changed_by": {
        "zh": "他人改为：{changes}。核对后再次保存，即以本表单为准",
        "en": "They changed: {changes}. Check, then save again to keep this form's values",
    },
    "save": {"zh": "保存", "en": "Save"},
    "enterprise": {"zh": "订单企业", "en": "Enterprise"},
    "no_enterprises": {
        "zh": "还没有登记订单企业（可在导入导出页导入）",
        "en": "No enterprise yet (import them on the Import / export page)",
    },
    # -- contracts --
    "contract_no": {"zh": "合同编号", "en": "Contract number"},
    "contract_list": {"zh": "合同列表", "en": "Contracts"},
    "create_contract": {"zh": "新建合同", "en": "New contract"},
    "crop_template": {"zh": "作物与产品形态", "en": "Crop and product form"},
    "area_mu": {"zh": "面积（亩）", "en": "Area (mu)"},
    "template_defaults": {
        "zh": "模板默认保护价（元/公斤）",
        "en": "The template's floor prices (yuan/kg)",
    },
    "floor_price": {"zh": "保护价", "en": "Floor price"},
    "template_terms": {
        "zh": "交售期 {window}；标准水分 {moisture}；随行就市：{linked}；投入品：{inputs}",
        "en": "Delivery window {window}; moisture standard {moisture}; follows the market: {linked}; inputs: {inputs}",
    },
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "create": {"zh": "创建合同（草稿）", "en": "Create the contract (draft)"},
    "contract_created": {
        "zh": "合同 {number} 已创建（草稿，待签约）",
        "en": "Contract {number} created (draft, to be signed)",
    },
    "sign_village": {"zh": "按村批量签约", "en": "Sign a village at once"},
    "no_drafts": {
        "zh": "本年度没有待签约的草稿合同",
        "en": "No draft contracts to sign this season",
    },
    "contracts_to_sign": {"zh": "待签约合同", "en": "Contracts to sign"},
    "signed_on": {"zh": "签约日期", "en": "Signing date"},
    "sign": {"zh": "签约", "en": "Sign"},
    "signed_count": {"zh": "已签约 {count} 份合同", "en": "{count} contracts signed"},
    "signed_after_window": {
        "zh": "签约日期 {day} 晚于这些合同的交售期（至 {end}）：是否把今天的日期当成了签约日期？",
        "en": "The signing day {day} is after these contracts' deliveries end ({end}): is it "
        "today's date left as it was?",
    },
    "checked_sign_anyway": {
        "zh": "已核对签约日期，仍然签约",
        "en": "I have checked the signing day: sign anyway",
    },
    "status": {"zh": "状态", "en": "Status"},
    "found_contracts": {"zh": "共 {count} 份合同", "en": "{count} contracts"},
    "sheet": {"zh": "工作表", "en": "Sheet"},
    "print_which": {"zh": "选择合同", "en": "Contract"},
    "end_contract": {"zh": "结束这份合同", "en": "End this contract"},
    "end_how": {"zh": "结束方式", "en": "How"},
    "end_cancel": {"zh": "作废（未签约）", "en": "cancel (not signed)"},
    "end_terminate": {"zh": "提前终止", "en": "terminate early"},
    "end_close": {"zh": "到期结清关闭", "en": "close at the season's end"},
    "end_reason": {"zh": "原因", "en": "Reason"},
    "end_confirm": {
        "zh": "确认{step}合同 {number}（户主 {name}）：此后不能再交售或配发",
        "en": "{step} contract {number} (head {name}): no slip or input may follow",
    },
    "end_do": {"zh": "确认结束", "en": "End it"},
    "contract_ended": {
        "zh": "合同{status}，不能再变更",
        "en": "The contract is {status}: it cannot change any more",
    },
    "contract_ended_now": {"zh": "合同 {number} 已{step}", "en": "Contract {number}: {step}"},
    "print_contract": {
        "zh": "下载合同（A4，可打印）",
        "en": "Download the contract (A4, printable)",
    },
    # -- inputs --
    "item": {"zh": "投入品", "en": "Input"},
    "quantity": {"zh": "数量", "en": "Quantity"},
    "unit": {"zh": "单位", "en": "Unit"},
    "unit_cost": {"zh": "单价（元）", "en": "Unit cost (yuan)"},
    "charge": {"zh": "结算方式", "en": "Charged as"},
    "supply_reference": {"zh": "配发单号", "en": "Supply reference"},
    "input_saved": {"zh": "已登记 {item}，金额 {amount}", "en": "{item} recorded: {amount}"},
    "input_recorded": {
        "zh": "配发单 {reference} 已登记为记录 {id}（{item}，{amount}），未重复登记",
        "en": "Supply {reference} is recorded already as record {id} ({item}, {amount}): "
        "not recorded again",
    },
    "input_recorded_voided": {
        "zh": "配发单 {reference} 已登记为记录 {id}，但该记录已作废：{why}。未重复登记；"
        "如需重新登记，请使用新的配发单号",
        "en": "Supply {reference} was recorded as record {id}, which is voided: {why}. Nothing "
        "recorded; a supply recorded again takes a new reference",
    },
    "inputs_of_household": {"zh": "该户的投入品", "en": "Inputs of this household"},
    # -- payments and voids --
    "proceeds": {"zh": "收购款", "en": "Proceeds"},
    "recovered": {"zh": "扣回垫付款", "en": "Advances recovered"},
    "carried_out": {"zh": "结转下季", "en": "Carried to next season"},
    "waived": {"zh": "核销", "en": "Waived"},
    "payable": {"zh": "应付", "en": "Payable"},
    "paid": {"zh": "已付", "en": "Paid"},
    "balance": {"zh": "余额（未付）", "en": "Balance (to pay)"},
    "outstanding": {"zh": "未付余额", "en": "Outstanding"},
    "amount_yuan": {"zh": "金额（元）", "en": "Amount (yuan)"},
    "payment_reference": {"zh": "付款凭证号", "en": "Payment reference"},
    "note": {"zh": "备注", "en": "Note"},
    "record_payment": {"zh": "登记付款", "en": "Record the payment"},
    "payment_saved": {"zh": "已登记付款 {amount}", "en": "Payment of {amount} recorded"},
    "payment_recorded": {
        "zh": "凭证号 {reference} 的付款 {amount} 已登记为记录 {id}，未重复登记",
        "en": "The payment of {amount} under {reference} is recorded already as record {id}: "
        "not recorded again",
    },
    "payment_recorded_voided": {
        "zh": "凭证号 {reference} 的这笔付款已登记为记录 {id}，但该记录已作废：{why}。未重复登记；"
        "如需重新付款，请使用新的凭证号",
        "en": "This payment under {reference} was recorded as record {id}, which is voided: "
        "{why}. Nothing recorded; a payment made again takes a new reference",
    },
    "payments_of_household": {
        "zh": "该户本年度付款",
        "en": "Payments of this household this season",
    },
    "void_record": {"zh": "作废记录（更正）", "en": "Void a record (correction)"},
    "void_note": {
        "zh": "记录不会被删除：作废会保留原记录并写明原因，计入审计。",
        "en": "Nothing is deleted: a void keeps the record, names the reason and is audited.",
    },
    "void_kind": {"zh": "记录类型", "en": "Record type"},
    "kind_delivery": {"zh": "收购小票", "en": "Weighing slip"},
    "kind_supply": {"zh": "投入品配发", "en": "Input supply"},
    "kind_payment": {"zh": "付款", "en": "Payment"},
    "record_id": {"zh": "记录编号", "en": "Record number"},
    "reason": {"zh": "原因", "en": "Reason"},
    "void": {"zh": "作废", "en": "Void"},
    "voided_ok": {"zh": "记录 {id} 已作废", "en": "Record {id} voided"},
    "void_target": {
        "zh": "{kind} {id}：{name}，{label}，{day}，{amount}",
        "en": "{kind} {id}: {name}, {label}, {day}, {amount}",
    },
    "already_voided": {
        "zh": "已作废：{what}。作废原因：{why}",
        "en": "Voided already: {what}. Why: {why}",
    },
    "correct_slip": {"zh": "更正一张小票", "en": "Correct a slip"},
    "correct_note": {
        "zh": "所选小票作废（须填原因），其数字填回上方表单；改正后保存，按原顺序重新计价，不影响农户应得。",
        "en": "The slip picked is voided (a reason is required) and its figures put back on the "
        "form above; put them right and save: it is priced again in its place.",
    },
    "slip_to_correct": {"zh": "要更正的小票", "en": "Slip to correct"},
    "void_and_correct": {"zh": "作废并填回表单", "en": "Void and put back on the form"},
    "corrected_ready": {
        "zh": "小票 {receipt} 已作废，数字已填回表单：改正后保存。",
        "en": "Slip {receipt} is voided and its figures are on the form: put them right and save.",
    },
    "repriced_in_place": {
        "zh": "此小票按原顺序重新录入，同一合同之后的小票已重新计价，新记录：{ids}。请重新打印这些小票。",
        "en": "This slip was recorded again in its place; later slips of the same contract "
        "were priced again, new records: {ids}. Print their receipts again.",
    },
    "repriced": {
        "zh": "同一合同之后的小票已按释放的保护收购量重新计价，新记录：{ids}。请重新打印这些小票。",
        "en": "Later slips of the same contract were priced again on the protected quantity "
        "this frees; new records: {ids}. Print their receipts again.",
    },
    # -- settlement --
    "statement": {"zh": "对账单", "en": "Statement"},
    "advance_not_recorded": {
        "zh": "合同 {contract} 约定垫付的 {item} {quantity} {unit}（{amount}）尚未登记配发："
        "配发时请在“投入”页或用配发文件登记，结算才会扣回",
        "en": "contract {contract} agrees to advance {item} {quantity} {unit} ({amount}), but no "
        "supply of it is recorded: record it on the inputs page or in a supplies file when it "
        "is handed over, or settlement will not recover it",
    },
    "line_kind": {"zh": "类别", "en": "Kind"},
    "line_carried": {"zh": "上季结转", "en": "Carried in"},
    "line_input": {"zh": "投入品垫付", "en": "Input advance"},
    "line_delivery": {"zh": "交售", "en": "Delivery"},
    "line_payment": {"zh": "付款", "en": "Payment"},
    "reference": {"zh": "凭证号", "en": "Reference"},
    "description": {"zh": "摘要", "en": "Description"},
    "print_statement": {
        "zh": "下载对账单（A4，可打印）",
        "en": "Download the statement (A4, printable)",
    },
    "season_settlement": {"zh": "年度结算", "en": "Season settlement"},
    "file_format": {"zh": "文件格式", "en": "File format"},
    "download_what": {"zh": "下载内容", "en": "What to download"},
    "export_settlement": {"zh": "年度结算表", "en": "Season settlement"},
    "export_statements": {"zh": "对账单明细", "en": "Statement lines"},
    "export_bank": {"zh": "银行代发清单", "en": "Bank payment list"},
    "full_ids": {"zh": "完整身份证号和账号（将记入审计）", "en": "Full IDs and accounts (audited)"},
    "prepare_file": {"zh": "生成文件", "en": "Prepare the file"},
    "download": {"zh": "下载", "en": "Download"},
    # -- dashboard --
    "households_contracted": {"zh": "签约农户", "en": "Households contracted"},
    "of_which_poor": {"zh": "其中建档立卡贫困户", "en": "of which registered poor"},
    "delivered": {"zh": "已交售", "en": "Delivered"},
    "group_by": {"zh": "分组", "en": "Group by"},
    "report_group": {"zh": "统计单位", "en": "Group"},
    "by_township": {"zh": "按镇", "en": "Township"},
    "by_village": {"zh": "按村", "en": "Village"},
    "by_crop": {"zh": "按作物", "en": "Crop"},
    "estimate_vs_actual": {"zh": "测算与实际对比", "en": "Estimate against actual"},
    "expected_kg": {"zh": "预计产量", "en": "Expected"},
    "fulfilment": {"zh": "履约率", "en": "Fulfilment"},
    "estimated_increase": {"zh": "测算增收", "en": "Estimated increase"},
    "actual_increase": {"zh": "实际增收", "en": "Actual increase"},
    "flagged": {"zh": "疑似外卖合同", "en": "Flagged contracts"},
    "flagged_note": {
        "zh": "“疑似外卖”：交售量远低于预计而市场价高于保护价，仅作入户核查线索，不是结论。",
        "en": "\u201cFlagged\u201d: far less delivered than expected while the market paid more than the floor — a lead for a visit, not a finding.",
    },
    # -- estimate --
    "what_if": {"zh": "单户测算", "en": "One household's what-if"},
    "yield_per_mu": {"zh": "亩产（公斤）", "en": "Yield (kg/mu)"},
    "expected_price": {"zh": "预计市场价（元/公斤）", "en": "Expected market price (yuan/kg)"},
    "floor_price_kg": {"zh": "保护价（元/公斤）", "en": "Floor price (yuan/kg)"},
    "floor_blank": {"zh": "留空表示没有保护价", "en": "Leave blank for no floor"},
    "baseline_per_mu": {"zh": "种玉米每亩纯收入（元）", "en": "Maize net income per mu (yuan)"},
    "expected_paid_price": {"zh": "预计收购价（元/公斤）", "en": "Expected paid price (yuan/kg)"},
    "net_income": {"zh": "纯收入（元）", "en": "Net income (yuan)"},
    "increase": {"zh": "增收", "en": "Increase"},
    "average_increase": {"zh": "户均增收", "en": "Average increase per household"},
    "floor_value": {"zh": "保护价价值", "en": "Value of the floor"},
    "floor_secures": {
        "zh": "保护价保住的收入：在较差年景（10% 分位）该户纯收入为 **{p10}**，没有保护价时为 {p10_without}，多 **{amount}**；保护价起作用的概率 {binds}。",
        "en": "What the floor secures: in a bad year (10th percentile) the household nets **{p10}**, against {p10_without} without the floor — **{amount}** more; the floor pays in {binds} of seasons.",
    },
    "with_floor": {"zh": "有保护价", "en": "With the floor"},
    "without_floor": {"zh": "无保护价", "en": "Without the floor"},
    "mean": {"zh": "平均", "en": "Mean"},
    "statistic": {"zh": "分位", "en": "Statistic"},
    "scenario": {"zh": "情形", "en": "Scenario"},
    "distribution_note": {
        "zh": "按市场价和亩产的波动模拟 {draws} 个年景：P10 为较差年景，P50 为中等，P90 为较好年景。",
        "en": "{draws} simulated seasons of market price and yield: P10 a bad year, P50 a middling one, P90 a good one.",
    },
    "how_computed": {"zh": "计算过程", "en": "How it is computed"},
    "aggregates": {"zh": "本年度合同测算汇总", "en": "This season's contracts, estimated"},
    # -- market prices --
    "enter_price": {"zh": "录入当日市场价", "en": "Enter the day's market price"},
    "price_per_kg": {"zh": "价格（元/公斤）", "en": "Price (yuan/kg)"},
    "price_is": {"zh": "该日市场价为 {price}", "en": "The day's market price is {price}"},
    "price_exists": {
        "zh": "该日已有市场价 {price}，保存将替换它（已登记的收购小票仍按登记时的价格）",
        "en": "That day already has the market price {price}; saving replaces it (slips already recorded keep the price they were recorded at)",
    },
    "price_saved": {"zh": "市场价 {price} 已保存", "en": "Market price {price} saved"},
    "no_prices": {
        "zh": "该作物本年度还没有市场价",
        "en": "No market prices for this crop this season",
    },
    "default_floors": {"zh": "模板保护价：{floors}", "en": "Template floor prices: {floors}"},
    # -- files --
    "import": {"zh": "导入", "en": "Import"},
    "export": {"zh": "导出", "en": "Export"},
    "record_type": {"zh": "记录类型", "en": "Record type"},
    "columns_are": {"zh": "列：{columns}", "en": "Columns: {columns}"},
    "upload": {
        "zh": "上传 CSV（UTF-8 或 GBK）或 XLSX 文件",
        "en": "Upload a CSV (UTF-8 or GBK) or XLSX file",
    },
    "or_paste": {"zh": "或粘贴表格内容（第一行为表头）", "en": "or paste the table (header first)"},
    "pasted": {"zh": "粘贴的内容", "en": "pasted text"},
    "check_file": {"zh": "检查（试运行，不写入）", "en": "Check (dry run, writes nothing)"},
    "row": {"zh": "行", "en": "Row"},
    "column": {"zh": "列", "en": "Column"},
    "value": {"zh": "值", "en": "Value"},
    "problem": {"zh": "问题", "en": "Problem"},
    "whole_file": {"zh": "文件", "en": "file"},
    "file_all_recorded": {
        "zh": "每一行都已登记且内容相同：导入不会写入新数据",
        "en": "Every row is recorded already with the same data: importing writes nothing new",
    },
    "download_template": {
        "zh": "下载空白模板（XLSX，只有表头）",
        "en": "Download an empty template (XLSX, headers only)",
    },
    "prepare_checklist": {
        "zh": "生成抽查核对表（XLSX，可打印或带到村里逐张核对）",
        "en": "Make the checklist of the sample (XLSX, to print or take to the villages)",
    },
    "inspection_file": {"zh": "督察抽查", "en": "inspection"},
    "file_ok": {"zh": "全部行都正确，可以导入", "en": "Every row is fine: ready to import"},
    "values_to_check": {
        "zh": "{count} 处数值较少见，请与纸质单据核对（不妨碍导入）：",
        "en": "{count} unusual value(s): check them against the paper slips (they do not stop "
        "the import):",
    },
    "parts_not_read": {
        "zh": "{count} 处未读取（列、标题或合计行），不是数据，无需核对：",
        "en": "{count} part(s) not read (columns, titles or sums): not data, nothing to check:",
    },
    "commit_file": {"zh": "导入（全部写入）", "en": "Import (write all rows)"},
    "checking_file": {"zh": "正在检查文件的每一行……", "en": "Checking every row of the file…"},
    "writing_file": {"zh": "正在写入……", "en": "Writing…"},
    "check_first": {
        "zh": "先检查文件，没有问题后才能导入",
        "en": "Check the file first; it can be imported once it has no problem",
    },
    "file_committed": {
        "zh": "已写入 {added} 条，已存在 {existing} 条",
        "en": "{added} added, {existing} already there",
    },
    # -- audit --
    "verify": {"zh": "校验", "en": "Verify"},
    "audit_head": {
        "zh": "审计链末条 #{seq}，哈希 {hash}",
        "en": "Audit chain head #{seq}, hash {hash}",
    },
    "run_verify": {"zh": "校验数据库与审计链", "en": "Verify the database and the audit chain"},
    "verifying": {
        "zh": "正在校验：每张收购小票都要重新计价，一个县的数据库约需一分钟……",
        "en": "Verifying: every slip is priced again; a county's file takes about a minute…",
    },
    "verify_ok": {
        "zh": "校验通过：{entries} 条审计记录，{rows} 条资金记录",
        "en": "All good: {entries} audit entries, {rows} money rows",
    },
    "verify_bad": {
        "zh": "发现 {count} 个问题，最早出错的审计记录 #{seq}",
        "en": "{count} problems found; first bad entry #{seq}",
    },
    "verify_bad_no_entry": {
        "zh": "发现 {count} 个问题（均不涉及审计记录）",
        "en": "{count} problems found (none of an audit entry)",
    },
    "audit_log": {"zh": "审计日志", "en": "Audit log"},
    "last_entries": {"zh": "显示最近条数", "en": "Latest entries to show"},
    "time": {"zh": "时间（UTC）", "en": "Time (UTC)"},
    "actor": {"zh": "操作人", "en": "User"},
    "action": {"zh": "操作", "en": "Action"},
    "record": {"zh": "记录", "en": "Record"},
    "hash": {"zh": "哈希", "en": "Hash"},
    # -- audit: the log's actions and verify's checks, by the store's codes --
    "audit_action_add_enterprise": {"zh": "登记企业", "en": "add enterprise"},
    "audit_action_add_household": {"zh": "登记农户", "en": "add household"},
    "audit_action_update_household": {"zh": "修改农户", "en": "update household"},
    "audit_action_reveal": {"zh": "查看完整身份信息", "en": "view full identity"},
    "audit_action_add_contract": {"zh": "录入合同", "en": "add contract"},
    "audit_action_sign_contract": {"zh": "签约", "en": "sign contract"},
    "audit_action_close_contract": {"zh": "合同结清", "en": "close contract"},
    "audit_action_terminate_contract": {"zh": "终止合同", "en": "terminate contract"},
    "audit_action_set_market_price": {"zh": "录入市场价", "en": "set market price"},
    "audit_action_record_delivery": {"zh": "登记收购小票", "en": "record delivery"},
    "audit_action_record_deliveries": {"zh": "批量登记收购小票", "en": "record deliveries"},
    "audit_action_supply_input": {"zh": "登记投入品", "en": "record input supply"},
    "audit_action_record_payment": {"zh": "登记付款", "en": "record payment"},
    "audit_action_void_delivery": {"zh": "作废收购小票", "en": "void delivery"},
    "audit_action_void_supply": {"zh": "作废投入品记录", "en": "void supply"},
    "audit_action_void_payment": {"zh": "作废付款", "en": "void payment"},
    "audit_action_add_user": {"zh": "添加用户", "en": "add user"},
    "audit_action_set_password": {"zh": "重设密码", "en": "set password"},
    "audit_action_change_user": {"zh": "修改用户", "en": "change user"},
    "audit_action_export_full": {"zh": "导出完整数据", "en": "full export"},
    "verify_check_integrity_check": {"zh": "数据库完整性", "en": "database integrity"},
    "verify_check_foreign_key_check": {"zh": "记录引用", "en": "record references"},
    "verify_check_audit_chain": {"zh": "审计链", "en": "audit chain"},
    "verify_check_audit_rows": {"zh": "金额记录与审计", "en": "money rows and audit"},
    "verify_check_repricing": {"zh": "重新计价", "en": "pricing again"},
    "verify_check_consistency": {"zh": "记录一致性", "en": "record consistency"},
    "verify_check_totals": {"zh": "汇总", "en": "running totals"},
    "verify_check_registers": {"zh": "登记信息与审计", "en": "registers and audit"},
    "check": {"zh": "检查项", "en": "Check"},
    "audit_entry": {"zh": "审计记录", "en": "Audit entry"},
    "inspection_note": {
        "zh": "按随机种子抽取农户：同一种子总是得到同一批农户，便于复核。逐张核对小票与纸质凭证。",
        "en": "Households drawn by a seed: the same seed always gives the same sample. Compare each slip with the paper receipt.",
    },
    "sample_size": {"zh": "抽查户数", "en": "Households to sample"},
    "sample_seed": {"zh": "随机种子", "en": "Seed"},
    # -- users --
    "role": {"zh": "角色", "en": "Role"},
    "active": {"zh": "启用", "en": "Active"},
    "add_user": {"zh": "添加用户", "en": "Add a user"},
    "user_added": {
        "zh": "用户 {name}（{role}）已添加，初始密码如下",
        "en": "User {name} ({role}) added; the first password is",
    },
    "password_once": {
        "zh": "密码只显示这一次，请抄给本人，登录后可请管理员重置。",
        "en": "The password shows only this once: give it to the user.",
    },
    "change_user": {"zh": "修改用户", "en": "Change a user"},
    "reset_password": {"zh": "重置密码", "en": "Reset the password"},
    "password_reset": {"zh": "{name} 的新密码如下", "en": "The new password of {name} is"},
    "disable": {"zh": "停用", "en": "Disable"},
    "enable": {"zh": "启用", "en": "Enable"},
}


def named(kind: str, code: str, lang: Lang = "zh") -> str:
    """What the catalogue calls the store's ``code`` of ``kind`` (``audit_action``,
    ``verify_check``) in ``lang``: the code itself when the catalogue has no name for it."""
    entry = TEXTS.get(f"{kind}_{code}")
    return code if entry is None else entry.get(lang) or entry["zh"]


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
