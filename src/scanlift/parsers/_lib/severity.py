"""Severity normalisation shared by every parser: no parser keeps its own mapping function."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

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

#: OpenVAS / Greenbone ``threat`` words that are not common labels (lower case; "Log" is one):
#: Debug results are Informational. Every other threat reads as a label (``from_label``).
OPENVAS_THREATS: Mapping[str, Severity] = {
    "debug": Severity.INFORMATIONAL,
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


#: CVSS v3/v4 qualitative ratings: the lowest score of each band.
CVSS_BANDS: Sequence[tuple[float, Severity]] = (
    (9.0, Severity.CRITICAL),
    (7.0, Severity.HIGH),
    (4.0, Severity.MEDIUM),
    (math.ulp(0.0), Severity.LOW),  # any score above zero
    (0.0, Severity.INFORMATIONAL),
)


def from_bands(
    score: str | float | None, bands: Sequence[tuple[float, Severity]], *, top: float = 10.0
) -> Severity | None:
    """The severity of the first band whose lower bound ``score`` reaches (bands run from the top
    down); None when the score is missing, not a number, or outside 0..``top``."""
    if score is None or score == "":
        return None
    try:
        value = float(score)
    except ValueError:
        return None
    if not 0.0 <= value <= top:
        return None
    for lowest, severity in bands:
        if value >= lowest:
            return severity
    return None


def from_cvss(score: str | float | None) -> Severity | None:
    """CVSS v3/v4 qualitative rating of a base score; None when the score is missing or invalid."""
    return from_bands(score, CVSS_BANDS)


#: PlexTrac's own names (CSV template, PTRAC), matched exactly, case aside.
PLEXTRAC_NAMES: Mapping[str, Severity] = {level.value.lower(): level for level in Severity}

#: PlexTrac's numeric ``sev`` in PTRAC files: 0 is Critical, down to 4 Informational.
PLEXTRAC_SEV_INDEX: Mapping[str, Severity] = {
    "0": Severity.CRITICAL,
    "1": Severity.HIGH,
    "2": Severity.MEDIUM,
    "3": Severity.LOW,
    "4": Severity.INFORMATIONAL,
}

#: Pentera's 0-10 score in Pentera's own buckets (0 Informational, then steps of 2.5).
PENTERA_BANDS: Sequence[tuple[float, Severity]] = (
    (7.5, Severity.CRITICAL),
    (5.0, Severity.HIGH),
    (2.5, Severity.MEDIUM),
    (math.ulp(0.0), Severity.LOW),
    (0.0, Severity.INFORMATIONAL),
)

#: Veracode ``severity_desc`` words that are not common labels (as written, case and all);
#: every other word reads as a label (``from_label``).
VERACODE_SEVERITY_DESC: Mapping[str, Severity] = {
    "Very High": Severity.CRITICAL,
    "Very Low": Severity.INFORMATIONAL,
}
