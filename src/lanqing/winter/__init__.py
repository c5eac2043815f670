"""Heavy-pollution weather (冬防): the emission-reduction lists of each heating season and the warnings issued
under them, with the notices every listed enterprise acknowledges."""
