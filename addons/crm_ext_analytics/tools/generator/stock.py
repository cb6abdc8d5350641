"""Stock: deliveries of the confirmed orders, the initial inventory, serial numbers, quants and
valuation layers, written with ``COPY``."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .arrays import SECONDS_PER_DAY, dates, datetimes, money, nullable, rank_within


class StockMixin:
    """Stock on hand and delivered goods agree with the done move lines."""

    def _stock(self):
        S = self._stock_layout()
        self._write_pickings(S)
        self._write_delivery_moves(S)
        self._write_lots(S)
        self._write_inventory_moves(S)
        self._write_move_lines(S)
        self._write_quants(S)
        self._write_valuation(S)

    def _stock_layout(self):
        """Warehouses of both companies in one flat index; pickings of the confirmed orders."""
        OD, co = self.OD, self.co
        S = SimpleNamespace()
        S.confirmed = np.flatnonzero(OD["confirmed"])
        S.pick_ids = self._alloc("stock_picking", len(S.confirmed))
        OD["picking_ids"] = np.zeros(OD["n"], dtype=np.int64)
        OD["picking_ids"][S.confirmed] = S.pick_ids
        S.wh_flat = [w for c in co for w in c["warehouses"]]
        S.wh_company = np.array([ci for ci, c in enumerate(co) for _w in c["warehouses"]])
        wh_offset = np.cumsum([0] + [len(c["warehouses"]) for c in co])[:-1]
        S.order_wh = wh_offset[OD["company"]] + OD["wh"]
        S.lot_stock = np.array([w["lot_stock_id"] for w in S.wh_flat])
        S.out_type = np.array([w["out_type_id"] for w in S.wh_flat])
        S.rule = np.array([w["rule_id"] or 0 for w in S.wh_flat])
        S.co_ids = np.array([c["id"] for c in co])
        S.cust_loc = self.customer_location.id
        S.pick_wh = S.order_wh[S.confirmed]
        S.pick_names = self._picking_names(S.wh_flat, S.pick_wh)
        S.initial_dt = (self.start64 - np.timedelta64(1, "D")).astype("datetime64[s]") + np.timedelta64(
            8 * 3600, "s"
        )
        S.initial_str = str(S.initial_dt).replace("T", " ")
        return S

    def _picking_names(self, wh_flat, pick_wh):
        """Picking names from each delivery type's sequence, which advances past them."""
        pick_names = np.empty(len(pick_wh), dtype=object)
        for wi, w in enumerate(wh_flat):
            mask = pick_wh == wi
            count = int(mask.sum())
            seq = w["sequence"]
            prefix = (seq.prefix or f"{w['code']}/OUT/") if seq else f"{w['code']}/OUT/"
            if "%(" in prefix:
                prefix = f"{w['code']}/OUT/"
            first = seq.number_next_actual if seq else 1
            padding = seq.padding if seq else 5
            pick_names[mask] = [f"{prefix}{x:0{padding}d}" for x in range(first, first + count)]
            if seq and count:
                seq.sudo().write({"number_next": first + count})
        return pick_names

    def _write_pickings(self, S):
        OD = self.OD
        confirmed = S.confirmed
        done = OD["delivered"][confirmed]
        pick_date = np.where(done, OD["delivery_dt"][confirmed], OD["date"][confirmed])
        scheduled = np.where(
            done,
            OD["delivery_dt"][confirmed],
            OD["date"][confirmed] + np.timedelta64(2 * SECONDS_PER_DAY, "s"),
        )
        self._copy(
            "stock_picking",
            {
                "id": S.pick_ids,
                "name": S.pick_names,
                "origin": OD["names"][confirmed],
                "group_id": OD["group_ids"][confirmed],
                "location_id": S.lot_stock[S.pick_wh],
                "location_dest_id": S.cust_loc,
                "picking_type_id": S.out_type[S.pick_wh],
                "partner_id": OD["partner_id"][confirmed],
                "company_id": OD["company_id"][confirmed],
                "user_id": OD["user_id"][confirmed],
                "move_type": "direct",
                "state": np.where(done, "done", "confirmed"),
                "priority": "0",
                "has_deadline_issue": False,
                "printed": False,
                "is_locked": True,
                "scheduled_date": datetimes(scheduled),
                "date": datetimes(OD["date"][confirmed]),
                "date_done": datetimes(np.where(done, pick_date, np.datetime64("NaT"))),
                "sale_id": OD["ids"][confirmed],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(OD["date"][confirmed]),
                "write_date": self.now_str,
            },
        )

    def _write_delivery_moves(self, S):
        """One delivery move per order line of the confirmed orders."""
        OD, L = self.OD, self.L
        S.ml = np.flatnonzero(OD["confirmed"][L["order"]])
        lo = S.lo = L["order"][S.ml]
        move_done = OD["delivered"][lo]
        S.mv_ids = self._alloc("stock_move", len(S.ml))
        mv_wh = S.mv_wh = S.order_wh[lo]
        S.mv_date = np.where(
            move_done, OD["delivery_dt"][lo], OD["date"][lo] + np.timedelta64(2 * SECONDS_PER_DAY, "s")
        )
        product = S.product = L["product"][S.ml]
        qty = S.qty = L["qty"][S.ml]
        S.done_idx = np.flatnonzero(move_done)
        names = self.product_names[product]
        self._copy(
            "stock_move",
            {
                "id": S.mv_ids,
                "name": names,
                "description_picking": names,
                "sequence": 10,
                "company_id": OD["company_id"][lo],
                "product_id": self.product_ids[product],
                "product_uom": self.uom_unit.id,
                "product_uom_qty": qty,
                "product_qty": qty,
                "quantity": np.where(move_done, qty, 0),
                "location_id": S.lot_stock[mv_wh],
                "location_dest_id": S.cust_loc,
                "location_final_id": S.cust_loc,
                "partner_id": OD["partner_id"][lo],
                "picking_id": OD["picking_ids"][lo],
                "group_id": OD["group_ids"][lo],
                "rule_id": nullable(S.rule[mv_wh], S.rule[mv_wh] > 0),
                "picking_type_id": S.out_type[mv_wh],
                "warehouse_id": np.array([w["id"] for w in S.wh_flat])[mv_wh],
                "priority": "0",
                "state": np.where(move_done, "done", "confirmed"),
                "origin": OD["names"][lo],
                "procure_method": "make_to_stock",
                "reference": S.pick_names[np.searchsorted(S.confirmed, lo)],
                "reservation_date": dates(np.where(move_done, S.mv_date, np.datetime64("NaT"))),
                "picked": move_done,
                "scrapped": False,
                "propagate_cancel": False,
                "is_inventory": False,
                "additional": False,
                "to_refund": False,
                "date": datetimes(S.mv_date),
                "sale_line_id": L["ids"][S.ml],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(OD["date"][lo]),
                "write_date": self.now_str,
            },
        )

    def _write_lots(self, S):
        """Quantities per (product, warehouse), delivered and on hand; one serial number per unit
        of a tracked product ever received in a warehouse."""
        rng = self.rng
        n_p = S.n_p = len(self.product_ids)
        n_w = S.n_w = len(S.wh_flat)
        done_idx = S.done_idx
        key_done = S.product[done_idx] * n_w + S.mv_wh[done_idx]
        delivered_pw = np.bincount(key_done, weights=S.qty[done_idx], minlength=n_p * n_w).astype(np.int64)
        serial_p = S.serial_p = np.repeat(self.product_serial, n_w)
        S.onhand = np.where(
            serial_p,
            rng.integers(0, 8, n_p * n_w),
            np.where(rng.random(n_p * n_w) < 0.1, 0, rng.integers(1, 300, n_p * n_w)),
        ).astype(np.int64)
        S.initial = delivered_pw + S.onhand
        lot_count = np.where(serial_p, S.initial, 0)
        S.n_lots = int(lot_count.sum())
        S.lot_ids = self._alloc("stock_lot", S.n_lots)
        lot_key = np.repeat(np.arange(n_p * n_w), lot_count)
        S.lot_delivered = rank_within(lot_key) < delivered_pw[lot_key]
        S.lot_wh = lot_key % n_w
        S.lot_product = lot_key // n_w
        self._copy(
            "stock_lot",
            {
                "id": S.lot_ids,
                "name": np.array([f"SN{x:09d}" for x in S.lot_ids], dtype=object),
                "product_id": self.product_ids[S.lot_product],
                "product_uom_id": self.uom_unit.id,
                "company_id": np.array([self.co[c]["id"] for c in S.wh_company])[S.lot_wh],
                "location_id": np.where(S.lot_delivered, S.cust_loc, S.lot_stock[S.lot_wh]),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": S.initial_str,
                "write_date": self.now_str,
            },
        )
        S.lot_start = np.r_[0, np.cumsum(lot_count)][:-1]  # first lot index of each (product, wh)

    def _write_inventory_moves(self, S):
        """The initial inventory: one adjustment move (inventory loss -> stock) per product and warehouse."""
        inv_keys = S.inv_keys = np.flatnonzero(S.initial > 0)
        n_inv = len(inv_keys)
        S.inv_ids = self._alloc("stock_move", n_inv)
        S.inv_prod = inv_keys // S.n_w
        S.inv_wh = inv_keys % S.n_w
        S.inv_company = S.wh_company[S.inv_wh]
        S.inv_loc = np.array([c["inventory_location_id"] for c in self.co])[S.inv_company]
        S.inv_qty = S.initial[inv_keys]
        S.inv_names = np.full(n_inv, "Product Quantity Updated", dtype=object)
        self._copy(
            "stock_move",
            {
                "id": S.inv_ids,
                "name": S.inv_names,
                "reference": S.inv_names,
                "sequence": 10,
                "company_id": S.co_ids[S.inv_company],
                "product_id": self.product_ids[S.inv_prod],
                "product_uom": self.uom_unit.id,
                "product_uom_qty": S.inv_qty,
                "product_qty": S.inv_qty,
                "quantity": S.inv_qty,
                "location_id": S.inv_loc,
                "location_dest_id": S.lot_stock[S.inv_wh],
                "priority": "0",
                "state": "done",
                "procure_method": "make_to_stock",
                "picked": True,
                "scrapped": False,
                "propagate_cancel": False,
                "is_inventory": True,
                "additional": False,
                "to_refund": False,
                "date": S.initial_str,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": S.initial_str,
                "write_date": self.now_str,
            },
        )

    def _write_move_lines(self, S):
        """Inventory lines (one per lot for serials) and delivery lines (one per unit for serials;
        serial units get their lots in delivery order)."""
        L = self.L
        inv_serial = self.product_serial[S.inv_prod]
        inv_ml_move = np.repeat(np.arange(len(S.inv_keys)), np.where(inv_serial, S.inv_qty, 1))
        inv_ml_serial = inv_serial[inv_ml_move]
        inv_ml_lot = np.where(
            inv_ml_serial, S.lot_start[S.inv_keys[inv_ml_move]] + rank_within(inv_ml_move), -1
        )
        d_serial = L["serial"][S.ml][S.done_idx]
        d_ml_move = np.repeat(S.done_idx, np.where(d_serial, S.qty[S.done_idx], 1))  # index into moves
        d_ml_serial = L["serial"][S.ml][d_ml_move]
        unit_key = S.product[d_ml_move] * S.n_w + S.mv_wh[d_ml_move]
        # rank of serial units within (product, wh) ordered by delivery date (moves are date-sorted by order)
        unit_rank = rank_within(np.where(d_ml_serial, unit_key, -1))
        d_ml_lot = np.where(d_ml_serial, S.lot_start[unit_key] + unit_rank, -1)
        n_inv_ml, n_d_ml = len(inv_ml_move), len(d_ml_move)
        ml_ids = self._alloc("stock_move_line", n_inv_ml + n_d_ml)
        all_lot = np.r_[inv_ml_lot, d_ml_lot]
        has_lot = all_lot >= 0
        lot_ref = S.lot_ids[np.maximum(all_lot, 0)] if S.n_lots else np.zeros(len(ml_ids), dtype=np.int64)
        ml_qty = np.r_[
            np.where(inv_ml_serial, 1, S.inv_qty[inv_ml_move]), np.where(d_ml_serial, 1, S.qty[d_ml_move])
        ]
        d_lo = S.lo[d_ml_move]
        self._copy(
            "stock_move_line",
            {
                "id": ml_ids,
                "move_id": np.r_[S.inv_ids[inv_ml_move], S.mv_ids[d_ml_move]],
                "picking_id": nullable(
                    np.r_[np.zeros(n_inv_ml, np.int64), self.OD["picking_ids"][d_lo]],
                    np.r_[np.zeros(n_inv_ml, bool), np.ones(n_d_ml, bool)],
                ),
                "company_id": np.r_[S.co_ids[S.inv_company][inv_ml_move], self.OD["company_id"][d_lo]],
                "product_id": self.product_ids[np.r_[S.inv_prod[inv_ml_move], S.product[d_ml_move]]],
                "product_uom_id": self.uom_unit.id,
                "lot_id": nullable(lot_ref, has_lot),
                "location_id": np.r_[S.inv_loc[inv_ml_move], S.lot_stock[S.mv_wh[d_ml_move]]],
                "location_dest_id": np.r_[S.lot_stock[S.inv_wh][inv_ml_move], np.full(n_d_ml, S.cust_loc)],
                "state": "done",
                "reference": np.r_[
                    S.inv_names[inv_ml_move], S.pick_names[np.searchsorted(S.confirmed, d_lo)]
                ],
                "quantity": ml_qty,
                "quantity_product_uom": ml_qty,
                "picked": True,
                "date": np.r_[
                    np.full(n_inv_ml, S.initial_str, dtype=object), datetimes(S.mv_date[d_ml_move])
                ],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": self.now_str,
                "write_date": self.now_str,
            },
        )

    def _write_quants(self, S):
        """Stock on hand per warehouse; delivered goods at the customers location, per product
        (not tracked) and per delivered lot."""
        n_p, n_w = S.n_p, S.n_w
        inventory_dates = np.array([str(c["inventory_date"]) for c in self.co], dtype=object)
        plain_keys = np.flatnonzero(~S.serial_p & (S.onhand > 0))
        serial_onhand_lots = np.flatnonzero(~S.lot_delivered) if S.n_lots else np.zeros(0, np.int64)
        q_int_product = np.r_[plain_keys // n_w, S.lot_product[serial_onhand_lots]]
        q_int_wh = np.r_[plain_keys % n_w, S.lot_wh[serial_onhand_lots]]
        q_int_qty = np.r_[S.onhand[plain_keys], np.ones(len(serial_onhand_lots), np.int64)]
        q_int_lot = np.r_[
            np.zeros(len(plain_keys), np.int64),
            S.lot_ids[serial_onhand_lots] if S.n_lots else np.zeros(0, np.int64),
        ]
        q_int_has_lot = np.r_[np.zeros(len(plain_keys), bool), np.ones(len(serial_onhand_lots), bool)]
        done_idx = S.done_idx
        done_prod = S.product[done_idx]
        plain_done = ~self.product_serial[done_prod]
        cust_qty = np.bincount(
            done_prod[plain_done], weights=S.qty[done_idx][plain_done], minlength=n_p
        ).astype(np.int64)
        last_delivery = np.full(n_p, np.datetime64("NaT"), dtype="datetime64[s]")
        if len(done_idx):
            order_by_date = np.argsort(S.mv_date[done_idx], kind="stable")
            last_delivery[done_prod[order_by_date]] = S.mv_date[done_idx][order_by_date]
        cust_plain = np.flatnonzero(cust_qty > 0)
        delivered_lots = np.flatnonzero(S.lot_delivered) if S.n_lots else np.zeros(0, np.int64)
        q_c_product = np.r_[cust_plain, S.lot_product[delivered_lots]]
        n_q_int, n_q_c = len(q_int_product), len(q_c_product)
        quant_ids = self._alloc("stock_quant", n_q_int + n_q_c)
        self._copy(
            "stock_quant",
            {
                "id": quant_ids,
                "product_id": self.product_ids[np.r_[q_int_product, q_c_product]],
                "company_id": nullable(
                    np.r_[S.co_ids[S.wh_company[q_int_wh]], np.zeros(n_q_c, np.int64)],
                    np.r_[np.ones(n_q_int, bool), np.zeros(n_q_c, bool)],
                ),
                "location_id": np.r_[S.lot_stock[q_int_wh], np.full(n_q_c, S.cust_loc)],
                "lot_id": nullable(
                    np.r_[q_int_lot, np.zeros(len(cust_plain), np.int64), S.lot_ids[delivered_lots]],
                    np.r_[q_int_has_lot, np.zeros(len(cust_plain), bool), np.ones(len(delivered_lots), bool)],
                ),
                "quantity": np.r_[q_int_qty, cust_qty[cust_plain], np.ones(len(delivered_lots), np.int64)],
                "reserved_quantity": 0,
                "inventory_quantity_set": False,
                "inventory_quantity": 0,
                "inventory_diff_quantity": 0,
                "inventory_date": np.r_[
                    inventory_dates[S.wh_company[q_int_wh]], np.full(n_q_c, None, dtype=object)
                ],
                "in_date": np.r_[
                    np.full(n_q_int, S.initial_str, dtype=object),
                    datetimes(last_delivery[q_c_product]),
                ],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": self.now_str,
                "write_date": self.now_str,
            },
        )

    def _write_valuation(self, S):
        """Valuation layers at standard cost: in for the inventory, out for each delivery."""
        done_idx = S.done_idx
        n_inv = len(S.inv_keys)
        svl_ids = self._alloc("stock_valuation_layer", n_inv + len(done_idx))
        svl_company = np.r_[S.inv_company, self.OD["company"][S.lo[done_idx]]]
        svl_product = np.r_[S.inv_prod, S.product[done_idx]]
        svl_qty = np.r_[S.inv_qty, -S.qty[done_idx]]
        unit_cost = self.product_cost[svl_company, svl_product]
        value = svl_qty * unit_cost
        is_in = np.r_[np.ones(n_inv, bool), np.zeros(len(done_idx), bool)]
        descr = np.r_[S.inv_names, S.pick_names[np.searchsorted(S.confirmed, S.lo[done_idx])]]
        descr = np.array(
            [f"{a} - {b}" for a, b in zip(descr, self.product_names[svl_product], strict=True)], dtype=object
        )
        svl_dates = np.r_[np.full(n_inv, S.initial_str, dtype=object), datetimes(S.mv_date[done_idx])]
        self._copy(
            "stock_valuation_layer",
            {
                "id": svl_ids,
                "company_id": S.co_ids[svl_company],
                "product_id": self.product_ids[svl_product],
                "categ_id": self.category_ids[self.product_cat[svl_product]],
                "stock_move_id": np.r_[S.inv_ids, S.mv_ids[done_idx]],
                "description": descr,
                "quantity": svl_qty,
                "unit_cost": money(unit_cost),
                "value": money(value),
                "remaining_qty": np.where(is_in, svl_qty, np.nan),
                "remaining_value": np.where(is_in, money(value), np.nan),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": svl_dates,
                "write_date": svl_dates,
            },
        )
