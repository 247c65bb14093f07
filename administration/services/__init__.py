"""Every administration write: teams and memberships (``teams``), people (``people``), products
(``products``), goals (``goals``), and a person leaving (``deactivation``). What they share -- the
event row, the edit fingerprint, the slugs -- is in ``editing``.

Shape of each: ``transaction.atomic()`` -> lock the row -> guard -> write -> an ``AdminEvent`` in
the same transaction (the admin history page) -> e-mail only after commit. pghistory triggers
record the row changes as well; the event says who did what, in the registry's words.
Permission to ask is the view's business (``permissions.is_admin``).
"""
