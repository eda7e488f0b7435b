"""Tiny ``polykeras compare`` targets for tests/test_compare.py (seconds on every backend)."""
