"""crm: the project print template prints its members, where the company has not edited it

The template ``客户项目`` is company data (editable): this updates only copies whose
text is still the one crm 0.x seeded before members were printed; an edited template
is left as the company made it.

Revision ID: crm_0011
Revises: crm_0010
Create Date: 2026-11-26
"""
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "crm_0011"
down_revision = "crm_0010"
branch_labels = None
depends_on = None

#: The text crm seeded before (kept here: the file has moved on).
OLD_SOURCE = '<header class="head">\n  {% if company.logo %}<img class="logo" src="{{ company.logo }}" alt="">{% endif %}\n  <div class="company">\n    <div class="company-name">{{ company.name }}</div>\n    <div>{{ company.address }}</div>\n    <div>电话：{{ company.phone }}</div>\n  </div>\n</header>\n<h1 class="title">客户项目</h1>\n<table class="info">\n  <tr><th>项目编号</th><td>{{ record.number.text }}</td><th>状态</th><td>{{ record.status.text }}</td></tr>\n  <tr><th>项目名称</th><td colspan="3">{{ record.name.text }}</td></tr>\n  <tr><th>客户</th><td colspan="3">{{ record.partner_id.text }}</td></tr>\n  <tr><th>开始日期</th><td>{{ record.start_date.text }}</td><th>结束日期</th><td>{{ record.end_date.text }}</td></tr>\n  <tr><th>报价金额</th><td>{{ record.quotation_amount.value|money }}</td><th>预算</th><td>{{ record.budget.value|money }}</td></tr>\n  <tr><th>销售机会</th><td colspan="3">{{ record.opportunity_id.text }}</td></tr>\n</table>\n{% for f in fields if f.name.startswith("x_") %}\n{% if loop.first %}<table class="extra">{% endif %}\n  <tr><th>{{ f.label }}</th><td>{{ f.text }}</td></tr>\n{% if loop.last %}</table>{% endif %}\n{% endfor %}\n{% if record.description.text %}<p class="note">项目说明：{{ record.description.text }}</p>{% endif %}\n<table class="sign">\n  <tr><td>项目负责人：</td><td>审核：</td><td>客户确认（签章）：</td></tr>\n</table>\n<p class="printed">打印时间：{{ printed_at }}\u3000打印人：{{ user.name }}</p>\n'
OLD_CSS_TAIL = "\n.info th { white-space: nowrap; width: 5.5em; }\n"
NEW_CSS_TAIL = OLD_CSS_TAIL + ".section { font-size: 11pt; margin: 5mm 0 0; }\n"


def upgrade() -> None:
    new_source = (Path(__file__).parents[2] / "projects" / "print" / "project.html").read_text("utf-8")
    templates = sa.table("base_print_template", sa.column("id", sa.Integer), sa.column("model", sa.String),
                         sa.column("kind", sa.String), sa.column("source", sa.Text), sa.column("css", sa.Text))
    conn = op.get_bind()
    rows = conn.execute(sa.select(templates.c.id, templates.c.source, templates.c.css).where(
        templates.c.model == "crm.project", templates.c.kind == "document")).all()
    for row in rows:
        if row.source != OLD_SOURCE:
            continue  # edited by the company: theirs
        css = row.css[:-len(OLD_CSS_TAIL)] + NEW_CSS_TAIL if (row.css or "").endswith(OLD_CSS_TAIL) else row.css
        conn.execute(sa.update(templates).where(templates.c.id == row.id).values(source=new_source, css=css))


def downgrade() -> None:
    """Nothing to undo: the members table prints nothing where a project has none."""
