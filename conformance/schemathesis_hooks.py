"""Our checks for the schemathesis CLI: ``conformance/schemathesis.toml`` loads this module.

Schemathesis does not look inside ``application/x-ndjson`` bodies; registering
:func:`~conformance.checks.ndjson_lines` makes the CLI check every line of a stream against
the operation's ``x-grdf-stream`` item (and trailer), as the suite's property tests do. The
suite itself passes the check explicitly and never imports this module (no global registry).
"""

from __future__ import annotations

import schemathesis

from conformance.checks import ndjson_lines

schemathesis.check(ndjson_lines)
