"""Market basket analysis: association rules and next best offers, vectorised.

Frequent itemsets of one to three products are counted with sparse matrix products
(``scipy.sparse``): items with the basket × item matrix, pairs with its Gram matrix, and
triples from the baskets holding each frequent pair (a triple can only be frequent when
its pairs are). The rules and their measures are the ones of mlxtend's ``fpgrowth`` +
``association_rules`` with the same thresholds: support = baskets with the itemset / all
baskets, confidence = support(itemset) / support(antecedent), lift = confidence /
support(consequent).
"""

import numpy as np
import pandas as pd
from scipy import sparse

RULE_COLUMNS = ["antecedents", "consequents", "support", "confidence", "lift", "count"]
OFFER_COLUMNS = ["partner_id", "product_id", "score", "rank"]


def basket_matrix(lines):
    """The basket × item boolean matrix of ``lines`` (columns ``basket_id``, ``product_id``).

    Returns ``(matrix, item ids)``; a product twice in a basket counts once.
    """
    baskets, basket_index = np.unique(lines["basket_id"].to_numpy(), return_inverse=True)
    items, item_index = np.unique(lines["product_id"].to_numpy(), return_inverse=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(lines), dtype=np.int32), (basket_index, item_index)), shape=(len(baskets), len(items))
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1  # a product twice in a basket: presence, not a count
    return matrix, items


def _frequent(counts, n_baskets, min_support):
    # the same test as mlxtend's: support as a float, compared with >=
    return (counts / n_baskets) >= min_support


def frequent_itemsets(matrix, min_support, max_len=3):
    """Frequent itemsets of 1 to ``max_len`` (at most 3) items, as column indexes of ``matrix``.

    Returns ``{1: (counts, a), 2: (counts, a, b), 3: (counts, a, b, c)}`` with ``a < b < c``.
    """
    if max_len < 1 or max_len > 3:
        raise ValueError("itemsets have 1 to 3 items")
    n_baskets = matrix.shape[0]
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    single = np.flatnonzero(_frequent(counts, n_baskets, min_support))
    result = {1: (counts[single], single)}
    if max_len == 1 or len(single) < 2:
        return result
    reduced = matrix[:, single].tocsc().astype(np.int32)
    gram = sparse.triu(reduced.T @ reduced, k=1).tocoo()
    keep = _frequent(gram.data, n_baskets, min_support)
    pair_a, pair_b, pair_counts = gram.row[keep], gram.col[keep], gram.data[keep]
    order = np.lexsort((pair_b, pair_a))
    pair_a, pair_b, pair_counts = pair_a[order], pair_b[order], pair_counts[order]
    result[2] = (pair_counts, single[pair_a], single[pair_b])
    if max_len == 2 or not len(pair_a):
        return result
    # the baskets holding each frequent pair, then how many of them hold each further item
    both = reduced[:, pair_a].multiply(reduced[:, pair_b]).tocsc()
    triples = (both.T @ reduced).tocoo()
    beyond = triples.col > pair_b[triples.row]
    frequent = beyond & _frequent(triples.data, n_baskets, min_support)
    rows, cols, triple_counts = triples.row[frequent], triples.col[frequent], triples.data[frequent]
    order = np.lexsort((cols, pair_b[rows], pair_a[rows]))
    rows, cols, triple_counts = rows[order], cols[order], triple_counts[order]
    result[3] = (triple_counts, single[pair_a[rows]], single[pair_b[rows]], single[cols])
    return result


def _lookup(keys, sorted_keys, values):
    position = np.searchsorted(sorted_keys, keys)
    return values[position]


def association_rules(lines, min_support=0.01, min_confidence=0.1, min_lift=0.0, max_len=3):
    """Association rules from ``lines`` (columns ``basket_id``, ``product_id``).

    Returns a DataFrame with ``antecedents`` and ``consequents`` (tuples of product ids,
    sorted), ``support``, ``confidence``, ``lift`` and ``count`` (baskets with the whole
    itemset), for every frequent itemset of 2 to ``max_len`` items and every split of it,
    kept when confidence >= ``min_confidence`` and lift >= ``min_lift``.
    """
    if not 0 < min_support <= 1:
        raise ValueError("the minimum support is a share of the baskets, above 0 and at most 1")
    if lines is None or lines.empty:
        return pd.DataFrame(columns=RULE_COLUMNS)
    matrix, items = basket_matrix(lines)
    n_baskets = matrix.shape[0]
    itemsets = frequent_itemsets(matrix, min_support, max_len)
    if 2 not in itemsets:
        return pd.DataFrame(columns=RULE_COLUMNS)
    single_counts, single = itemsets[1]
    item_support = np.zeros(len(items))
    item_support[single] = single_counts / n_baskets
    pair_counts, pair_a, pair_b = itemsets[2]
    width = np.int64(len(items))
    pair_keys = pair_a.astype(np.int64) * width + pair_b
    pair_support = pair_counts / n_baskets

    frames = []
    # pairs: a -> b and b -> a
    for ante, cons in ((pair_a, pair_b), (pair_b, pair_a)):
        frames.append(
            {
                "ante": [ante],
                "cons": [cons],
                "support": pair_support,
                "ante_support": item_support[ante],
                "cons_support": item_support[cons],
                "count": pair_counts,
            }
        )
    if 3 in itemsets:
        triple_counts, a, b, c = itemsets[3]
        support = triple_counts / n_baskets

        def pair(x, y):
            return _lookup(x.astype(np.int64) * width + y, pair_keys, pair_support)

        for ante, cons in (
            ((a, b), (c,)),
            ((a, c), (b,)),
            ((b, c), (a,)),
            ((c,), (a, b)),
            ((b,), (a, c)),
            ((a,), (b, c)),
        ):
            frames.append(
                {
                    "ante": list(ante),
                    "cons": list(cons),
                    "support": support,
                    "ante_support": pair(*ante) if len(ante) == 2 else item_support[ante[0]],
                    "cons_support": pair(*cons) if len(cons) == 2 else item_support[cons[0]],
                    "count": triple_counts,
                }
            )
    result = []
    for frame in frames:
        confidence = frame["support"] / frame["ante_support"]
        lift = confidence / frame["cons_support"]
        keep = (confidence >= min_confidence) & (lift >= min_lift)
        if not keep.any():
            continue
        ante = [items[column[keep]] for column in frame["ante"]]
        cons = [items[column[keep]] for column in frame["cons"]]
        result.append(
            pd.DataFrame(
                {
                    "antecedents": list(zip(*ante, strict=True)),
                    "consequents": list(zip(*cons, strict=True)),
                    "support": frame["support"][keep],
                    "confidence": confidence[keep],
                    "lift": lift[keep],
                    "count": frame["count"][keep].astype(np.int64),
                }
            )
        )
    if not result:
        return pd.DataFrame(columns=RULE_COLUMNS)
    rules = pd.concat(result, ignore_index=True)
    # product ids come sorted within a tuple since item columns are sorted ids
    rules["antecedents"] = [tuple(int(x) for x in sorted(t)) for t in rules["antecedents"]]
    rules["consequents"] = [tuple(int(x) for x in sorted(t)) for t in rules["consequents"]]
    return rules.sort_values(["lift", "confidence", "support"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def next_best_offers(purchases, rules, top=5):
    """For each customer, the products the rules suggest and they have not bought yet.

    ``purchases``: columns ``partner_id``, ``product_id``. A rule applies to a customer who
    bought every product of its antecedents; each product of its consequents the customer
    does not have is offered with the score lift × confidence (the best rule counts).
    Returns ``partner_id``, ``product_id``, ``score`` and ``rank`` (1 = best), at most
    ``top`` per customer, ranked by score then product id.
    """
    if purchases is None or purchases.empty or rules is None or rules.empty:
        return pd.DataFrame(columns=OFFER_COLUMNS)
    partners, partner_index = np.unique(purchases["partner_id"].to_numpy(), return_inverse=True)
    rule_items = np.concatenate(
        [np.concatenate(rules[column].map(list).to_numpy()) for column in ("antecedents", "consequents")]
    )
    items = np.union1d(purchases["product_id"].to_numpy(), rule_items)
    item_index = np.searchsorted(items, purchases["product_id"].to_numpy())
    owned = sparse.csr_matrix(
        (np.ones(len(purchases), dtype=np.int32), (partner_index, item_index)),
        shape=(len(partners), len(items)),
    )
    owned.sum_duplicates()
    owned.data[:] = 1
    antecedent_sizes = rules["antecedents"].map(len).to_numpy()
    rule_rows = np.repeat(np.arange(len(rules)), antecedent_sizes)
    rule_cols = np.searchsorted(items, np.concatenate(rules["antecedents"].map(list).to_numpy()))
    antecedents = sparse.csr_matrix(
        (np.ones(len(rule_rows), dtype=np.int32), (rule_rows, rule_cols)), shape=(len(rules), len(items))
    )
    matches = (owned @ antecedents.T).tocoo()
    full = matches.data == antecedent_sizes[matches.col]
    partner_rows, rule_ids = matches.row[full], matches.col[full]
    if not len(rule_ids):
        return pd.DataFrame(columns=OFFER_COLUMNS)
    sizes = rules["consequents"].map(len).to_numpy()[rule_ids]
    # explode (customer, rule) into (customer, consequent product)
    flat_products = np.concatenate(rules["consequents"].map(list).to_numpy())
    starts = np.concatenate([[0], np.cumsum(rules["consequents"].map(len).to_numpy())[:-1]])
    within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    take = np.repeat(starts[rule_ids], sizes) + within
    offered = flat_products[take]
    scores = (rules["lift"].to_numpy() * rules["confidence"].to_numpy())[rule_ids]
    frame = pd.DataFrame(
        {
            "partner_row": np.repeat(partner_rows, sizes),
            "product_id": offered,
            "score": np.repeat(scores, sizes),
        }
    )
    # drop what the customer already has
    offered_index = np.searchsorted(items, frame["product_id"].to_numpy())
    has = np.asarray(owned[frame["partner_row"].to_numpy(), offered_index]).ravel() > 0
    frame = frame[~has]
    if frame.empty:
        return pd.DataFrame(columns=OFFER_COLUMNS)
    frame = frame.groupby(["partner_row", "product_id"], as_index=False, sort=False)["score"].max()
    frame = frame.sort_values(
        ["partner_row", "score", "product_id"], ascending=[True, False, True], kind="stable"
    )
    frame["rank"] = frame.groupby("partner_row").cumcount() + 1
    frame = frame[frame["rank"] <= top]
    frame["partner_id"] = partners[frame["partner_row"].to_numpy()]
    return (
        frame[OFFER_COLUMNS]
        .astype({"partner_id": "int64", "product_id": "int64", "rank": "int64"})
        .reset_index(drop=True)
    )
