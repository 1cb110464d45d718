"""Reminders: e-mails that make sure no deadline slips, each sent exactly once.

The mechanism lives here; the kinds of reminder live in the app that owns
their objects (scholarships/reminders.py, ...). See README.md in this folder.
"""
