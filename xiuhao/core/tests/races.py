"""A helper for race tests: the same work started in several threads at the same instant."""

import threading

from django.db import connection


def at_once(work, threads, name_of=lambda exc: type(exc).__name__):
    """Run `work(i)` for i in range(threads), all released by one barrier, each on its own
    database connection (closed afterwards). Returns the sorted outcomes: "ok", or
    `name_of(exception)` for work that raised."""
    barrier = threading.Barrier(threads)
    outcomes = []

    def run(i):
        barrier.wait()
        try:
            work(i)
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - every outcome is reported to the test
            outcomes.append(name_of(exc))
        finally:
            connection.close()

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    return sorted(outcomes)
