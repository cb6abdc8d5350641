"""The analytics queue's runs in the background: the thread running them gives way to the users'
requests for the server's processors.

Odoo's cron workers of a server with workers (prefork) run at nice 10 already (``WorkerCron``);
a threaded server (``workers = 0``) runs its crons in threads at the requests' priority. Linux
keeps a nice value per thread (``setpriority(PRIO_PROCESS, <thread id>)``), so raising it for the
thread that runs the cron leaves the other threads of a threaded server as they were.

The numeric libraries (BLAS, OpenMP: numpy, scipy, scikit-learn) compute in pools of threads they
started at import, at the priority of that moment: while the run computes, they are limited to
one thread, so that their work runs in the calling thread, at its priority. That limit is the
process's (threadpoolctl sets the libraries' own settings): in a threaded server the requests'
numeric work runs on one thread too while a run computes.
"""

import contextlib
import logging
import os
import threading

from threadpoolctl import threadpool_limits

_logger = logging.getLogger(__name__)

# the Unix range of nice values
MAX_NICE = 19
# the runs' nice value when the setting says nothing usable
DEFAULT_NICE = 10


def nice_of(setting):
    """The nice value the setting *Background Priority* (its text; False or None when not set, as
    ``get_param`` gives it) asks for: a whole number from 0 to 19; ``DEFAULT_NICE`` when unset or
    not a number."""
    if setting is None or setting is False:
        return DEFAULT_NICE
    try:
        return max(0, min(MAX_NICE, int(setting)))
    except (TypeError, ValueError):
        return DEFAULT_NICE


@contextlib.contextmanager
def background(nice):
    """Runs the block with the calling thread's nice value at least ``nice`` (0-19; 0: as it is)
    and the numeric libraries on one thread. Afterwards the thread's nice value is put back where
    the process may lower it again (root, or ``RLIMIT_NICE``); elsewhere it keeps the higher value,
    which only makes later background work of the same thread yield too (logged). Yields the nice
    value the block ran at."""
    nice = max(0, min(MAX_NICE, int(nice or 0)))
    if not nice:
        yield None
        return
    thread = threading.get_native_id()
    before = None
    try:
        before = os.getpriority(os.PRIO_PROCESS, thread)
        if nice > before:
            os.setpriority(os.PRIO_PROCESS, thread, nice)
    except (AttributeError, OSError) as error:  # not Linux, or not allowed: run as we are
        _logger.info("Analytics: the run keeps its priority (%s)", error)
    try:
        with threadpool_limits(limits=1):
            yield os.getpriority(os.PRIO_PROCESS, thread) if before is not None else None
    finally:
        if before is not None and nice > before:
            try:
                os.setpriority(os.PRIO_PROCESS, thread, before)
            except OSError:
                _logger.info(
                    "Analytics: this server thread stays at nice %s after the run (the process may not "
                    "lower its nice value again); later cron jobs of this thread yield to requests too",
                    nice,
                )
