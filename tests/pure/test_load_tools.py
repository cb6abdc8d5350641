"""The load test's own tools that need no Odoo: the CPU split and the fault runs' pools."""

import argparse
import json

import pytest

from tests.load import cpu, faults


class FakeProcess:
    def __init__(self, pid, name, cmdline, ppid=1, nice=0):
        self.pid, self._name, self._cmdline, self._ppid, self._nice = pid, name, cmdline, ppid, nice

    def oneshot(self):
        import contextlib

        return contextlib.nullcontext()

    def name(self):
        return self._name

    def cmdline(self):
        return self._cmdline

    def ppid(self):
        return self._ppid

    def nice(self):
        return self._nice


ODOO = ["/root/.venv/bin/python", "/opt/odoo/18.0/odoo-bin", "-c", "/repo/.state/prod/odoo-1.conf"]


@pytest.mark.parametrize(
    "process, kind",
    [
        (
            FakeProcess(10, "locust", ["/x/venv-load/bin/python", "/x/venv-load/bin/locust", "-f", "l.py"]),
            "locust",
        ),
        (FakeProcess(11, "nginx", ["nginx: worker process"]), "nginx"),
        (FakeProcess(12, "python", ODOO), "odoo HTTP"),
        (FakeProcess(13, "python", ODOO, nice=10), "odoo cron worker"),
        (FakeProcess(14, "python", [*ODOO[:2], "gevent", *ODOO[2:]]), "odoo gevent"),
        (
            FakeProcess(15, "postgres", ["postgres: 15/main: odoo db 127.0.0.1(5) idle"], ppid=900),
            "postgres primary",
        ),
        (FakeProcess(16, "postgres", ["postgres: walreceiver"], ppid=777), "postgres replica"),
        (
            FakeProcess(777, "postgres", ["/usr/lib/postgresql/15/bin/postgres", "-D", "r"]),
            "postgres replica",
        ),
        # an Odoo that scripts/prod.sh did not start (a test run beside the load) is not the load's
        (FakeProcess(17, "python", ["python", "-m", "odoo", "-c", "/repo/odoo.conf"]), "other"),
        (FakeProcess(18, "bash", ["bash"]), "other"),
    ],
)
def test_kind_of_each_process(process, kind):
    assert cpu.kind_of(process, replica_pid=777) == kind


def test_cpu_table_shares_of_the_cores(tmp_path):
    path = tmp_path / "workers2-u25.cpu.json"
    kinds = dict.fromkeys(cpu.KINDS, 0.0)
    kinds.update({"odoo HTTP": 100.0, "postgres primary": 50.0, "locust": 20.0})
    path.write_text(json.dumps({"seconds": 100.0, "cores": 2, "kinds": kinds}))
    table = cpu.table([path]).splitlines()
    assert table[0] == "| kind | workers2-u25: CPU s (share) |"
    assert "| odoo HTTP | 100 (50 %) |" in table
    assert "| postgres primary | 50 (25 %) |" in table
    assert "| locust | 20 (10 %) |" in table
    assert table[-1] == "| all (of the cores' capacity over the run) | 170 of 200 (85 %) |"


def test_sampler_counts_only_time_used_after_a_process_was_first_seen(monkeypatch):
    class Times:
        def __init__(self, user, system):
            self.user, self.system = user, system

    state = {"cpu": 5.0}

    class Proc(FakeProcess):
        def create_time(self):
            return 1.0

        def cpu_times(self):
            return Times(state["cpu"], 1.0)

    process = Proc(12, "python", ODOO)
    monkeypatch.setattr(cpu.psutil, "process_iter", lambda: [process])
    sampler = cpu.Sampler(replica_dir=None)
    sampler.sample()  # first seen with 6 s already used (5 user + 1 system): not the run's
    state["cpu"] = 8.5
    sampler.sample()
    assert sampler.kinds["odoo HTTP"] == pytest.approx(3.5)
    assert sum(sampler.kinds.values()) == pytest.approx(3.5)


def test_each_fault_gets_its_own_share_of_the_used_up_pools(tmp_path):
    data = {
        "pools": {
            "orders_to_invoice": list(range(100)),
            "invoices_to_pay": list(range(1000, 1050)),
            "invoices_to_refund": list(range(2000, 2050)),
            "tickets": list(range(3000, 3030)),
            "opportunities": [1, 2, 3],
        }
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    args = argparse.Namespace(data=str(tmp_path / "data.json"), out=str(tmp_path), only=None, run_id="r")
    shares = [json.loads(open(faults.Fault(args, name).fault_data()).read()) for name in faults.FAULTS]
    for pool in faults.CONSUMED_POOLS:
        taken = [record for share in shares for record in share["pools"][pool]]
        assert sorted(taken) == sorted(data["pools"][pool])  # every record, once
        assert all(share["pools"][pool] for share in shares)  # none empty
    # the pools that are only read are whole in every share
    assert all(share["pools"]["opportunities"] == [1, 2, 3] for share in shares)


def test_default_filters_as_the_web_client_applies_them():
    import xml.etree.ElementTree as ET

    from tests.load.webclient import default_filters_domain

    search = ET.fromstring(
        """<search>
             <filter name="assigned_to_me" domain="[('user_id', '=', uid)]"/>
             <filter name="open" domain="[('is_closed', '=', False)]"/>
             <filter name="today" domain="[('date', '=', context_today().strftime('%Y-%m-%d'))]"/>
             <filter name="by_stage" context="{'group_by': 'stage_id'}"/>
           </search>"""
    )
    context = {"search_default_assigned_to_me": 1, "search_default_today": 1, "search_default_by_stage": 1}
    # "My Pipeline" with the user's id; the date filter (not a literal) and the group-by left out
    assert default_filters_domain(search, context, 7) == [("user_id", "=", 7)]
    assert default_filters_domain(search, {"search_default_open": 1}, 7) == [("is_closed", "=", False)]
    assert default_filters_domain(search, {"search_default_open": 0}, 7) == []


def test_kanban_groups_opened_as_the_web_client_opens_them():
    from tests.load.webclient import MAX_OPEN_GROUPS, groups_to_open

    groups = [
        {"stage_id": False, "stage_id_count": 7},  # the "unset" group of a many2one: folded
        {"stage_id": [1, "New"], "stage_id_count": 3},
        {"stage_id": [2, "Empty"], "stage_id_count": 0},  # open, counted, nothing to load
        {"stage_id": [3, "Won"], "stage_id_count": 9, "__fold": True},
        {"stage_id": [4, "Proposition"], "stage_id_count": 2, "__fold": False},
    ]
    assert [group["stage_id"][0] for group in groups_to_open(groups, "stage_id")] == [1, 4]
    many = [{"stage_id": [n, str(n)], "stage_id_count": 0 if n == 3 else 1} for n in range(1, 15)]
    opened = groups_to_open(many, "stage_id")
    # the first ten open groups (the empty third among them), not the eleventh
    assert [group["stage_id"][0] for group in opened] == [1, 2, *range(4, MAX_OPEN_GROUPS + 1)]


def test_pages_during_the_job_against_the_others_of_the_run(tmp_path):
    from tests.load import jobs

    window = jobs.job_window("7 100.0 110.0\n8 110.5 130.0\n")
    assert window == (100.0, 130.0)
    assert jobs.job_window("") is None
    pages = [
        (95.0, 6.0, "PAGE", "a", False),  # ends inside the job: during
        (129.0, 0.5, "PAGE", "a", False),  # during
        (120.0, 2.0, "WRITE", "b", False),  # a write: not counted
        (90.0, 4.0, "PAGE", "a", False),  # before
        (130.5, 1.0, "PAGE", "a", False),  # after
        (131.0, 3.0, "PAGE", "a", False),
    ]
    during, outside = jobs.split_pages(pages, window)
    assert during == [6.0, 0.5] and outside == [4.0, 1.0, 3.0]
    result = jobs.compare(pages, window)
    assert result["during"]["count"] == 2 and result["outside"]["count"] == 3
    assert result["outside"]["p50"] == 3000.0
    assert result["ratio"] == pytest.approx(result["during"]["p95"] / result["outside"]["p95"])
    (tmp_path / "w2-u25.pages.json").write_text(json.dumps(pages))
    (tmp_path / "w2-u25.jobs.txt").write_text("7 100.0 110.0\n8 110.5 130.0\n")
    text = jobs.table(tmp_path, ["w2-u25", "w2-u10"], warmup=0)
    assert text.count("\n") == 2 and "| w2-u25 | 30.0 | 2 |" in text
    assert jobs.table(tmp_path, ["w2-u10"]) is None
    # the run's first seconds in neither set: here the first 6 s after its first step (90.0),
    # so the page begun at 95.0, during the job, and the one at 90.0, before it, are left out
    during, outside = jobs.split_pages(pages, window, warmup=6.0)
    assert during == [0.5] and outside == [1.0, 3.0]
    assert jobs.compare(pages, window, warmup=6.0)["during"]["count"] == 1
    assert "| w2-u25 | 30.0 | 1 |" in jobs.table(tmp_path, ["w2-u25"], warmup=6.0)
    assert jobs.WARMUP_SECONDS == 20  # the table's default, which scripts/load.sh waits for
