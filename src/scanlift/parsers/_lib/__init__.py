"""Helpers shared by the parsers: safe XML, JSON events, CSV, ids, text, severity scales."""
