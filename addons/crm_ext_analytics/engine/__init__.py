"""Pure analytics functions over pandas DataFrames, importable without Odoo."""
