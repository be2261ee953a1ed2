# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""grdfkit's client runtime, copied into every generated package as ``_runtime``.

Hand-written and unit-tested here; the generator places it verbatim into each package, so
modules use relative imports only and depend on nothing from ``codegen``.
"""
