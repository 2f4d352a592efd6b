"""Starting points for policy staff: a skeleton item file and a holiday-notice template.

``yibao-rules new item ID --name NAME`` writes ``items/ID.yaml`` with every field of an item
present, empty, and commented in Chinese; it passes ``check`` unchanged and says nothing about
policy (its one note records that the content is still to be taken from the source).
``yibao-rules new calendar YEAR`` writes ``calendar/YEAR.yaml``, the documented format of a
State Council holiday notice; it passes ``check`` once its dates are filled in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from yibao_rules.errors import YibaoError

__all__ = ["ScaffoldError", "calendar_template", "item_skeleton", "write_new"]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ScaffoldError(YibaoError):
    """A scaffold cannot be written (a bad id or year, an existing file, an unwritable directory)."""


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def item_skeleton(item_id: str, name: str, source: str, jurisdiction: str = "620000") -> str:
    """The text of a new item file; ``source`` is an existing citation id (the source guide)."""
    if not _ID.fullmatch(item_id):
        raise ScaffoldError(f"事项标识须为小写英文与下划线 (an item id is snake_case), 不是 (not) '{item_id}'")
    if not name.strip():
        raise ScaffoldError("请给出事项名称 (give the item's Chinese name with --name)")
    return f"""# yaml-language-server: $schema=../schemas/item.schema.json
# 新建事项骨架 (new item skeleton): 每个字段都在，均为空。请依据来源逐项照录，不要推测；
# 来源未写的，保持为空并在 notes 中以 kind: gap 说明；来源互相矛盾的，以 kind: conflict 说明。
id: {item_id}                     # 标识：与文件名相同，小写英文与下划线
name: {_q(name)}                  # 事项名称：照录来源
name_note: null                   # 名称后注：来源在名称后括注的文字
number: null                      # 序号：来源中的事项序号（如第 17 项）
category: null                    # 类别：来源中的分类标题，如“（六）……”
jurisdiction: "{jurisdiction}"              # 辖区：6 位行政区划代码（rules/reference/admin_divisions.yaml）
effective_from: null              # 施行起始日（含），YYYY-MM-DD；来源未写则留空
effective_to: null                # 施行截止日（含）
item_type: null                   # 办件类型：如“即办件”“承诺件”
accepting_units: []               # 受理单位：照录，每个单位一项
decision_body: null               # 审批决定机构
service_objects: []               # 服务对象：照录，每条一项
conditions_text: []               # 受理条件原文：照录，每条一项
channels: []                      # 办理渠道：- {{kind: 线下|线上|委托, description: 照录}}
process: []                       # 办理流程：如 [申请, 受理, 审核, 办结]
instructions: []                  # 办理说明：照录，每段一项
eligibility: []                   # 受理条件（可计算）：- {{id, condition, message, citation}}
situations: []                    # 情形及办理材料：- {{name, when, inherits, materials, source_text}}
                                  # 材料：- {{name, form, count, requirements, substitutes}}
time_limits: []                   # 办理时限：- {{basis: legal|promised|stated, kind, days, text: 照录, citation}}
diseases: []                      # 病种范围
query_methods: []                 # 查询方式：照录，每条一项
fees: null                        # 收费标准
contacts: []                      # 咨询投诉电话：- {{kind: 咨询|投诉|咨询投诉, phones: [...]}}
result_delivery: []               # 结果送达方式
locations: []                     # 办理地点
other: []                         # 其它：照录，每条一项
faq: []                           # 常见问题：- {{question, answer}}
implements: null                  # 所实施的上级事项（标识）
catalogue_level: null             # 目录层级：基本目录|实施清单
source: {source}                  # 来源：citations.yaml 中的办事指南标识；请改为本事项的来源
citations: []                     # 政策依据：citations.yaml 中的标识
notes:                            # 说明：gap（来源缺漏）、conflict（来源冲突）、interpretation（解释）、fact（事实）
  - kind: gap
    text: 新建事项骨架，内容尚待依据来源填写。
"""


def calendar_template(year: int) -> str:
    """The text of a holiday-notice file for ``year``: fill in the dates from the notice."""
    if not 2001 <= year <= 2100:
        raise ScaffoldError(f"年份须在 2001–2100 之间 (a year between 2001 and 2100), 不是 (not) {year}")
    festivals = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    days = "\n".join(f"  - {{date: {year}-MM-DD, name: {f}}}   # 照录通知：{f}放假的每一天" for f in festivals)
    return f"""# yaml-language-server: $schema=../schemas/calendar-notice.schema.json
# 国务院办公厅节假日安排通知 (State Council holiday notice) for {year}.
# 本文件替换已安装的 {year} 年节假日数据，并使 {year} 年成为“已公布”年份。
# 照录通知：holidays 列出每一个放假日（法定节假日与调休休息日），make_up_working_days 列出调休上班的周六、周日。
# 把每个 MM-DD 改为通知中的日期（一个节日放假几天就写几行），删去通知未列的行。
year: {year}
title: 国务院办公厅关于{year}年部分节假日安排的通知
document_number: null             # 文号：如“国办发明电〔{year - 1}〕N号”
issuer: 国务院办公厅
published: null                   # 发布日期，YYYY-MM-DD
source: ""                        # 来源：通知的网址或文件名
holidays:
{days}
make_up_working_days: []          # 调休上班日：- {{date: {year}-MM-DD, name: 春节调休上班}}
"""


def write_new(path: Path, text: str) -> Path:
    """Write a new file; never overwrite one."""
    if path.exists():
        raise ScaffoldError(f"文件已存在 (file exists) {path}; 不会覆盖 (not overwritten)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScaffoldError(f"无法写入 (cannot write) {path}: {exc.strerror or exc}") from None
    return path
