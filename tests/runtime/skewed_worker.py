"""``conformance.quota_worker`` in a process whose wall clock is off by SKEW seconds.

    python -m tests.runtime.skewed_worker SKEW BASE_URL TOKEN_URL CLIENT_ID STORE TIER THREADS CALLS

Machines of a fleet disagree by tens of milliseconds (NTP) or more: this process's
``time.time`` runs SKEW seconds ahead (or behind), as another machine's would.
"""

from __future__ import annotations

import sys
import time

_real_time, _real_time_ns = time.time, time.time_ns


def main() -> None:
    """Skew the clock, then run the quota worker with the remaining arguments."""
    skew = float(sys.argv.pop(1))
    time.time = lambda: _real_time() + skew
    time.time_ns = lambda: _real_time_ns() + int(skew * 1e9)
    from conformance import quota_worker

    quota_worker.main()


if __name__ == "__main__":
    main()
