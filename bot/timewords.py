"""Times, days and zones as people write them: `9am`, `9:30 pm`, `17h`, `mondays`, `Berlin`, `new york`.

Pure and shared: the command parser, the digest form and personal messages read the same words.
"""

from __future__ import annotations

import functools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def weekday_of(word: str) -> int | None:
    word = word.rstrip("s") if len(word) > 3 and word.endswith("days") else word  # "mondays"
    matches = [n for n, d in enumerate(DAYS) if len(word) >= 3 and d.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def weekday_anywhere(words: list[str]) -> int | None:
    return next((d for d in map(weekday_of, words) if d is not None), None)


_CLOCK = re.compile(r"^([0-9]{1,2})(?:[:.h]([0-9]{2}))?(h|am|pm|a\.m\.|p\.m\.)?$")


def parse_time(words: list[str], *, bare_hour: bool) -> tuple[str, int] | None:
    """("HH:MM", words used) for `9am`, `9 am`, `9:30 pm`, `17h`, `17h30`, `17:00`, `noon`; else None.

    A bare hour (`9`) counts only after `at` (`bare_hour`), so a lone number is not taken for a time.

    >>> parse_time(["9:30", "pm"], bare_hour=False)
    ('21:30', 2)
    """
    if not words:
        return None
    first = words[0].casefold()
    if first in ("noon", "midday"):
        return "12:00", 1
    if first == "midnight":
        return "00:00", 1
    match = _CLOCK.match(first)
    used = 1
    if match is not None and match.group(3) is None and len(words) > 1:
        suffix = words[1].casefold()
        if suffix in ("am", "pm", "a.m.", "p.m."):
            match, used = _CLOCK.match(first + suffix), 2
    if match is None:
        return None
    hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").replace(".", "")
    has_minutes = match.group(2) is not None
    if not (suffix or has_minutes or bare_hour):
        return None
    if minute > 59:
        return None
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif hour > 23:
        return None
    return f"{hour:02d}:{minute:02d}", used


_ZONE_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
_CITY_ALIASES = {
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "nyc": "America/New_York",
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "geneva": "Europe/Zurich",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "gmt": "UTC",
    "z": "UTC",
}
"""Cities people name that are not the city of an IANA zone."""


def find_timezone(text: str) -> str | None:
    """The IANA zone meant by an IANA name in any case, `UTC`, or a city (`Berlin`, `new york`); else None.

    >>> find_timezone("new york"), find_timezone("europe/berlin"), find_timezone("Mars")
    ('America/New_York', 'Europe/Berlin', None)
    """
    wanted = " ".join(text.replace("_", " ").split()).casefold()
    if not wanted:
        return None
    if wanted == "utc":
        return "UTC"
    exact = _zones_by_name().get(wanted.replace(" ", "_"))
    return exact or _CITY_ALIASES.get(wanted) or _zones_by_city().get(wanted)


def canonical_timezone(name: str) -> str | None:
    """The IANA zone `name` means, in any letter case (`america/new_york` is `America/New_York`), or None."""
    if name.casefold() == "utc":
        return "UTC"
    return _zones_by_name().get(name.casefold())


def zone_at(original: list[str], index: int) -> tuple[str | None, int]:
    """The zone named by the longest run of up to three words starting at `index` (`new york`), and its length."""
    for length in (3, 2, 1):
        if index + length <= len(original):
            zone = find_timezone(" ".join(original[index : index + length]))
            if zone is not None:
                return zone, length
    return None, 0


@functools.cache
def _zones() -> list[str]:
    zones = []
    for zone in sorted(available_timezones()):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        zones.append(zone)
    return zones


@functools.cache
def _zones_by_name() -> dict[str, str]:
    return {zone.casefold(): zone for zone in _zones()}


@functools.cache
def _zones_by_city() -> dict[str, str]:
    """`berlin` -> `Europe/Berlin`; for a city in two zones, the shorter name (`America/Louisville`)."""
    cities: dict[str, str] = {}
    for zone in sorted(_zones(), key=lambda z: (z.count("/"), z)):
        if zone.split("/", 1)[0] in _ZONE_REGIONS and "/" in zone:
            cities.setdefault(zone.rsplit("/", 1)[-1].replace("_", " ").casefold(), zone)
    return cities


# -- durations and days, for time logged after the fact (`log`, the Log time form) ----------------

MAX_LOG_SECONDS = 24 * 3600
"""The longest entry `log` makes: a day. Longer is surely a typo (`130h` for `1h30`)."""

_DURATION_HM = re.compile(r"^(?:(\d{1,3})h)?(?:(\d{1,4})(?:m|min|mins)?)?$")
_DURATION_DECIMAL = re.compile(r"^(\d{1,3}(?:[.,]\d{1,3})?)(h|hr|hrs|hours?|m|min|mins|minutes?)$")
_DURATION_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)$")


def parse_duration(word: str) -> int | None:
    """Seconds for `1h30`, `1h30m`, `90m`, `1.5h`, `2h`, `45min`, `1:30`; None for anything else.

    A leading `-` gives a negative number (for the caller to refuse with a reason, not to misread).

    >>> [parse_duration(w) for w in ("1h30", "90m", "1.5h", "1:30", "2h", "soon")]
    [5400, 5400, 5400, 5400, 7200, None]
    """
    text = word.strip().casefold()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("-+")
    if not text or not text[0].isdigit():
        return None
    clock = _DURATION_CLOCK.match(text)
    if clock:
        return sign * (int(clock.group(1)) * 3600 + int(clock.group(2)) * 60)
    decimal = _DURATION_DECIMAL.match(text)
    if decimal:
        amount = float(decimal.group(1).replace(",", "."))
        unit = 3600 if decimal.group(2).startswith("h") else 60
        return sign * round(amount * unit)
    hm = _DURATION_HM.match(text)
    if hm and hm.group(1) is not None:  # `1h30`, `1h30m`, `2h`
        return sign * (int(hm.group(1)) * 3600 + int(hm.group(2) or 0) * 60)
    if hm and hm.group(2) is not None and text != hm.group(2):  # `90m`, `90min`: a bare number is no duration
        return sign * int(hm.group(2)) * 60
    return None


DAY_WORDS = ("today", "yesterday")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_day_word(word: str) -> bool:
    """`today`, `yesterday` or a `YYYY-MM-DD` (checked as a real date by `day_of`)."""
    return word.casefold() in DAY_WORDS or bool(_ISO_DAY.match(word))
