"""Oversight rules: the versioned rule pack (data), retirement ages, and pure checks."""
