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


# PostgreSQL's binary COPY: its signature, and numpy's big-endian types of a column by dtype and width
BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
# (not float4: its binary value is not the decimal its text gives, e.g. 0.1)
BINARY_TYPES = {("int64", 2): ">i2", ("int64", 4): ">i4", ("int64", 8): ">i8", ("float64", 8): ">f8"}


def copy_binary_statement(cr, query):
    """``COPY (query) TO STDOUT (FORMAT binary)`` for ``query`` (SQL), its parameters bound."""
    return f"{copy_statement(cr, query)} (FORMAT binary)"


def frame_from_binary_copy(data, dtypes):
    """The rows of a binary COPY (``copy_binary_statement``; ``data``: its bytes) as a DataFrame of
    the columns of ``dtypes`` (name -> ``int64`` or ``float64``), read as one numpy array over the
    bytes rather than value by value: every row then has the same layout, fields of fixed width.
    None when the rows do not (a NULL, a column of another type): the caller reads the text format.
    """
    data = memoryview(data)
    if bytes(data[:11]) != BINARY_SIGNATURE or set(dtypes.values()) - {"int64", "float64"}:
        return None
    start = 19 + int.from_bytes(data[15:19], "big")  # after the flags and the header's extension
    body = data[start : len(data) - 2]  # the trailer: -1 as a 16-bit field count
    if not len(body):
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
    # the first row gives every field's width; the others must have the same
    fields, offset = [("count", ">i2")], 2
    for index, dtype in enumerate(dtypes.values()):
        width = int.from_bytes(body[offset : offset + 4], "big", signed=True)
        if (dtype, width) not in BINARY_TYPES:
            return None
        fields += [(f"width{index}", ">i4"), (f"value{index}", BINARY_TYPES[dtype, width])]
        offset += 4 + width
    layout = np.dtype(fields)
    if len(body) % layout.itemsize:
        return None
    rows = np.frombuffer(body, dtype=layout)
    if (rows["count"] != len(dtypes)).any() or any(
        (rows[f"width{index}"] != layout[f"value{index}"].itemsize).any() for index in range(len(dtypes))
    ):
        return None
    return pd.DataFrame(
        {name: rows[f"value{index}"].astype(dtype) for index, (name, dtype) in enumerate(dtypes.items())}
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
