"""The users' pages while the analytics job runs, against the same run's pages outside it.

Issue 15 asks that the users' p95 while the job runs be no worse than 1.2x without it. Two runs,
one with the job and one without, differ in their tails by up to 2x with the same code (the p95
of 30-100 pages is the moment a few slow requests meet); so the comparison is made inside one
run: the read pages (``PAGE`` steps) that overlapped the job (from the first of its company runs'
start to the last one's end) against those that did not.

The first ``WARMUP_SECONDS`` of a run are left out of both: the users are still logging in
(PBKDF2, five new users a second) and each worker serves its first requests; the job is
triggered only after them (``scripts/load.sh``), else pages slowed by the start-up are counted
as slowed by the job (seen in session 10: 5-9 s pages in the first 6 s of a run whose job
started 5 s in).

``<run>.pages.json``: the steps ``tests/load/locustfile.py`` timed (start as a Unix time,
seconds, kind, name, failed); ``<run>.jobs.txt``: the job's runs (``id start end``, Unix times),
both written by ``scripts/load.sh``.
"""

import json

import numpy as np

# the start of a run left out of the comparison; scripts/load.sh triggers the job after it
WARMUP_SECONDS = 20


def job_window(jobs_text):
    """``(start, end)`` of the job: from its first run's start to its last run's end; None
    without a finished run."""
    spans = []
    for line in jobs_text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            spans.append((float(parts[1]), float(parts[2])))
    if not spans:
        return None
    return min(start for start, _end in spans), max(end for _start, end in spans)


def split_pages(pages, window, kind="PAGE", warmup=0.0):
    """The durations (seconds) of the ``kind`` steps that overlapped ``window`` and of the others;
    the steps begun in the run's first ``warmup`` seconds (from its first step) in neither."""
    start, end = window
    first = min((page[0] for page in pages), default=0.0)
    during, outside = [], []
    for began, seconds, step_kind, _name, _failed in pages:
        if step_kind != kind or began < first + warmup:
            continue
        (during if began < end and began + seconds > start else outside).append(seconds)
    return during, outside


def compare(pages, window, kind="PAGE", warmup=0.0):
    """Count, p50 and p95 (ms) of the steps during the job and outside it (the first ``warmup``
    seconds in neither), and the p95 ratio."""
    during, outside = split_pages(pages, window, kind, warmup)

    def figures(values):
        if not values:
            return {"count": 0, "p50": None, "p95": None}
        p50, p95 = np.percentile(np.asarray(values) * 1000, [50, 95])
        return {"count": len(values), "p50": float(p50), "p95": float(p95)}

    result = {"window": window[1] - window[0], "during": figures(during), "outside": figures(outside)}
    if result["during"]["p95"] is not None and result["outside"]["p95"]:
        result["ratio"] = result["during"]["p95"] / result["outside"]["p95"]
    else:
        result["ratio"] = None
    return result


def table(result_dir, runs, warmup=WARMUP_SECONDS):
    """A Markdown table, one line per run of ``runs`` (names like ``workers2-replica-u25``)
    with both files, the first ``warmup`` seconds of each left out; None when no run has them."""
    lines = []
    for run in runs:
        pages_path, jobs_path = result_dir / f"{run}.pages.json", result_dir / f"{run}.jobs.txt"
        if not pages_path.exists() or not jobs_path.exists():
            continue
        window = job_window(jobs_path.read_text())
        if window is None:
            continue
        row = compare(json.loads(pages_path.read_text()), window, warmup=warmup)
        during, outside = row["during"], row["outside"]

        def ms(value):
            return "-" if value is None else f"{value:.0f}"

        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
        cells = [
            run, f"{row['window']:.1f}", during["count"], ms(during["p50"]), ms(during["p95"]),
            outside["count"], ms(outside["p50"]), ms(outside["p95"]), ratio,
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    if not lines:
        return None
    head = (
        "| run | job s | pages during the job | p50 ms | p95 ms | pages outside it | p50 ms | p95 ms "
        "| p95 during / outside |\n|---|---|---|---|---|---|---|---|---|"
    )
    return "\n".join([head, *lines])
