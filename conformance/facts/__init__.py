"""GRDF's documented facts, below both the mock and the suite: each reads them from here.

The tables (``conformance/tables/``) and their one loader, GRDF's messages, the sandbox's
data sheet, the catalogue of planted bugs, and the French working-day rule TJDC's documents
state. The mock answers from them; the suite checks against them; neither reads them
through the other, so a mistake in one is caught by the other.
"""
