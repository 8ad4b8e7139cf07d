"""Domain operations of the assets app, one module per area: ``devices`` (register, sicil no,
status), ``custody`` (Taşınır Teslim Belgesi), ``stock`` (warehouses, Varlık İşlem Fişi),
``disposal``, ``counts``, ``contracts`` (contracts, licences, certificates, reminders),
``imports``. Every operation runs in a transaction, checks the user's right and the state, and is
recorded in the audit trail. Views, forms, the API and the importers call these, never the models'
save() for a state change."""
