"""Custom fields by type: ``values`` reads, checks and shows a value (every write path goes
through ``checked_custom_values``: the form, the services, a shell or an importer calling them);
``form_fields`` puts the fields on the use-case form; ``lists`` filters, sorts and shows them as
list columns. The definitions are ``usecases.models.CustomField``, edited on the administration
pages. Import the submodule you need: the model layer reads ``values`` alone."""
