"""Alternative evaluators of the same compiled rulebook.

The native engine (:mod:`yibao_rules.engine`) is the fast default; :mod:`.durable` runs the
same conditions through the durable-rules Rete engine, to be compared with it. Importing this
package does not import durable-rules; importing :mod:`.durable` does.
"""
