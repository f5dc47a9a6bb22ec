"""Report findings, their affected assets and evidence; the import merger."""
