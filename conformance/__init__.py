"""grdfkit's conformance suite and local mock of the GRDF APIs."""
