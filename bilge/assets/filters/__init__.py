"""Filters of the assets app, one module per area (devices, custody, stock, disposal, counts, contracts, software, imports, reports)."""
