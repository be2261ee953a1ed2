"""grdfkit's code generator: specs and manifest in, typed client packages out."""
