"""grdfkit's command line: the one layer above the generator (``codegen``) and the suite.

``grdfkit generate|check|diff|validate|vendor`` drive the generator; ``grdfkit mock``,
``conformance`` and ``drift`` drive the mock and the conformance suite. Neither of those
imports this package.
"""
