import numpy as np
import pandas as pd
import pytest
from crm_ext_engine.basket import association_rules, next_best_offers
from mlxtend.frequent_patterns import association_rules as mlxtend_rules
from mlxtend.frequent_patterns import fpgrowth


def _baskets(seed, n_baskets=600, n_items=25):
    """Baskets with a few products bought together more often than by chance."""
    rng = np.random.default_rng(seed)
    popularity = rng.dirichlet(np.ones(n_items) * 0.6)
    rows = []
    for basket in range(n_baskets):
        size = 1 + rng.poisson(2)
        products = set(rng.choice(n_items, size=min(size, n_items), replace=False, p=popularity))
        if 3 in products and rng.random() < 0.7:
            products |= {7, 11}
        rows += [(basket, 1000 + product) for product in products]
    # a product twice in the same basket counts once
    rows.append(rows[0])
    return pd.DataFrame(rows, columns=["basket_id", "product_id"])


def _mlxtend(lines, min_support, min_confidence, min_lift, max_len):
    onehot = pd.crosstab(lines["basket_id"], lines["product_id"]).astype(bool)
    itemsets = fpgrowth(onehot, min_support=min_support, use_colnames=True, max_len=max_len)
    if itemsets.empty:
        return set()
    rules = mlxtend_rules(
        itemsets, num_itemsets=len(onehot), metric="confidence", min_threshold=min_confidence
    )
    rules = rules[rules["lift"] >= min_lift]
    return {
        (tuple(sorted(int(x) for x in r.antecedents)), tuple(sorted(int(x) for x in r.consequents))): (
            r.support,
            r.confidence,
            r.lift,
        )
        for r in rules.itertuples()
    }


@pytest.mark.parametrize(
    "seed, min_support, min_confidence, min_lift, max_len",
    [(1, 0.02, 0.1, 0.0, 3), (2, 0.01, 0.3, 1.2, 3), (3, 0.05, 0.05, 0.0, 2), (4, 0.015, 0.2, 1.0, 3)],
)
def test_rules_equal_mlxtend(seed, min_support, min_confidence, min_lift, max_len):
    lines = _baskets(seed)
    ours = association_rules(lines, min_support, min_confidence, min_lift, max_len)
    theirs = _mlxtend(lines, min_support, min_confidence, min_lift, max_len)
    assert len(theirs) > 10, "the data set must make rules to compare"
    mine = {(r.antecedents, r.consequents): (r.support, r.confidence, r.lift) for r in ours.itertuples()}
    assert set(mine) == set(theirs)
    for key, values in theirs.items():
        assert mine[key] == pytest.approx(values, rel=1e-9, abs=1e-12), key
    if max_len == 3:
        assert any(len(a) + len(c) == 3 for a, c in mine), "rules of three products are compared too"


def test_counts_and_measures_by_hand():
    # 5 baskets: {1,2,3} {1,2} {1,2} {1} {4}
    lines = pd.DataFrame(
        [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (5, 4)],
        columns=["basket_id", "product_id"],
    )
    rules = association_rules(lines, min_support=0.4, min_confidence=0.5)
    by_key = {(r.antecedents, r.consequents): r for r in rules.itertuples()}
    assert set(by_key) == {((1,), (2,)), ((2,), (1,))}, "{3} and {4} are in only 1 of 5 baskets"
    one_two = by_key[((1,), (2,))]
    assert (one_two.support, one_two.count) == (0.6, 3)
    assert one_two.confidence == pytest.approx(3 / 4)
    assert one_two.lift == pytest.approx((3 / 4) / (3 / 5))
    assert by_key[((2,), (1,))].confidence == 1.0


def test_edge_cases():
    empty = association_rules(pd.DataFrame(columns=["basket_id", "product_id"]), 0.1)
    assert empty.empty and list(empty.columns) == [
        "antecedents",
        "consequents",
        "support",
        "confidence",
        "lift",
        "count",
    ]
    singles = pd.DataFrame([(1, 1), (2, 2), (3, 1)], columns=["basket_id", "product_id"])
    assert association_rules(singles, 0.1).empty, "single-product baskets make no rule"
    with pytest.raises(ValueError):
        association_rules(singles, 0)


def test_next_best_offers():
    rules = pd.DataFrame(
        {
            "antecedents": [(1,), (1, 2), (5,)],
            "consequents": [(3,), (4, 3), (6,)],
            "support": [0.1, 0.1, 0.1],
            "confidence": [0.5, 0.8, 0.9],
            "lift": [2.0, 3.0, 1.5],
        }
    )
    purchases = pd.DataFrame(
        [(10, 1), (10, 2), (20, 1), (20, 3), (30, 9), (40, 5), (40, 6)], columns=["partner_id", "product_id"]
    )
    offers = next_best_offers(purchases, rules, top=5)
    got = {(r.partner_id, r.product_id): (round(r.score, 6), r.rank) for r in offers.itertuples()}
    assert got == {
        # 10 bought 1 and 2: rule 2 (score 2.4) offers 3 and 4, rule 1 (1.0) offers 3 again: best counts
        (10, 3): (2.4, 1),
        (10, 4): (2.4, 2),
        # 20 has 3 already: nothing from rule 1; rule 2 needs 2
    }
    assert next_best_offers(purchases, rules, top=1)["rank"].max() == 1
    assert next_best_offers(purchases.iloc[0:0], rules).empty
