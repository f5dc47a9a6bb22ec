"""Object keys: ``<random id>/<safe file name>``, never able to leave the store's namespace."""

from __future__ import annotations

import re
import secrets
import unicodedata

_KEY_RE = re.compile(r"^[a-z0-9]{24}/[A-Za-z0-9][A-Za-z0-9._ ()+,=@-]{0,199}$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._ ()+,=@-]+")
#: A key's file name starts with a letter or digit (``_KEY_RE``).
_LEADING_NON_ALNUM = re.compile(r"^[^A-Za-z0-9]+")


def safe_file_name(name: str) -> str:
    """The last path component of ``name`` with control and special characters replaced."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Decompose accents (é -> e + mark) and drop the marks and any control characters.
    base = "".join(ch for ch in unicodedata.normalize("NFKD", base) if unicodedata.category(ch)[0] not in "CM")
    base = _UNSAFE_CHARS.sub("_", base).strip(" .")
    base = _LEADING_NON_ALNUM.sub("", base)
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 20 else base[:200]
    return base or "upload"


def new_key(file_name: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    token = "".join(secrets.choice(alphabet) for _ in range(24))
    return f"{token}/{safe_file_name(file_name)}"


def is_valid_key(key: str) -> bool:
    return bool(_KEY_RE.fullmatch(key)) and ".." not in key.split("/")
