"""The demo: a believable organisation with 60 use cases brought to their states through the
workflow services (``demo.organisation.seed_demo``, ``manage.py seed_demo``), generated use cases
on top of it for scale work (``demo.bulk``), and invented weeks for the dashboard's trend charts
(``demo.snapshots``). Development only; the registry itself never imports this app.

Empty on purpose: the modules import models, which an app package must not do at import time.
"""
