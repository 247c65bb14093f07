"""Choosing a person, team, product or goal among thousands: ``kinds`` (what each is searched by,
how a typed name is read, which rows each chooser offers) and ``widgets`` (the bounded select and
tick boxes with their search box, and the form fields that read what was typed). The searches
themselves are ``usecases.views.choosers``."""
