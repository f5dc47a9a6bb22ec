"""Severity normalisation shared by every parser: no parser keeps its own mapping function."""

from __future__ import annotations

from collections.abc import Mapping

from scanlift.parsers.base import Severity

_LABELS: Mapping[str, Severity] = {
    "info": Severity.INFORMATIONAL,
    "informational": Severity.INFORMATIONAL,
    "information": Severity.INFORMATIONAL,
    "none": Severity.INFORMATIONAL,
    "log": Severity.INFORMATIONAL,
    "note": Severity.INFORMATIONAL,
    "best practice": Severity.INFORMATIONAL,
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "med": Severity.MEDIUM,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "critical": Severity.CRITICAL,
    "urgent": Severity.CRITICAL,
}

#: Nessus/Tenable ``severity`` attribute and many other 0-4 scales.
ZERO_TO_FOUR: Mapping[str, Severity] = {
    "0": Severity.INFORMATIONAL,
    "1": Severity.LOW,
    "2": Severity.MEDIUM,
    "3": Severity.HIGH,
    "4": Severity.CRITICAL,
}


#: Qualys (PlexTrac's published table) and Veracode: 0 and 1 Informational, then up to 5 Critical.
ZERO_TO_FIVE: Mapping[str, Severity] = {
    "0": Severity.INFORMATIONAL,
    "1": Severity.INFORMATIONAL,
    "2": Severity.LOW,
    "3": Severity.MEDIUM,
    "4": Severity.HIGH,
    "5": Severity.CRITICAL,
}

#: OWASP ZAP ``riskcode``: 0 Informational, 1 Low, 2 Medium, 3 High (ZAP has no Critical).
ZAP_RISKCODES: Mapping[str, Severity] = {
    "0": Severity.INFORMATIONAL,
    "1": Severity.LOW,
    "2": Severity.MEDIUM,
    "3": Severity.HIGH,
}


def from_label(text: str | None, default: Severity | None = None) -> Severity | None:
    """Map a vendor's textual level ("High", "info", "Moderate") to PlexTrac's scale."""
    if text is None:
        return default
    return _LABELS.get(text.strip().lower(), default)


def from_scale(value: str | None, scale: Mapping[str, Severity]) -> Severity | None:
    if value is None:
        return None
    return scale.get(value.strip())


def from_cvss(score: str | float | None) -> Severity | None:
    """CVSS v3/v4 qualitative rating of a base score; None when the score is missing or invalid."""
    if score is None or score == "":
        return None
    try:
        value = float(score)
    except ValueError:
        return None
    if not 0.0 <= value <= 10.0:
        return None
    if value >= 9.0:
        return Severity.CRITICAL
    if value >= 7.0:
        return Severity.HIGH
    if value >= 4.0:
        return Severity.MEDIUM
    if value > 0.0:
        return Severity.LOW
    return Severity.INFORMATIONAL
