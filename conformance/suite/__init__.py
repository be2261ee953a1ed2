"""The conformance suite: table-driven return codes, property, stateful and quota tests."""
