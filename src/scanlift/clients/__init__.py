"""Clients, reports and client assets."""
