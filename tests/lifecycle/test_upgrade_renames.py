"""Upgrade from the add-ons before the field renames of issue 18 (``crm_ext_`` prefix on the
fields added to Odoo's models): the data entered under the old names is there under the new ones.

Installs the four add-ons of ``BEFORE_RENAMES`` (extracted with ``git archive``) with their demo
data into a fresh database, fills a few renamed fields of each module through ``odoo shell``,
upgrades with the add-ons of this tree (their ``migrations/*/pre-migrate.py`` run) and checks the
values under the new names, the same ``ir.model.fields`` rows (their translated labels and XML
ids kept), a clean log, then drops the database. Run by ``scripts/run_tests.py`` with the
lifecycle tests and their environment (``CRM_EXT_ODOO_ADDONS_PATH``).
"""

import json
import os
import subprocess
import tarfile
import uuid

import pytest

from .test_module_lifecycle import ADDONS_PATH, ROOT, _odoo, _sql

# main when the renames started (branch "prefix" was made from it): the add-ons under the old names
BEFORE_RENAMES = "b5f5df2"
MODULES = "crm_ext_sales,crm_ext_marketing,crm_ext_service,crm_ext_analytics"
# the scratch database's name starts with this (a development run may need its own prefix)
DB_PREFIX = os.environ.get("CRM_EXT_SCRATCH_DB_PREFIX", "crm_ext_lc_")


def _has_commit():
    result = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{BEFORE_RENAMES}^{{commit}}"], capture_output=True
    )
    return result.returncode == 0


pytestmark = [
    pytest.mark.skipif(
        not ADDONS_PATH, reason="needs Odoo: CRM_EXT_ODOO_ADDONS_PATH is set by scripts/run_tests.py"
    ),
    pytest.mark.skipif(
        not _has_commit(),
        reason=f"needs the git history: commit {BEFORE_RENAMES} (add-ons before the renames)",
    ),
]

# run on the old add-ons: the old field names
FILL = """
import json
segment = env['crm_ext.segment'].create({'name': 'Upgrade segment (test)'})
plan = env['account.analytic.plan'].create({'name': 'Upgrade plan (test)'})
account = env['account.analytic.account'].create({'name': 'Upgrade account (test)', 'plan_id': plan.id})
campaign = env['utm.campaign'].create({
    'title': 'Upgrade campaign (test)', 'budget': 1234.5, 'date_start': '2026-01-10',
    'date_end': '2026-02-20', 'segment_id': segment.id, 'analytic_account_id': account.id,
    'campaign_state': 'running',
})
lead = env['crm.lead'].create({'name': 'Upgrade lead (test)'})
lead.write({'lead_score': 42})
# crm_ext_service: a contract product, the company's portal and labour settings
contract = env['product.template'].create({
    'name': 'Upgrade contract (test)', 'type': 'service', 'service_contract': True,
    'service_duration_months': 18, 'service_cover_parts': False, 'service_cover_onsite': True,
})
warranty = env['product.template'].create({
    'name': 'Upgrade warranty (test)', 'type': 'consu', 'service_warranty': True,
    'service_duration_months': 30,
})
team = env['crm_ext.service.team'].search([('company_id', '=', env.company.id)], limit=1)
env.company.write({
    'service_portal_attachment_mb': 7, 'service_portal_team_id': team.id,
    'service_labour_product_id': contract.product_variant_id.id,
})
# crm_ext_sales: the company's credit and calendar settings, a user's calendar
env.company.write({
    'credit_control_policy': 'block', 'date_calendar': 'jalali', 'date_persian_digits': True,
    'date_analytics_jalali': True,
})
env.user.write({'date_calendar': 'gregorian', 'date_persian_digits': True})
# crm_ext_analytics: computed partner fields (no column), a saved filter on one of them
saved = env['ir.filters'].create({
    'name': 'Upgrade champions (test)', 'model_id': 'res.partner', 'user_id': False,
    'domain': "[('rfm_segment', 'in', ('champions', 'loyal'))]", 'context': "{'group_by': ['rfm_segment']}",
})
# crm_ext_sales's fields on crm.stage, crm.lead, account.move, stock.picking (stored, with their
# data) and res.partner (computed): a stage's category, a lead's territory, category override
# and product lines, an invoice and a delivery of the opportunity
stage = env['crm.stage'].create({'name': 'Upgrade stage (test)', 'forecast_category': 'commit'})
territory = env['crm_ext.territory'].create({
    'name': 'Upgrade territory (test)', 'team_id': env['crm.team'].search([], limit=1).id,
})
customer = env['res.partner'].create({'name': 'Upgrade customer (test)', 'is_company': True})
goods = env['product.product'].create({'name': 'Upgrade chair (test)', 'type': 'consu', 'list_price': 40})
opportunity = env['crm.lead'].create({
    'name': 'Upgrade opportunity (test)', 'type': 'opportunity', 'partner_id': customer.id,
    'stage_id': stage.id, 'date_deadline': '2031-05-17',
})
opportunity.write({
    'territory_id': territory.id, 'forecast_category': 'best_case', 'revenue_from_lines': False,
    'opportunity_line_ids': [(0, 0, {'product_id': goods.id, 'product_uom_qty': 3})],
})
order = env['sale.order'].create({
    'partner_id': customer.id, 'opportunity_id': opportunity.id,
    'order_line': [(0, 0, {'product_id': goods.id, 'product_uom_qty': 2})],
})
order.action_confirm()
invoice = env['account.move'].create({
    'move_type': 'out_invoice', 'partner_id': customer.id, 'opportunity_id': opportunity.id,
    'invoice_line_ids': [(0, 0, {'name': 'Upgrade line (test)', 'quantity': 1, 'price_unit': 75})],
})
assert order.picking_ids.opportunity_id == opportunity, order.picking_ids
stage_filter = env['ir.filters'].create({
    'name': 'Upgrade by category (test)', 'model_id': 'crm.lead', 'user_id': False,
    'domain': "[('territory_id', '!=', False)]", 'context': "{'group_by': ['forecast_category']}",
})
fields = env['ir.model.fields'].search([
    '|', '|', '|', '&', ('model', '=', 'utm.campaign'), ('name', 'in', ('budget', 'cost')),
    '&', ('model', '=', 'res.partner'), ('name', 'in', ('rfm_segment', 'amount_due')),
    '&', ('model', '=', 'crm.lead'), ('name', '=', 'territory_id'),
    '&', ('model', '=', 'account.move'), ('name', '=', 'opportunity_id'),
])
env.cr.commit()
print('FILLED=' + json.dumps({
    'campaign': campaign.id, 'segment': segment.id, 'account': account.id,
    'lead': lead.id,
    'fields': {field.name: field.id for field in fields},
    'contract': contract.id, 'warranty': warranty.id, 'team': team.id, 'company': env.company.id,
    'filter': saved.id, 'users_rfm': env['ir.model.fields']._get('res.users', 'rfm_segment').id,
    'sales_company': env.company.id, 'user': env.user.id,
    'stage': stage.id, 'territory': territory.id, 'opportunity': opportunity.id, 'invoice': invoice.id,
    'pickings': order.picking_ids.ids, 'stage_filter': stage_filter.id,
    'users_amount_due': env['ir.model.fields']._get('res.users', 'amount_due').id,
    'ticket_interactions': env['ir.model.fields']._get('crm_ext.ticket', 'interaction_count').id,
}))
"""

# run on the upgraded add-ons: the new names
CHECK = """
import json
ids = json.loads({ids!r})
campaign = env['utm.campaign'].browse(ids['campaign'])
assert campaign.crm_ext_budget == 1234.5, campaign.crm_ext_budget
assert str(campaign.crm_ext_date_start) == '2026-01-10', campaign.crm_ext_date_start
assert str(campaign.crm_ext_date_end) == '2026-02-20', campaign.crm_ext_date_end
assert campaign.crm_ext_state == 'running', campaign.crm_ext_state
assert campaign.crm_ext_segment_id.id == ids['segment'], campaign.crm_ext_segment_id
assert campaign.crm_ext_analytic_account_id.id == ids['account'], campaign.crm_ext_analytic_account_id
fields = env['ir.model.fields'].search([('model', '=', 'utm.campaign')])
by_name = {{field.name: field for field in fields}}
for old in ('budget', 'cost', 'date_start', 'date_end', 'campaign_state', 'segment_id', 'roi', 'revenue'):
    assert old not in by_name, old
# the same rows: their translated labels and the records pointing at them are kept
assert by_name['crm_ext_budget'].id == ids['fields']['budget'], by_name['crm_ext_budget']
assert by_name['crm_ext_cost'].id == ids['fields']['cost'], by_name['crm_ext_cost']
assert env.ref('crm_ext_marketing.field_utm_campaign__crm_ext_budget') == by_name['crm_ext_budget']
states = by_name['crm_ext_state'].selection_ids.mapped('value')
assert sorted(states) == ['draft', 'running', 'stopped'], states
assert env.ref('crm_ext_marketing.selection__utm_campaign__crm_ext_state__running').value == 'running'
lead = env['crm.lead'].browse(ids['lead'])
assert lead.crm_ext_lead_score == 42, lead.crm_ext_lead_score
env.cr.execute(
    "SELECT indexname FROM pg_indexes WHERE tablename = 'crm_lead' AND indexname LIKE '%lead_score%'"
)
assert env.cr.fetchall() == [('crm_lead__crm_ext_lead_score_index',)]
# crm_ext_service
contract = env['product.template'].browse(ids['contract'])
assert contract.crm_ext_service_contract and not contract.crm_ext_service_warranty
assert contract.crm_ext_service_duration_months == 18, contract.crm_ext_service_duration_months
assert not contract.crm_ext_service_cover_parts and contract.crm_ext_service_cover_onsite
assert contract.product_variant_id.crm_ext_service_contract
warranty = env['product.template'].browse(ids['warranty'])
assert warranty.crm_ext_service_warranty and warranty.crm_ext_service_duration_months == 30
company = env['res.company'].browse(ids['company'])
assert company.crm_ext_service_portal_attachment_mb == 7, company.crm_ext_service_portal_attachment_mb
assert company.crm_ext_service_portal_team_id.id == ids['team'], company.crm_ext_service_portal_team_id
assert company.crm_ext_service_labour_product_id == contract.product_variant_id
settings = env['res.config.settings'].create({{}})
assert settings.crm_ext_service_portal_attachment_mb == 7, settings.crm_ext_service_portal_attachment_mb
old = env['ir.model.fields'].search([
    ('model', 'in', ('product.template', 'product.product', 'res.company', 'res.config.settings',
                     'sale.order')),
    ('name', 'in', ('service_contract', 'service_warranty', 'service_duration_months',
                    'service_portal_team_id', 'service_portal_attachment_mb', 'service_labour_product_id',
                    'service_contract_ids')),
])
assert not old, old.mapped(lambda field: (field.model, field.name))
partner_fields = env['ir.model.fields'].search([('model', '=', 'res.partner')]).mapped('name')
lead_fields = env['ir.model.fields'].search([('model', '=', 'crm.lead')]).mapped('name')
assert 'ticket_count' not in partner_fields and 'crm_ext_ticket_count' in partner_fields
assert 'ticket_ids' not in lead_fields and 'crm_ext_ticket_ids' in lead_fields
# crm_ext_analytics
partner_field = env['ir.model.fields']._get('res.partner', 'crm_ext_rfm_segment')
assert partner_field.id == ids['fields']['rfm_segment'], partner_field
assert not env['ir.model.fields']._get('res.partner', 'rfm_segment')
# res.users shows the partner's fields (delegation): its rows are renamed too
assert env['ir.model.fields']._get('res.users', 'crm_ext_rfm_segment').id == ids['users_rfm']
saved = env['ir.filters'].browse(ids['filter'])
assert saved.domain == "[('crm_ext_rfm_segment', 'in', ('champions', 'loyal'))]", saved.domain
assert saved.context == "{{'group_by': ['crm_ext_rfm_segment']}}", saved.context
env['res.partner'].search(saved._get_eval_domain())
# crm_ext_sales
company = env['res.company'].browse(ids['sales_company'])
assert company.crm_ext_credit_control_policy == 'block', company.crm_ext_credit_control_policy
assert company.crm_ext_date_calendar == 'jalali', company.crm_ext_date_calendar
assert company.crm_ext_date_persian_digits and company.crm_ext_date_analytics_jalali
user = env['res.users'].browse(ids['user'])
assert user.crm_ext_date_calendar == 'gregorian', user.crm_ext_date_calendar
assert user.crm_ext_date_persian_digits
settings = env['res.config.settings'].with_company(company).create({{}})
assert settings.crm_ext_credit_control_policy == 'block', settings.crm_ext_credit_control_policy
assert env.ref('crm_ext_sales.selection__res_company__crm_ext_date_calendar__jalali').value == 'jalali'
order_fields = env['ir.model.fields'].search([('model', '=', 'sale.order')]).mapped('name')
assert 'credit_limit_exceeded' not in order_fields and 'crm_ext_credit_limit_exceeded' in order_fields
# crm_ext_sales: the second batch (opportunities, stages, invoices, transfers, partners)
stage = env['crm.stage'].browse(ids['stage'])
assert stage.crm_ext_forecast_category == 'commit', stage.crm_ext_forecast_category
opportunity = env['crm.lead'].browse(ids['opportunity'])
assert opportunity.crm_ext_territory_id.id == ids['territory'], opportunity.crm_ext_territory_id
assert opportunity.crm_ext_forecast_category == 'best_case', opportunity.crm_ext_forecast_category
assert str(opportunity.crm_ext_forecast_month) == '2031-05-01', opportunity.crm_ext_forecast_month
assert not opportunity.crm_ext_revenue_from_lines
assert opportunity.crm_ext_opportunity_line_ids.product_uom_qty == 3, opportunity.crm_ext_opportunity_line_ids
invoice = env['account.move'].browse(ids['invoice'])
assert invoice.crm_ext_opportunity_id == opportunity, invoice.crm_ext_opportunity_id
assert opportunity.crm_ext_invoice_ids == invoice, opportunity.crm_ext_invoice_ids
pickings = env['stock.picking'].browse(ids['pickings'])
assert pickings and pickings.crm_ext_opportunity_id == opportunity, pickings
assert opportunity.crm_ext_delivery_count == len(pickings), opportunity.crm_ext_delivery_count
env.cr.execute(
    "SELECT table_name, column_name FROM information_schema.columns"
    " WHERE (table_name, column_name) IN (('crm_lead', 'territory_id'), ('crm_lead', 'forecast_category'),"
    " ('crm_lead', 'forecast_month'), ('crm_lead', 'revenue_from_lines'), ('crm_stage', 'forecast_category'),"
    " ('account_move', 'opportunity_id'), ('stock_picking', 'opportunity_id'))"
)
assert not env.cr.fetchall()
env.cr.execute(
    "SELECT indexname FROM pg_indexes WHERE indexname IN ('crm_lead__crm_ext_territory_id_index',"
    " 'account_move__crm_ext_opportunity_id_index', 'stock_picking__crm_ext_opportunity_id_index')"
)
assert len(env.cr.fetchall()) == 3
report = env['account.invoice.report'].search([('crm_ext_opportunity_id', '=', opportunity.id)])
assert report and report.crm_ext_opportunity_id == opportunity, report
field = env['ir.model.fields']._get
assert field('crm.lead', 'crm_ext_territory_id').id == ids['fields']['territory_id']
assert field('account.move', 'crm_ext_opportunity_id').id == ids['fields']['opportunity_id']
assert field('res.partner', 'crm_ext_amount_due').id == ids['fields']['amount_due']
assert field('res.users', 'crm_ext_amount_due').id == ids['users_amount_due']
assert field('crm_ext.ticket', 'crm_ext_interaction_count').id == ids['ticket_interactions']
for model, old in (
    ('crm.lead', 'territory_id'), ('crm.lead', 'invoice_count'), ('crm.stage', 'forecast_category'),
    ('res.partner', 'amount_due'), ('res.users', 'amount_due'), ('stock.picking', 'opportunity_id'),
    ('account.invoice.report', 'opportunity_id'), ('crm_ext.ticket', 'interaction_count'),
):
    assert not env['ir.model.fields']._get(model, old), (model, old)
assert env.ref('crm_ext_sales.selection__crm_stage__crm_ext_forecast_category__commit').value == 'commit'
assert env.ref('crm_ext_sales.selection__crm_lead__crm_ext_forecast_category__best_case').value == 'best_case'
stage_filter = env['ir.filters'].browse(ids['stage_filter'])
assert stage_filter.domain == "[('crm_ext_territory_id', '!=', False)]", stage_filter.domain
assert stage_filter.context == "{{'group_by': ['crm_ext_forecast_category']}}", stage_filter.context
env['crm.lead']._read_group(stage_filter._get_eval_domain(), ['crm_ext_forecast_category'], ['__count'])
customer = opportunity.partner_id
customer.invalidate_recordset()
assert customer.crm_ext_open_opportunity_count == 1, customer.crm_ext_open_opportunity_count
print('UPGRADE-OK')
"""


@pytest.fixture
def upgrade_db():
    name = f"{DB_PREFIX}upgrade_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    yield name
    _sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_keeps_the_data_of_renamed_fields(upgrade_db, tmp_path):
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", BEFORE_RENAMES, "addons"], capture_output=True, check=True
    ).stdout
    tar_path = tmp_path / "before.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(tmp_path, filter="data")
    ours = str(ROOT / "addons")
    paths = ADDONS_PATH.split(",")
    assert ours in paths, f"{ours} not in {ADDONS_PATH}"
    before_path = ",".join(str(tmp_path / "addons") if path == ours else path for path in paths)
    # install the old add-ons with demo data, fill the fields under their old names
    _odoo(upgrade_db, "-i", MODULES, "--stop-after-init", addons_path=before_path)
    out = _odoo(upgrade_db, stdin=FILL, command=("shell",), addons_path=before_path)
    [line] = [line for line in out.splitlines() if line.startswith("FILLED=")]
    ids = line.removeprefix("FILLED=")
    assert json.loads(ids)["fields"].keys() == {
        "budget",
        "cost",
        "rfm_segment",
        "amount_due",
        "territory_id",
        "opportunity_id",
    }
    # upgrade with the add-ons of this tree: a clean log (checked by _odoo), the data kept
    _odoo(upgrade_db, "-u", MODULES, "--stop-after-init")
    versions = dict(
        _sql("SELECT name, latest_version FROM ir_module_module WHERE name LIKE 'crm_ext%'", upgrade_db)
    )
    assert versions["crm_ext_marketing"] == "18.0.1.3.0", versions
    assert versions["crm_ext_service"] == "18.0.1.2.0", versions
    assert versions["crm_ext_analytics"] == "18.0.1.1.0", versions
    assert versions["crm_ext_sales"] == "18.0.1.3.0", versions
    assert "UPGRADE-OK" in _odoo(upgrade_db, stdin=CHECK.format(ids=ids), command=("shell",))
