"""Order numbers, e-mail addresses and phone numbers as customers type them.

Customers type these half- or full-width, in any case, with whatever dash their input
method produces. This module holds the one set of patterns that finds them in raw text
(used by the tokenizer to keep them whole, and mirrored in ``data/nlu/regex.yml`` for
Rasa's regex extractor) and the functions that turn a typed value into its canonical form.
"""

from __future__ import annotations

import re
import unicodedata

# Every dash an IME or keyboard produces, including the long-vowel mark that Japanese
# IMEs insert for "-" in kana mode.
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\ufe63\u30fc\uff70"
_DASH_CLASS = "[" + re.escape(DASHES) + "]"
_DASH_TO_HYPHEN = {ord(c): "-" for c in DASHES}

_LATIN = "A-Za-z\uff21-\uff3a\uff41-\uff5a"
_DIGIT = "0-9\uff10-\uff19"

# The patterns work on the raw text so that match offsets are offsets into what the
# customer typed; they accept both widths instead of normalising first.
ORDER_ID_PATTERN = (
    rf"(?<![{_LATIN}{_DIGIT}@\uff20.\uff0e_])[{_LATIN}]{{1,3}}{_DASH_CLASS}?[{_DIGIT}]{{4,10}}"
    rf"(?![{_DIGIT}@\uff20.\uff0e])"
    rf"|[#\uff03][{_DIGIT}]{{4,10}}(?![{_DIGIT}])"
    # Shopify-style bare numbers only count right after the word 番号 (注文番号1001).
    rf"|(?:(?<=番号)|(?<=番号は)|(?<=番号:)|(?<=番号：)|(?<=番号が))[{_DIGIT}]{{4,10}}(?![{_DIGIT}])"
)
_EMAIL_LOCAL = rf"{_LATIN}{_DIGIT}._%+\-\uff0e\uff3f\uff0d"
_EMAIL_LABEL = rf"{_LATIN}{_DIGIT}\-\uff0d"
EMAIL_PATTERN = (
    # A match starts only where a run of address characters starts: without the
    # lookbehind a long run without "@" is rescanned from each of its positions, which
    # takes quadratic time (16,000 characters: 1.6 s; 100,000: a minute).
    rf"(?<![{_EMAIL_LOCAL}])[{_EMAIL_LOCAL}]+[@\uff20]"
    rf"[{_EMAIL_LABEL}]+(?:[.\uff0e][{_EMAIL_LABEL}]+)*[.\uff0e][{_LATIN}]{{2,}}"
)
PHONE_PATTERN = (
    # 10-11 digits without separators, or three groups ending in four digits with them.
    rf"(?<![{_LATIN}{_DIGIT}{re.escape(DASHES)}])[0\uff10]"
    rf"(?:[{_DIGIT}]{{9,10}}|[{_DIGIT}]{{1,4}}{_DASH_CLASS}[{_DIGIT}]{{1,4}}{_DASH_CLASS}[{_DIGIT}]{{4}})"
    rf"(?![{_DIGIT}])"
)
URL_PATTERN = r"https?://[\x21-\x7e]+"

ORDER_ID_RE = re.compile(ORDER_ID_PATTERN)
EMAIL_RE = re.compile(EMAIL_PATTERN)
PHONE_RE = re.compile(PHONE_PATTERN)
URL_RE = re.compile(URL_PATTERN)

# Entity name -> compiled pattern, in the order in which overlapping matches win.
ENTITY_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": EMAIL_RE,
    "phone": PHONE_RE,
    "order_id": ORDER_ID_RE,
}

_CANONICAL_ORDER_RE = re.compile(r"([A-Z]{0,3})-?(\d{4,10})")


def normalize_width(text: str) -> str:
    """NFKC (full-width to half-width) and every dash to ``-``."""
    return unicodedata.normalize("NFKC", text).translate(_DASH_TO_HYPHEN)


def canonical_order_id(typed: str) -> str | None:
    """The canonical form of a typed order number, or None if it is not one.

    ``ａ－１００２３４``, ``a100234``, ``A ー 100234`` and ``A-100234`` all become
    ``A-100234``; ``#1001``, ``＃1001`` and ``1001`` become ``1001``.
    """
    text = re.sub(r"[\s#]", "", normalize_width(typed)).upper()
    match = _CANONICAL_ORDER_RE.fullmatch(text)
    if not match:
        return None
    letters, digits = match.groups()
    return f"{letters}-{digits}" if letters else digits


def canonical_email(typed: str) -> str | None:
    """Half-width, lower-case e-mail address, or None if it does not look like one."""
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", typed)).lower()
    return text if re.fullmatch(r"[^@]+@[^@]+\.[a-z]{2,}", text) else None


def canonical_phone(typed: str) -> str | None:
    """Digits only (``090-1234-5678`` -> ``09012345678``), or None if not a JP number."""
    digits = re.sub(r"\D", "", normalize_width(typed))
    if digits.startswith("81") and len(digits) in (11, 12):  # +81 90-... international form
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0\d{9,10}", digits) else None


def canonical_tracking_number(typed: str) -> str:
    """Letters and digits only, half-width: what carriers index and their links expect."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", typed) if ch.isalnum())


CANONICALIZERS = {
    "order_id": canonical_order_id,
    "email": canonical_email,
    "phone": canonical_phone,
}


def canonical_value(entity: str, typed: str) -> str | None:
    """Canonical form of a typed entity value; None when it is not valid for the entity."""
    canonicalize = CANONICALIZERS.get(entity)
    return canonicalize(typed) if canonicalize else typed


def find_identifiers(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, kind)`` spans of e-mails, URLs, phones and order ids.

    Longer and earlier matches win, e-mail before phone before order number, so that
    ``taro2024@example.jp`` is one e-mail and not an order number inside it.
    """
    candidates: list[tuple[int, int, str]] = []
    for kind, pattern in (("url", URL_RE), *ENTITY_PATTERNS.items()):
        candidates.extend((m.start(), m.end(), kind) for m in pattern.finditer(text))
    candidates.sort(key=lambda span: (span[0], -(span[1] - span[0])))
    spans: list[tuple[int, int, str]] = []
    end_of_last = 0
    for start, end, kind in candidates:
        if start >= end_of_last:
            spans.append((start, end, kind))
            end_of_last = end
    return spans
