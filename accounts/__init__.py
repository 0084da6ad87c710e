"""Accounts infrastructure: staff accounts, sign-in and its throttling, sessions, API keys.

``customers/`` proper is customer management (records, email guards, pages,
the JSON API); this package is what lets people and programs sign in.
"""
