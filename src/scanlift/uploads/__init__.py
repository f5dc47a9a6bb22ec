"""Presigned upload URLs and object storage."""
