"""scanlift: import security-scanner output into pentest reports."""

__version__ = "0.1.0"
