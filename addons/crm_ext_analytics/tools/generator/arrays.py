"""Array helpers of the generator: Odoo's rounding, money as integer cents, dates for COPY."""

from __future__ import annotations

import numpy as np
import pandas as pd

SECONDS_PER_DAY = 86_400


def round_half_away(x):
    """Round a float array to integers, half away from zero (Odoo's float_round)."""
    x = np.asarray(x, dtype=np.float64)
    return (np.sign(x) * np.floor(np.abs(x) + 0.5 + 1e-9)).astype(np.int64)


def to_company(cents, rate):
    """Convert document-currency cents to company-currency cents.

    ``rate`` is Odoo's rate: units of the document currency for one unit of the
    company currency.
    """
    return round_half_away(np.asarray(cents, dtype=np.float64) / rate)


def money(cents):
    return np.asarray(cents, dtype=np.int64) / 100.0


def dates(values):
    """numpy datetime64 -> object array of 'YYYY-MM-DD' strings (None for NaT)."""
    values = np.asarray(values).astype("datetime64[D]")
    out = np.datetime_as_string(values, unit="D").astype(object)
    out[np.isnat(values)] = None
    return out


def datetimes(values):
    values = np.asarray(values).astype("datetime64[s]")
    out = np.char.replace(np.datetime_as_string(values, unit="s"), "T", " ").astype(object)
    out[np.isnat(values)] = None
    return out


def nullable(values, mask):
    """Integer array -> pandas nullable Int64 array with NULL where ``mask`` is False."""
    arr = pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")
    arr[~np.asarray(mask, dtype=bool)] = pd.NA
    return arr


def group_index(keys):
    """Return (unique keys, inverse index) of an integer key array."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, inverse


def sum_by(inverse, values, n):
    return np.rint(np.bincount(inverse, weights=np.asarray(values, dtype=np.float64), minlength=n)).astype(
        np.int64
    )


def rank_within(groups):
    """0-based rank of each element within its group, groups given as sorted-order ints."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    counts = np.diff(np.r_[starts, len(groups)])
    ranks_sorted = np.arange(len(groups)) - np.repeat(starts, counts)
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = ranks_sorted
    return ranks


def raw_cursor(cr):
    """The psycopg2 cursor behind an Odoo cursor (also behind a TestCursor)."""
    obj = getattr(cr, "_obj", None)
    if obj is None:
        obj = cr._cursor._obj
    return obj
