"""The kinds of finding ``grdfkit drift`` reports: a table with no imports, for the CLI too.

The command line names them in ``--allow``'s help without loading the drift checker.
"""

from __future__ import annotations

#: Every kind of finding, and what it means (the report's legend).
KINDS: dict[str, str] = {
    "unknown_operation": "no operation of our specs has this method and path",
    "status": "a status the operation does not document",
    "content_type": "a media type the operation does not document for this status",
    "schema": "the body breaks the documented schema",
    "ndjson_lines": "a stream line that is not one JSON object, or breaks its item schema",
    "undocumented_field": "a field our spec does not have",
    "unknown_code": "a GRDF code our return-code tables do not have",
    "other_message": "another text than the documented one for this code",
    "code_status": "a documented code answered with another HTTP status",
    "row": "the answer differs from the table row that sent it",
    "soap": "not a SOAP answer the XSD accepts (or a Fault)",
    "soap_code": "a TypeRetourDialogue / CodeRetour pair GRDF does not document",
    "quirk": "a known BAS quirk (review it, then --allow quirk)",
    "cut_short": "the recording ends before the answer did",
}
