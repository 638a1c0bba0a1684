"""The coding terminal UI: review suggestions, code by hand, reconcile two coders.

The logic (excerpt navigation, resizing, fuzzy theme search, reconciliation units) lives in plain
modules here (:mod:`.session`, :mod:`.fuzzy`, :mod:`.reconcile`, :mod:`.keys`) so it can be tested
without a terminal; the Textual app in :mod:`.app` only wires screens and widgets to them. Nothing
in this package imports Textual at module level except the app, screens and widgets, which the
CLI imports inside the ``code`` command.
"""
