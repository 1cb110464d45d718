"""Accounts have no model of their own: Django's User, with its roles as
groups (accounts.roles). Who holds which role decides who sees whom, so every
change of a user's groups, permissions and flags is kept, with who made it."""

from django.contrib.auth import get_user_model
from simple_history import register

# The password hash and the login time are not history: the first is a secret,
# the second changes at every login.
register(get_user_model(), app="accounts", m2m_fields=["groups", "user_permissions"],
         excluded_fields=["password", "last_login"])
