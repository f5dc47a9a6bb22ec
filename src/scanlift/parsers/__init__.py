"""Scanner-format parsers: bytes in, ScanAsset/ScanFinding records out. No database, no settings."""
