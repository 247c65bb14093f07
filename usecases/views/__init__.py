"""The use-case views, by page family: the use case pages (``usecases``), its workflow actions
(``actions``), its measurements, each person's own pages (``personal``) and the dashboard.
``usecases/urls.py`` names each module; the parts of the use case page they share are in
``detail``."""
