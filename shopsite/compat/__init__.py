"""The one place per library where Shopsite reaches past its public API.

Each module names the version it was written against; tests/shopsite/test_compat.py fails on any other
version and checks every internal used here still exists, so an upgrade breaks loudly here and nowhere else.
"""
