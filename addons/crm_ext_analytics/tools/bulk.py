"""Bulk reads and writes of the analytics run: DataFrames in and out of PostgreSQL with COPY,
and the same UPDATE statements for any number of rows. Plain functions of a cursor, no ORM."""

import csv
import io

import numpy as np
import pandas as pd

from odoo.tools import SQL

# a temporary table of at least this many rows is analysed before it is joined (below, any plan is fast)
ANALYZE_ROWS = 1000
# two numbers closer than this are the same value (every stored figure is rounded to 4 decimals or fewer)
SAME_NUMBER = 5e-7


def partner_filter(column, partner_ids):
    """``AND column = ANY(ids)``, or nothing when ``partner_ids`` is None (every customer)."""
    if partner_ids is None:
        return SQL()
    return SQL("AND %s = ANY(%s)", column, [int(pid) for pid in partner_ids])


def copy_rows(cr, table, frame):
    """COPY ``frame`` (numbers, dates and our own keys: no tab, newline or backslash; missing
    values become NULL) into ``table``, its columns named as the frame's."""
    buffer = io.StringIO()
    frame.to_csv(buffer, sep="\t", header=False, index=False, na_rep="\\N")
    buffer.seek(0)
    columns = SQL(", ").join(SQL.identifier(name) for name in frame.columns)
    query = SQL("COPY %s (%s) FROM STDIN", SQL.identifier(table), columns)
    cr.copy_expert(query.code, buffer)


def copy_statement(cr, query):
    """``COPY (query) TO STDOUT`` for ``query`` (SQL), its parameters bound by psycopg2."""
    return f"COPY ({cr.mogrify(query.code, query.params).decode()}) TO STDOUT"


def frame_from_copy(buffer, dtypes, **read_options):
    """The rows COPY wrote into ``buffer`` (text format) as a DataFrame with the columns and
    types of ``dtypes`` (name -> dtype); an empty frame of those columns when there is none."""
    if not buffer.tell():  # no row: nothing for read_csv to parse
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
    buffer.seek(0)
    return pd.read_csv(
        buffer,
        sep="\t",
        header=None,
        names=list(dtypes),
        na_values=["\\N"],
        quoting=csv.QUOTE_NONE,
        **read_options,
    )


def update_from_rows(cr, table, company_id, key, columns, rows, assignments, reset=None):
    """Writes ``rows`` (a DataFrame: ``key``, an integer column, then ``columns``, a dict name
    -> SQL type) onto the rows of ``table`` of company ``company_id`` with the same ``key``: a
    temporary table filled with COPY, then one UPDATE setting ``assignments`` (SQL, reading
    ``src``), and with ``reset`` (SQL assignments) one UPDATE of the company's rows not in
    ``rows``. The same statements for any number of rows."""
    definition = SQL(", ").join(
        SQL("%s %s", SQL.identifier(name), SQL(sql_type))
        for name, sql_type in {key: "int", **columns}.items()
    )
    cr.execute(SQL("CREATE TEMPORARY TABLE crm_ext_analytics_src (%s) ON COMMIT DROP", definition))
    copy_rows(cr, "crm_ext_analytics_src", rows[[key, *columns]])
    if len(rows) >= ANALYZE_ROWS:
        # the planner's row count and key statistics for the join below
        cr.execute(SQL("ANALYZE crm_ext_analytics_src"))
    matches = SQL("current.%s = src.%s", SQL.identifier(key), SQL.identifier(key))
    cr.execute(
        SQL(
            """
            UPDATE %s current SET %s
              FROM crm_ext_analytics_src src
             WHERE current.company_id = %s AND %s
            """,
            SQL.identifier(table),
            assignments,
            company_id,
            matches,
        )
    )
    if reset:
        cr.execute(
            SQL(
                """
                UPDATE %s current SET %s
                 WHERE current.company_id = %s
                   AND NOT EXISTS (SELECT 1 FROM crm_ext_analytics_src src WHERE %s)
                """,
                SQL.identifier(table),
                reset,
                company_id,
                matches,
            )
        )
    cr.execute(SQL("DROP TABLE crm_ext_analytics_src"))


def differs(new, old):
    """Per row, whether ``new`` and ``old`` (two aligned Series) hold different values: a missing
    value equals a missing value only, numbers are compared to ``SAME_NUMBER``, dates as dates."""
    new_missing, old_missing = new.isna().to_numpy(), old.isna().to_numpy()
    result = new_missing != old_missing
    both = ~new_missing & ~old_missing
    if pd.api.types.is_datetime64_any_dtype(new) and pd.api.types.is_datetime64_any_dtype(old):
        a, b = new.to_numpy("datetime64[D]"), old.to_numpy("datetime64[D]")
        result[both] = a[both] != b[both]
    elif pd.api.types.is_numeric_dtype(new) and pd.api.types.is_numeric_dtype(old):
        a = new.to_numpy("float64", na_value=np.nan)
        b = old.to_numpy("float64", na_value=np.nan)
        result[both] = np.abs(a[both] - b[both]) > SAME_NUMBER
    else:
        a, b = new.to_numpy(object), old.to_numpy(object)
        result[both] = a[both] != b[both]
    return result
