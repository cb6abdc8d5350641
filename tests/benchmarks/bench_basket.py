"""Market basket stage of crm_ext_analytics against mlxtend, on the same baskets.

The baskets are the confirmed orders of the company with the most orders (one basket per
order, its distinct products), read once before timing. ``basket_rules`` is the engine of
the analytics run (``engine/basket.py``: sparse counting of itemsets of up to three
products, then the rules); the baseline ``basket_rules_mlxtend`` is mlxtend's ``fpgrowth``
on a sparse one-hot frame plus ``association_rules``, with the same thresholds. The check
compares every rule and its support, confidence and lift. Target: at least 5 times faster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.benchmarks.registry import Result, benchmark

MODULES = ["crm_ext_analytics"]
MIN_SUPPORT = 0.002
MIN_CONFIDENCE = 0.05
MAX_LEN = 3


def _prepare(ctx):
    cr = ctx.env.cr
    cr.execute(
        """
        SELECT company_id FROM sale_order WHERE state = 'sale'
      GROUP BY company_id ORDER BY COUNT(*) DESC LIMIT 1
        """
    )
    row = cr.fetchone()
    if not row:
        return {"lines": pd.DataFrame(columns=["basket_id", "product_id"]), "company": None}
    cr.execute(
        """
        SELECT DISTINCT sol.order_id, sol.product_id
          FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id
         WHERE so.state = 'sale' AND so.company_id = %s AND sol.product_id IS NOT NULL
           AND sol.display_type IS NULL
        """,
        [row[0]],
    )
    lines = pd.DataFrame(cr.fetchall(), columns=["basket_id", "product_id"])
    return {"lines": lines, "company": row[0]}


def _rules_key(frame):
    return {
        (tuple(a), tuple(c)): (s, conf, lift)
        for a, c, s, conf, lift in zip(
            frame["antecedents"],
            frame["consequents"],
            frame["support"],
            frame["confidence"],
            frame["lift"],
            strict=True,
        )
    }


def _same_rules(value, baseline_value):
    ours, theirs = _rules_key(value), _rules_key(baseline_value)
    if set(ours) != set(theirs):
        raise AssertionError(
            f"{len(set(ours) ^ set(theirs))} rules differ, e.g. {sorted(set(ours) ^ set(theirs))[:3]}"
        )
    for key, measures in theirs.items():
        if not np.allclose(ours[key], measures, rtol=1e-9, atol=1e-12):
            raise AssertionError(f"rule {key}: {ours[key]} != {measures}")
    return f"the same {len(ours):,} rules with the same support, confidence and lift"


@benchmark(
    "basket_rules",
    baseline="basket_rules_mlxtend",
    prepare=_prepare,
    requires=MODULES,
    targets={"basket_rules_mlxtend": 5},
    check=_same_rules,
)
def basket_rules(ctx):
    """Association rules of up to three products from the confirmed orders (crm_ext_analytics' engine)."""
    from odoo.addons.crm_ext_analytics.engine.basket import association_rules

    lines = ctx.prepared["lines"]
    rules = association_rules(lines, MIN_SUPPORT, MIN_CONFIDENCE, 0.0, MAX_LEN)
    baskets = lines["basket_id"].nunique()
    return Result(rows=len(lines), value=rules, note=f"{baskets:,} orders, {len(rules):,} rules")


def _prepare_mlxtend(ctx):
    return _prepare(ctx)


@benchmark(
    "basket_rules_mlxtend",
    baseline_only=True,
    prepare=_prepare_mlxtend,
    requires=MODULES,
    description="mlxtend fpgrowth (sparse one-hot) + association_rules, same thresholds",
)
def basket_rules_mlxtend(ctx):
    """mlxtend's fpgrowth and association_rules on the same baskets."""
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    from scipy import sparse

    lines = ctx.prepared["lines"]
    baskets, basket_index = np.unique(lines["basket_id"].to_numpy(), return_inverse=True)
    items, item_index = np.unique(lines["product_id"].to_numpy(), return_inverse=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(lines), dtype=bool), (basket_index, item_index)), shape=(len(baskets), len(items))
    )
    # mlxtend wants sparse columns named 0..n-1 (or strings): positions, mapped back after
    onehot = pd.DataFrame.sparse.from_spmatrix(matrix, columns=np.arange(len(items)))
    itemsets = fpgrowth(onehot, min_support=MIN_SUPPORT, use_colnames=True, max_len=MAX_LEN)
    rules = association_rules(
        itemsets, num_itemsets=len(baskets), metric="confidence", min_threshold=MIN_CONFIDENCE
    )
    frame = pd.DataFrame(
        {
            "antecedents": [tuple(sorted(int(items[i]) for i in a)) for a in rules["antecedents"]],
            "consequents": [tuple(sorted(int(items[i]) for i in c)) for c in rules["consequents"]],
            "support": rules["support"].to_numpy(),
            "confidence": rules["confidence"].to_numpy(),
            "lift": rules["lift"].to_numpy(),
        }
    )
    return Result(rows=len(lines), value=frame, note=f"{len(baskets):,} orders, {len(frame):,} rules")
