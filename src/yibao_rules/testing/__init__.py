"""A test kit for rulebooks: Hypothesis strategies, named invariants, YAML scenarios, a pytest plugin.

Needs the ``test`` extra (Hypothesis, pytest): ``pip install 'yibao-rules[test]'``.

* :mod:`.strategies` — ``facts_for(book, item)``, ``applicants(book)``, ``dates(book)``, ``rulebooks(path)``;
* :mod:`.invariants` — ``INVARIANTS`` and ``check_all(book)``;
* :mod:`.scenarios` — YAML scenario files for policy staff, run by ``yibao-rules test DIR``;
* :mod:`.plugin` — the pytest plugin: scenario files are collected, and ``--yibao-rulebook PATH`` adds
  every invariant as a test of that rulebook.
"""
