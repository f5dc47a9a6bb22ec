"""Tenants, users, PlexTrac-style JWT login."""
