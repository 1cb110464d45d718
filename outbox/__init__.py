"""Every e-mail the site sends, as a database row first (see models.py)."""
