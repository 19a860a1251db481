"""Bilingual catalogue of the library's messages and field labels (zh, en)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

#: Problem codes → message templates; ``{name}`` placeholders come from a problem's params.
MESSAGES: dict[str, dict[Lang, str]] = {
    # what verify finds (VerifyProblem.text); the English names the tables by their codes
    "verify_terms_unreadable": {
        "en": "contract {contract_no}'s price terms cannot be read: {reason}",
        "zh": "合同 {contract_no} 的价格条款无法读取，其收购小票未能重新计价",
    },
    "verify_missing_parent": {
        "en": "{table} row {row} points to a missing {parent}",
        "zh": "{table}第 {row} 行引用的记录不存在（{parent}）",
    },
    "verify_entry_missing": {
        "en": "audit entry #{seq} is missing",
        "zh": "审计记录 #{seq} 缺失",
    },
    "verify_entry_unchained": {
        "en": "audit entry #{seq} does not chain to #{prev}",
        "zh": "审计记录 #{seq} 与 #{prev} 接不上（审计链断开）",
    },
    "verify_entry_changed": {
        "en": "audit entry {seq} was changed after it was written",
        "zh": "审计记录 #{seq} 写入后被改动过",
    },
    "verify_rows_unrecorded": {
        "en": "{count} {table} row(s) claim audit entry #{seq}, which did not record them",
        "zh": "{count} 条{table}声称属于审计记录 #{seq}，但该审计记录并未登记它们",
    },
    "verify_rows_changed": {
        "en": "{table} row(s) {ids} differ from what audit entry #{seq} recorded",
        "zh": "{table} {ids} 与审计记录 #{seq} 登记的内容不符（被改动过）",
    },
    "verify_row_changed_ref": {
        "en": "{table} row {ids} ({ref}) differs from what audit entry #{seq} recorded",
        "zh": "{table} {ids}（单号 {ref}）与审计记录 #{seq} 登记的内容不符（被改动过）",
    },
    "verify_batch_changed": {
        "en": "the {count} {table} rows {ids} recorded by audit entry #{seq} differ from what it "
        "recorded: one or more of them was changed",
        "zh": "审计记录 #{seq} 登记的 {count} 条{table}（记录 {ids}）与登记内容不符：其中有被改动的",
    },
    "verify_batch_changed_refs": {
        "en": "the {count} {table} rows {ids} ({ref}) recorded by audit entry #{seq} differ from "
        "what it recorded: one or more of them was changed",
        "zh": "审计记录 #{seq} 登记的 {count} 条{table}（记录 {ids}，单号 {ref}）与登记内容不符："
        "其中有被改动的",
    },
    "verify_rows_gone": {
        "en": "the {table} rows recorded by audit entry #{seq} are gone",
        "zh": "审计记录 #{seq} 登记的{table}已不在",
    },
    "verify_repriced": {
        "en": "delivery {id} (receipt {receipt}) is stored as {stored} but its slip prices at "
        "{priced}",
        "zh": "收购小票 {id}（小票号 {receipt}）存储金额 {stored} 元，按小票重新计价为 {priced} 元",
    },
    "verify_supply_amount": {
        "en": "input supply {id}: the amount is not quantity × unit cost",
        "zh": "投入品记录 {id} 的金额不等于数量 × 单价",
    },
    "verify_totals": {
        "en": "the {table} of {key} differ from the sums of its records ({shown}): they were "
        "changed; have them recomputed from the records",
        "zh": "{table} {key} 与其记录之和不符（{shown}）：累计数被改动过，请技术人员按记录重算",
    },
    "verify_register_changed": {
        "en": "{kind} {key} differs from what audit entry #{seq} recorded: {fields}",
        "zh": "{kind} {key} 的{fields}与审计记录 #{seq} 登记的不符（被改动过）",
    },
    "verify_register_unrecorded": {
        "en": "{kind} {key} was not recorded by any audit entry",
        "zh": "{kind} {key} 没有任何审计记录登记过（不是经本系统写入的）",
    },
    "verify_register_gone": {
        "en": "{kind} {key}, recorded by audit entry #{seq}, is gone",
        "zh": "审计记录 #{seq} 登记的{kind} {key} 已不在",
    },
    "verify_contract_columns": {
        "en": "contract {key}: its columns disagree with its record: {fields}",
        "zh": "合同 {key} 的数据列与合同内容不一致：{fields}",
    },
    "verify_delivery_contract": {
        "en": "delivery {id} disagrees with its contract (household, enterprise or season)",
        "zh": "收购小票 {id} 与其合同的农户、企业或年度不一致",
    },
    # the store's refusals (StoreError.message)
    "store_full": {
        "en": "the disk holding {path} is full ({detail}); nothing was written. Free some space "
        "and try again",
        "zh": "磁盘已满（{path}），未写入任何数据。请腾出磁盘空间后再试",
    },
    "store_read_only": {
        "en": "{path} cannot be written ({detail}): the file, its folder or the disk is "
        "read-only; nothing was written",
        "zh": "数据库文件只读（{path}：文件、所在文件夹或磁盘不可写），未写入任何数据",
    },
    "store_corrupt": {
        "en": "{path} is not an orderfarm database or is damaged ({detail}); restore it from a "
        "backup",
        "zh": "数据库文件损坏或不是 orderfarm 数据库（{path}），请从备份恢复",
    },
    "store_io": {
        "en": "{path} could not be read or written ({detail}); nothing was written",
        "zh": "数据库文件读写失败（{path}），未写入任何数据",
    },
    "store_sql_refused": {
        "en": "the database {path} refused the operation: {detail}",
        "zh": "数据库拒绝了此操作：{detail}",
    },
    "store_busy": {
        "en": "the database {path} stayed busy for {seconds} s; try again later",
        "zh": "数据库正忙（已等待 {seconds} 秒），请稍后再试",
    },
    "backup_no_folder": {
        "en": "cannot back up to {path}: the folder {folder} does not exist; make it first",
        "zh": "无法备份到 {path}：文件夹 {folder} 不存在，请先建立该文件夹",
    },
    "backup_onto_itself": {
        "en": "a backup of {path} cannot overwrite the database itself: give the backup "
        "another name",
        "zh": "备份不能覆盖数据库本身（{path}），请给备份另取文件名",
    },
    "backup_onto_live": {
        "en": "{path} is in use as a database (it has a {suffix} file); choose another name "
        "for the backup",
        "zh": "{path} 正被用作数据库（旁边有 {suffix} 文件），请给备份另取文件名",
    },
    "no_household": {
        "en": "no household with resident ID {id}",
        "zh": "没有身份证号为 {id} 的农户",
    },
    "no_contract": {"en": "no contract {contract_no}", "zh": "合同 {contract_no} 不存在"},
    "no_enterprise": {
        "en": "enterprise {uscc} is not registered",
        "zh": "订单企业 {uscc} 未登记",
    },
    "no_user": {"en": "no user {name}", "zh": "用户 {name} 不存在"},
    "no_record": {"en": "no {kind} {id}", "zh": "没有编号为 {id} 的{kind}记录"},
    "already_voided": {"en": "{kind} {id} is already voided", "zh": "{kind} {id} 已作废"},
    "enterprise_taken": {
        "en": "{uscc} is already registered as {name!r}, not {new!r}",
        "zh": "{uscc} 已登记为「{name}」，不是「{new}」",
    },
    "resident_id_taken": {
        "en": "{id} is already registered to {name} ({village}); not adding {new}",
        "zh": "{id} 已登记为 {name}（{village}），未添加 {new}",
    },
    "household_changed": {
        "en": "{id} ({name}) was changed by another user after you opened it; not saved",
        "zh": "{id}（{name}）在您打开后已被他人修改，未保存",
    },
    "contract_no_taken": {
        "en": "{contract_no} is already used by another contract ({season})",
        "zh": "{contract_no} 已被另一份合同使用（{season} 年度）",
    },
    "receipt_taken": {
        "en": "{receipt} is already recorded as delivery {id} ({day}) with other "
        "weights; nothing was saved",
        "zh": "{receipt} 已登记为第 {id} 号收购小票（{day}），内容与本单不同，未保存",
    },
    "receipt_in_use": {
        "en": "{receipt} is already used by delivery {id} ({day}); nothing was saved",
        "zh": "{receipt} 已被第 {id} 号收购小票（{day}）使用，未保存",
    },
    "supply_reference_taken": {
        "en": "{reference} is already recorded ({item}, {day}) with other "
        "figures; nothing was saved",
        "zh": "{reference} 已登记（{item}，{day}），内容与本次不同，未保存",
    },
    "payment_reference_taken": {
        "en": "{reference} is already recorded as payment {id} ({day}) with "
        "other figures; nothing was saved",
        "zh": "{reference} 已登记为第 {id} 号付款（{day}），内容与本次不同，未保存",
    },
    "payment_reference_voided": {
        "en": "{reference} was the reference of payment {id} ({day}), which is voided: a "
        "payment made again takes a reference of its own (for instance {reference}-2); "
        "nothing was saved",
        "zh": "{reference} 已用于第 {id} 号付款（{day}），该付款已作废：重新付款请用新的凭证号"
        "（如 {reference}-2），未保存",
    },
    "user_name_taken": {"en": "{name} is taken", "zh": "{name} 已存在"},
    "required": {"en": "is required", "zh": "不能为空"},
    "float": {
        "en": "must be decimal text or an integer, not a float ({value!r})",
        "zh": "须为十进制文本或整数，不能是浮点数（「{value}」）",
    },
    "not_a_number": {"en": "is not a number: {value!r}", "zh": "不是有效数字：「{value}」"},
    "space_in_number": {
        "en": "has a space inside the number: {value!r}; write it without spaces (a space may "
        "only group thousands, as in 1 200.50)",
        "zh": "数字中间有空格：「{value}」；请去掉空格（空格只可用于千位分隔，如 1 200.50）",
    },
    "not_finite": {"en": "must be a finite number: {value!r}", "zh": "必须是有限数字：「{value}」"},
    "wrong_type": {
        "en": "has the wrong type: expected {expected}, got {got}",
        "zh": "类型错误：应为 {expected}，实为 {got}",
    },
    "positive": {"en": "must be greater than 0", "zh": "必须大于 0"},
    "non_negative": {"en": "must not be negative", "zh": "不能为负数"},
    "fraction": {
        "en": "must be a fraction from 0 up to (not including) 1, got {value}",
        "zh": "必须是 0（含）到 1（不含）之间的比例，实为 {value}",
    },
    "rate_as_percent": {
        "en": "is a fraction of 1: for {value}% write {fraction} or {value}%, got {value}",
        "zh": "须为比例：{value}% 请填 {fraction} 或 {value}%，实为「{value}」",
    },
    "percent_range": {
        "en": "must be a percentage from 0 up to (not including) 100, got {value}",
        "zh": "须为 0 到 100 之间的百分数（不含 100），实为「{value}」",
    },
    "too_many_places": {
        "en": "has more than {places} decimal places: {value}",
        "zh": "小数位超过 {places} 位：{value}",
    },
    "lot_weighs_nothing": {
        "en": "gross minus tare is {mass} kg, no weight to the 0.01 kg: check the gross and "
        "the tare",
        "zh": "毛重减皮重为 {mass} kg，不足 0.01 kg：请核对毛重和皮重",
    },
    "market_price_far": {
        "en": "The market price {price} is more than three times off the template's floor "
        "{floor}: check the unit (yuan per kg, not per jin or per tonne) and the decimal point",
        "zh": "市场价 {price} 与模板保护价 {floor} 相差三倍以上：请核对单位（元/公斤，不是元/斤或"
        "元/吨）和小数点",
    },
    "lot_net_nothing": {
        "en": "Nothing is left once impurity and water are taken off (net 0.00 kg): check "
        "the impurity and the moisture",
        "zh": "扣除杂质和水分后净重为 0.00 kg：请核对杂质和水分",
    },
    "dried_lot_no_moisture": {
        "en": "no moisture (blank or 0) on a lot whose terms have a moisture standard "
        "({standard}): taken as 0%, no water deducted; check it",
        "zh": "未填水分（或为 0）：按 0% 计，不扣水（合同水分标准 {standard}），请核对",
    },
    "lot_unusual": {
        "en": "one lot of {mass} kg (gross minus tare), above {limit} kg: check the gross for "
        "an extra digit",
        "zh": "一张小票毛重减皮重为 {mass} kg，超过 {limit} kg：请核对毛重是否多打了位数",
    },
    "contract_left_draft": {
        "en": "written as a draft (no status nor signing date given): nothing can be delivered "
        "or supplied under it until it is signed (a signing date, or status signed)",
        "zh": "按草稿导入（未填状态和签约日期）：签约后（填写签约日期或状态“已签约”）才能收购和配发",
    },
    "lot_above_harvest": {
        "en": "one lot of {mass} kg (gross minus tare) is more than the contract's whole expected "
        "harvest ({area} mu × {yield} kg/mu = {harvest} kg): check the gross for an extra digit",
        "zh": "一张小票毛重减皮重为 {mass} kg，超过该合同全部预计产量（{area} 亩 × {yield} kg/亩 = "
        "{harvest} kg）：请核对毛重是否多打了位数",
    },
    "tare_not_below_gross": {
        "en": "tare ({tare} kg) must be less than gross ({gross} kg)",
        "zh": "皮重（{tare} kg）必须小于毛重（{gross} kg）",
    },
    "ceiling_below_floor": {
        "en": "ceiling {ceiling} is below the floor {floor} of grade {grade}",
        "zh": "最高限价 {ceiling} 低于 {grade} 的保护价 {floor}",
    },
    "moisture_max_below_standard": {
        "en": "maximum moisture {maximum} is below the standard {standard}",
        "zh": "最高水分 {maximum} 低于标准水分 {standard}",
    },
    "no_floor": {
        "en": "needs a floor price for at least one grade",
        "zh": "至少需要一个等级的保护价",
    },
    "unknown_grade": {
        "en": "grade {grade!r} is not a grade of {crop} (known: {known})",
        "zh": "等级「{grade}」不是{crop}的等级（可选：{known}）",
    },
    "unknown_crop": {"en": "unknown crop {crop!r}", "zh": "未知作物「{crop}」"},
    "unknown_form": {
        "en": "{crop} has no product form {form!r} (known: {known})",
        "zh": "{crop}没有产品形态「{form}」（可选：{known}）",
    },
    "window_order": {
        "en": "delivery window ends ({end}) before it starts ({start})",
        "zh": "交售期结束日（{end}）早于开始日（{start}）",
    },
    "season_range": {
        "en": "season must be a year between 2000 and 2100, got {value}",
        "zh": "年度须在 2000 至 2100 之间，实为 {value}",
    },
    "season_text": {
        "en": "season must be a whole number (a year, such as 2018), not text: {value!r}",
        "zh": "年度须为整数年份（如 2018），不能是文本：「{value}」",
    },
    "season_not_whole": {
        "en": "season must be a whole number (a year, such as 2018), got {value!r}",
        "zh": "年度须为整数年份（如 2018），实为「{value}」",
    },
    "blank": {"en": "must not be blank", "zh": "不能为空白"},
    "too_long": {"en": "is longer than {limit} characters", "zh": "超过 {limit} 个字符"},
    "bad_phone": {
        "en": "is not a phone number (digits, optional + and -): {value!r}",
        "zh": "不是有效电话号码：「{value}」",
    },
    "members_range": {
        "en": "must be a whole number from 1 to 30, got {value}",
        "zh": "必须是 1 至 30 的整数，实为 {value}",
    },
    "id_length": {
        "en": "must have {length} characters, got {got}",
        "zh": "应为 {length} 位，实为 {got} 位",
    },
    "id_format": {"en": "has invalid characters: {value!r}", "zh": "含有无效字符：「{value}」"},
    "id_masked": {
        "en": "the resident ID is masked (exported without full IDs); it cannot be imported",
        "zh": "身份证号已打码（导出时未选完整身份证号），不能导入",
    },
    "account_masked": {
        "en": "the account number is masked (exported without full accounts); it cannot be "
        "imported",
        "zh": "一卡通账号已打码（导出时未选完整账号），不能导入",
    },
    "phone_masked": {
        "en": "the phone number is masked (exported without full numbers); it cannot be imported",
        "zh": "电话已打码（导出时未选完整号码），不能导入",
    },
    "id_checksum": {
        "en": "check character is wrong (expected {expected})",
        "zh": "校验码错误（应为 {expected}）",
    },
    "id_region": {
        "en": "region code {region} is not a province of China",
        "zh": "地区码 {region} 不是有效的省级行政区",
    },
    "id_birth_future": {
        "en": "birth date {value} is after today: check the ID's digits",
        "zh": "出生日期 {value} 晚于今天，请核对身份证号",
    },
    "id_birth_date": {
        "en": "birth date {value} is not a real date",
        "zh": "出生日期 {value} 不是有效日期",
    },
    "uscc_invalid": {
        "en": "is not a valid unified social credit code: {reason}",
        "zh": "不是有效的统一社会信用代码：{reason}",
    },
    "terminate_reason": {"en": "a termination needs a reason", "zh": "终止合同必须填写原因"},
    "bad_transition": {
        "en": "contract {contract_no}: a {status} contract cannot be {action}",
        "zh": "合同 {contract_no} 状态为「{status_zh}」，不能{action_zh}",
    },
    "market_needed_linked": {
        "en": "no market price is known for grade {grade}, and these terms follow the market "
        "(the day's price is entered by an administrator on the market prices page)",
        "zh": "缺少等级 {grade} 的当日市场价，本合同随行就市，须先录入市场价（由管理员在“市场价”页录入）",
    },
    "market_needed_no_floor": {
        "en": "grade {grade} has no floor price and is paid the market price, but none is known",
        "zh": "等级 {grade} 没有保护价，须按市场价收购，但缺少当日市场价（由管理员在“市场价”页录入）",
    },
    "market_needed_quota": {
        "en": "the lot goes beyond the protected quantity, paid the market price, but none is known",
        "zh": "超出保护收购量的部分须按市场价收购，但缺少当日市场价（由管理员在“市场价”页录入）",
    },
    "grade_not_in_terms": {
        "en": "grade {grade!r} is not one of the contract's grades ({known})",
        "zh": "等级「{grade}」不是合同约定的等级（可选：{known}）",
    },
    "unknown_key": {"en": "is not a known field", "zh": "不是可识别的字段"},
    "bad_value": {"en": "is invalid: {reason}", "zh": "无效：{reason}"},
    "yield_outside_bounds": {
        "en": "a variable yield needs low < expected < high ({low}, {mean}, {high})",
        "zh": "产量有波动时须 最低 < 预期 < 最高（{low}、{mean}、{high}）",
    },
    "yield_cv_too_large": {
        "en": "is too large for a yield between {low} and {high} (below {limit})",
        "zh": "对 {low}–{high} 之间的产量过大（应小于 {limit}）",
    },
    "bad_date": {
        "en": "is not a date (YYYY-MM-DD): {value!r}",
        "zh": "不是有效日期（年-月-日）：「{value}」",
    },
    "bad_choice": {
        "en": "must be one of {choices}, got {value!r}",
        "zh": "必须是以下之一：{choices}，实为「{value}」",
    },
    "duplicate": {"en": "appears twice: {value!r}", "zh": "重复：「{value}」"},
    # -- the store (orderfarm.store) --
    "contract_not_signed": {
        "en": "contract {contract_no} is {status}: only a signed contract takes deliveries and inputs",
        "zh": "合同 {contract_no} 状态为「{status_zh}」，只有已签约的合同才能收购或配发",
    },
    "outside_window": {
        "en": "{day} is outside the contract's delivery window ({start} to {end})",
        "zh": "{day} 不在合同交售期（{start} 至 {end}）内",
    },
    "paid_before_season": {
        "en": "a payment for season {season} dated {day}, before the season began: check the "
        "day or the season",
        "zh": "{season} 年度的付款日期为 {day}，早于该年度：请核对日期或年度",
    },
    "negative_balance": {
        "en": "would leave {name} ({household}) paid {paid} yuan in season {season}, more than "
        "the {payable} yuan payable (balance {balance}); void the payment paid too much first",
        "zh": "将使 {name}（{household}）{season} 年度已付 {paid} 元超过应付 {payable} 元（余额 "
        "{balance} 元）；如确需如此，请先作废多付的付款",
    },
    "not_whole_fen": {
        "en": "must be a whole number of fen (at most two decimal places): {value}",
        "zh": "金额须精确到分（最多两位小数）：{value}",
    },
    # -- files (orderfarm.io) --
    "empty_file": {
        "en": "the file is empty: no header row and no data",
        "zh": "文件为空：没有表头，也没有数据",
    },
    "garbled_file": {
        "en": "the file cannot be read as UTF-8 or GBK/GB18030 text (garbled bytes near byte {offset}); save it again as CSV UTF-8 or XLSX",
        "zh": "文件无法按 UTF-8 或 GBK/GB18030 读取（第 {offset} 字节附近乱码），请重新另存为 CSV UTF-8 或 XLSX",
    },
    "truncated_file": {
        "en": "the file is truncated: it ends in the middle of a character; it was probably not copied completely",
        "zh": "文件不完整：在一个字符中间意外结束，可能没有完整复制",
    },
    "truncated_quote": {
        "en": 'the file is truncated: it ends inside a quoted cell (an opening " without its closing ")',
        "zh": "文件不完整：在带引号的单元格中间意外结束（缺少配对的引号）",
    },
    "unknown_grade_any": {
        "en": "grade {grade!r} is not a grade of any crop (known: {known})",
        "zh": "等级「{grade}」不是任何作物的等级（可选：{known}）",
    },
    "malformed_csv": {
        "en": "the CSV is malformed near line {line}: {reason}",
        "zh": "CSV 格式错误（第 {line} 行附近）：{reason}",
    },
    "not_xlsx": {
        "en": "the file is not a readable XLSX workbook (damaged or truncated): {reason}",
        # the reason is the reader's technical English: left to the English message and the log
        "zh": "不是可读取的 XLSX 工作簿（已损坏或不完整）；请在 Excel 中打开，另存为 .xlsx 或 CSV 再试",
    },
    "old_xls": {
        "en": "old Excel 97-2003 (.xls) files are not supported; save it as .xlsx or CSV",
        "zh": "不支持旧版 Excel 97-2003（.xls）文件，请另存为 .xlsx 或 CSV",
    },
    "no_sheet": {
        "en": "the workbook has no sheet named {sheet!r} (sheets: {known})",
        "zh": "工作簿中没有名为「{sheet}」的工作表（现有：{known}）",
    },
    "missing_column": {
        "en": "the file has no column {column} (found: {found})",
        "zh": "文件缺少「{column}」列（现有列：{found}）",
    },
    "repeated_column": {
        "en": "the column {column} appears twice (columns {first} and {second})",
        "zh": "「{column}」列出现两次（第 {first} 列和第 {second} 列）",
    },
    "unit_unknown": {
        "en": "the column {header} gives a unit it cannot be read in (units it may give: "
        "{known}); nothing was read",
        "zh": "「{header}」列的单位无法识别（可用：{known}），未读取任何数据",
    },
    "unit_column": {
        "en": "the file has a column {header}: the numbers' unit is read from each column's "
        "header, as in 毛重（斤） or 保护价（元/斤）; without it they are kg and yuan/kg",
        "zh": "文件有「{header}」列：单位要写在各列的列名里，如「毛重（斤）」「保护价（元/斤）」；"
        "不写则按公斤、元/公斤读取",
    },
    "total_row": {
        "en": "a row of sums (合计), not a record: not read",
        "zh": "合计行，不是一条记录，未读取",
    },
    "percent_below_one": {
        "en": "{value} under a % header: write 16 or 16% for sixteen percent, 0.16% for less "
        "than one (a cell Excel formats as a percentage is read as it shows: 0.16 shows 16%)",
        "zh": "列名写了 %，「{value}」是百分之几不明确：16% 请写 16 或 16%，不到 1% 请写 0.16%"
        "（Excel 中设为百分比格式的单元格按显示读取：0.16 显示为 16%）",
    },
    "unit_title": {
        "en": "the title «{title}» gives a unit: write it in each column's header, as in "
        "毛重（斤） or 保护价（元/斤）; without it the numbers are kg and yuan/kg",
        "zh": "标题「{title}」写有单位：单位要写在各列的列名里，如「毛重（斤）」「保护价（元/斤）」；"
        "不写则按公斤、元/公斤读取",
    },
    "title_row": {
        "en": "the title above the header, not read: {title}",
        "zh": "表头上方的标题，未读取：{title}",
    },
    "unused_column": {
        "en": "the column {header} is not one of this record type's columns and was not read",
        "zh": "「{header}」列不是本类记录的列，未读取",
    },
    "formula_not_computed": {
        "en": "the cell holds a formula without a computed value (the file was written by a "
        "program and never opened in Excel): open it in Excel, save it, then import it",
        "zh": "单元格是公式，但文件中没有公式的计算结果（文件由程序生成，未在 Excel 中打开过）："
        "请先用 Excel 打开并保存，再导入",
    },
    "id_saved_as_number": {
        "en": "row {row}, {column} ({value!r}): saved as a number, which lost digits (Excel "
        "keeps 15): set the column to text and type the numbers again",
        "zh": "第 {row} 行「{column}」（值「{value}」）：以数字保存，已丢失位数（Excel 只保留 15 "
        "位数字），请将该列设为文本后重新填写",
    },
    "short_row": {
        "en": "the row has {got} cells but the header has {expected}; the file may be truncated",
        "zh": "该行只有 {got} 个单元格，表头有 {expected} 列，文件可能不完整",
    },
    "extra_cells": {
        "en": "the row has {got} cells but the header has {expected}",
        "zh": "该行有 {got} 个单元格，多于表头的 {expected} 列",
    },
    "duplicate_row": {
        "en": "duplicates row {first} of the same file",
        "zh": "与本文件第 {first} 行重复",
    },
    "duplicate_key": {
        "en": "{value!r} is already used by row {first} of the same file, with different data",
        "zh": "「{value}」已在本文件第 {first} 行使用，且内容不同",
    },
    "future_date": {
        "en": "date {value} is in the future (today is {today})",
        "zh": "日期 {value} 晚于今天（{today}）",
    },
    "unknown_contract": {
        "en": "no contract numbered {value!r} is known",
        "zh": "找不到合同编号「{value}」",
    },
    "unknown_household": {
        "en": "no household with resident ID {value} is known",
        "zh": "找不到身份证号为 {value} 的农户",
    },
    "unknown_enterprise": {
        "en": "no enterprise with credit code {value} is known",
        "zh": "找不到统一社会信用代码为 {value} 的企业",
    },
    "not_a_whole_number": {
        "en": "is not a whole number: {value!r}",
        "zh": "不是整数：「{value}」",
    },
    "bad_floors": {
        "en": "floor prices must read like 一级:1.60;二级:1.40, got {value!r}",
        "zh": "保护价应写成“一级:1.60;二级:1.40”的形式，实为「{value}」",
    },
    "bad_inputs": {
        "en": "inputs must read like 辣椒苗:30000株×0.03(垫付), got {value!r}",
        "zh": "投入品应写成“辣椒苗:30000株×0.03(垫付)”的形式，实为「{value}」",
    },
    "store_refused": {"en": "refused: {reason}", "zh": "未能写入：{reason}"},
    "too_large": {"en": "is larger than {limit}", "zh": "超过 {limit}"},
    "unknown_kind": {
        "en": "cannot tell what the file holds from its columns ({found}); name the record type",
        "zh": "无法从列名判断文件内容（{found}），请指定记录类型",
    },
    "already_recorded": {
        "en": "{value!r} is already recorded with different data ({existing}); the file may not change a stored record",
        "zh": "「{value}」已登记且内容不同（{existing}），导入不能修改已登记的记录",
    },
    "account_cut_by_excel": {
        "en": "every digit after the {digits}th is 0, as Excel saves a long account it took "
        "for a number (it keeps {digits} digits): check it against the passbook or card "
        "before a bank list pays to it",
        "zh": "第 {digits} 位之后全是 0，像是 Excel 按数字保存时丢失了位数（只保留 {digits} 位）："
        "请与存折或卡号核对，以免银行代发失败或转错账户",
    },
    "recorded_voided": {
        "en": "{value} is record {id}, voided on {day} ({reason}): it is not recorded again "
        "and counts nowhere; money paid again takes a reference of its own",
        "zh": "「{value}」是第 {id} 号记录，已于 {day} 作废（{reason}），不再重复登记，也不计入；"
        "如已重新付款或配发，请用新的单号",
    },
    "overpayment": {
        "en": "paying {amount} would exceed the balance of {balance} for season {season}",
        "zh": "付款 {amount} 元超过 {season} 年度应付余额 {balance} 元",
    },
    # -- users and the page (orderfarm.store.users, orderfarm.web) --
    "bad_user_name": {
        "en": "must be at most {limit} characters, without spaces",
        "zh": "最多 {limit} 个字符，不能含空格",
    },
    "reserved_user_name": {
        "en": "{name!r} is kept for scripts; choose another name",
        "zh": "「{name}」留给脚本使用，请换一个用户名",
    },
    "last_admin": {
        "en": "{name} is the last active administrator: make another user an administrator "
        "first; nothing was changed",
        "zh": "{name} 是最后一位启用的管理员，请先把另一位用户设为管理员；未作更改",
    },
    "password_short": {
        "en": "must have at least {length} characters",
        "zh": "至少需要 {length} 个字符",
    },
    "too_many_problems": {
        "en": "{count} more problems not listed",
        "zh": "另有 {count} 个问题未列出",
    },
    "too_many_warnings": {
        "en": "{count} more values to check not listed",
        "zh": "另有 {count} 处数值请核对，未列出",
    },
}

#: Field names → labels a person reads. Unknown fields show their own name.
FIELD_LABELS: dict[str, dict[Lang, str]] = {
    "value": {"en": "value", "zh": "数值"},
    "gross_kg": {"en": "gross weight", "zh": "毛重"},
    "tare_kg": {"en": "tare", "zh": "皮重"},
    "grade": {"en": "grade", "zh": "等级"},
    "moisture": {"en": "moisture", "zh": "水分"},
    "impurity": {"en": "impurity", "zh": "杂质"},
    "market_price": {"en": "market price", "zh": "市场价"},
    "delivered_before_kg": {"en": "kg delivered before", "zh": "此前已交售量"},
    "floors": {"en": "floor prices", "zh": "保护价"},
    "market_linked": {"en": "follows market", "zh": "随行就市"},
    "premium": {"en": "premium over market", "zh": "高于市场价比例"},
    "ceiling": {"en": "ceiling price", "zh": "最高限价"},
    "moisture_standard": {"en": "moisture standard", "zh": "标准水分"},
    "moisture_max": {"en": "maximum moisture", "zh": "最高水分"},
    "quota_kg": {"en": "protected quantity", "zh": "保护收购量"},
    "grades": {"en": "grades", "zh": "等级"},
    "name": {"en": "name", "zh": "名称"},
    "uscc": {"en": "unified social credit code", "zh": "统一社会信用代码"},
    "head_name": {"en": "head of household", "zh": "户主姓名"},
    "resident_id": {"en": "resident ID", "zh": "身份证号"},
    "township": {"en": "township", "zh": "镇/街道办"},
    "village": {"en": "village", "zh": "村"},
    "group": {"en": "group", "zh": "组"},
    "phone": {"en": "phone", "zh": "电话"},
    "members": {"en": "household members", "zh": "家庭人口"},
    "poverty_status": {"en": "poverty status", "zh": "贫困状态"},
    "account": {"en": "payment account", "zh": "一卡通账号"},
    "contract_no": {"en": "contract number", "zh": "合同编号"},
    "enterprise_uscc": {"en": "enterprise", "zh": "订单企业"},
    "household_id": {"en": "household", "zh": "农户"},
    "crop": {"en": "crop", "zh": "作物"},
    "form": {"en": "product form", "zh": "产品形态"},
    "season": {"en": "season", "zh": "年度"},
    "area_mu": {"en": "area (mu)", "zh": "面积（亩）"},
    "terms": {"en": "price terms", "zh": "价格条款"},
    "inputs": {"en": "inputs", "zh": "投入品"},
    "item": {"en": "input item", "zh": "投入品名称"},
    "quantity": {"en": "quantity", "zh": "数量"},
    "unit": {"en": "unit", "zh": "单位"},
    "unit_cost": {"en": "unit cost", "zh": "单价"},
    "charge": {"en": "charged as", "zh": "结算方式"},
    "delivery_start": {"en": "delivery window start", "zh": "交售开始日"},
    "delivery_end": {"en": "delivery window end", "zh": "交售结束日"},
    "status": {"en": "status", "zh": "状态"},
    "unrecovered": {"en": "unrecovered advances", "zh": "未扣回垫付款"},
    "reason": {"en": "reason", "zh": "原因"},
    "receipt_no": {"en": "receipt number", "zh": "小票号"},
    "day": {"en": "date", "zh": "日期"},
    "purchase_point": {"en": "purchase point", "zh": "收购点"},
    "price": {"en": "market price", "zh": "市场价"},
    "supply_no": {"en": "supply number", "zh": "配发单号"},
    "amount": {"en": "amount", "zh": "金额"},
    "note": {"en": "note", "zh": "备注"},
    "file": {"en": "file", "zh": "文件"},
    "row": {"en": "row", "zh": "行"},
    "signed_on": {"en": "signing date", "zh": "签约日期"},
    "end_reason": {"en": "reason for ending", "zh": "终止原因"},
    "reference": {"en": "reference", "zh": "凭证号"},
    "balance": {"en": "balance", "zh": "余额"},
    "actor": {"en": "user", "zh": "操作人"},
    "user_name": {"en": "user name", "zh": "用户名"},
    "password": {"en": "password", "zh": "密码"},
    "role": {"en": "role", "zh": "角色"},
    "active": {"en": "enabled", "zh": "启用状态"},
    "data": {"en": "contract record", "zh": "合同内容"},
    "size": {"en": "sample size", "zh": "抽查户数"},
    "floor": {"en": "floor price", "zh": "保护价"},
    "yield_kg_per_mu": {"en": "yield per mu", "zh": "亩产（公斤）"},
    "yield_low_kg_per_mu": {"en": "lowest yield per mu", "zh": "最低亩产（公斤）"},
    "yield_high_kg_per_mu": {"en": "highest yield per mu", "zh": "最高亩产（公斤）"},
    "yield_cv": {"en": "yield variation", "zh": "产量变异系数"},
    "price_volatility": {"en": "price volatility", "zh": "价格波动率"},
    "cost_per_mu": {"en": "cost per mu", "zh": "亩成本"},
    "baseline_net_per_mu": {"en": "maize net per mu", "zh": "玉米亩纯收入"},
}


def field_label(field: str, lang: Lang = "en") -> str:
    """The label of ``field``; each part of a dotted path is labelled (``floors.一级`` is
    ``保护价.一级``)."""
    return ".".join(FIELD_LABELS.get(part, {}).get(lang, part) for part in field.split("."))


#: The records of money and the other things the store keeps, by the codes the store uses
#: for them (a record's kind, a table, an audit entry's entity), in each language.
RECORD_NAMES: dict[str, dict[Lang, str]] = {
    "delivery": {"en": "delivery", "zh": "收购小票"},
    "deliveries": {"en": "deliveries", "zh": "收购小票"},
    "supply": {"en": "input supply", "zh": "投入品"},
    "input supply": {"en": "input supply", "zh": "投入品"},
    "input_supply": {"en": "input supply", "zh": "投入品"},
    "input_supplies": {"en": "input supplies", "zh": "投入品记录"},
    "payment": {"en": "payment", "zh": "付款"},
    "payments": {"en": "payments", "zh": "付款记录"},
    "delivery_voids": {"en": "delivery voids", "zh": "收购小票作废记录"},
    "supply_voids": {"en": "input supply voids", "zh": "投入品作废记录"},
    "payment_voids": {"en": "payment voids", "zh": "付款作废记录"},
    "enterprise": {"en": "enterprise", "zh": "企业"},
    "household": {"en": "household", "zh": "农户"},
    "contract": {"en": "contract", "zh": "合同"},
    "contracts": {"en": "contracts", "zh": "合同"},
    "households": {"en": "households", "zh": "农户"},
    "enterprises": {"en": "enterprises", "zh": "企业"},
    "audit": {"en": "audit", "zh": "审计"},
    "season_totals": {"en": "season totals", "zh": "农户年度累计数"},
    "contract_totals": {"en": "contract totals", "zh": "合同累计数"},
    "market_price": {"en": "market price", "zh": "市场价"},
    "user": {"en": "user", "zh": "用户"},
    "export": {"en": "export", "zh": "导出"},
}


def record_name(code: str, lang: Lang = "en") -> str:
    """What the store's ``code`` for a kind of record is called in ``lang`` (the code itself
    when the catalogue does not know it)."""
    return RECORD_NAMES.get(code, {}).get(lang, code)


#: What each kind of statement line is called (``settlement.LineKind`` values): the 类别 of
#: the statements export and the statement the command line prints.
LINE_NAMES: dict[str, dict[Lang, str]] = {
    "delivery": {"en": "delivery", "zh": "交售"},
    "input": {"en": "input on advance", "zh": "垫付投入品"},
    "carried": {"en": "carried in", "zh": "上季结转"},
    "payment": {"en": "payment", "zh": "付款"},
}


@dataclasses.dataclass(frozen=True)
class Named:
    """A message parameter that is a kind of record: said in the message's language."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclasses.dataclass(frozen=True)
class Said:
    """A message parameter said differently in each language (a household by its name, an
    amount in 元 or in yuan): ``str()`` is the English."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en


class Fields(tuple[str, ...]):
    """A message parameter that is some fields of a record: said by their labels."""

    def said(self, lang: Lang) -> str:
        """The fields' labels in ``lang``, listed."""
        return ("、" if lang == "zh" else ", ").join(field_label(f, lang) for f in self)


def _said(value: object, lang: Lang) -> object:
    if isinstance(value, Named):
        return record_name(value.code, lang)
    if isinstance(value, Fields):
        return value.said(lang)
    if isinstance(value, Said):
        return value.zh if lang == "zh" else value.en
    return value


def render(code: str, params: Mapping[str, object], lang: Lang = "en") -> str:
    """The message for ``code`` in ``lang`` with ``params`` filled in (a ``Named`` parameter
    by its name in ``lang``, ``Fields`` by their labels, ``Said`` as said in ``lang``)."""
    template = MESSAGES.get(code, {}).get(lang) or code
    said = {k: _said(v, lang) for k, v in params.items()}
    try:
        return template.format(**said)
    except (KeyError, IndexError, ValueError):
        return template
