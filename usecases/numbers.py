"""Numbers as people type them: a decimal comma or a decimal point, with or without grouping.

``12,5`` and ``12.5`` both mean twelve and a half; ``1,250.5`` and ``1.250,5`` both mean one
thousand two hundred fifty and a half. What could be read two ways (``1,250`` is 1250 to an
American and 1.25 to a Dutch reader) or is no number at all (``1e``, ``12,5,3``) is refused with a
message that names the field and shows the forms accepted: nothing is stored that the person did
not mean.

The browser's ``<input type=number>`` can't be used for this: it sends an empty string for what it
can't parse (so ``1e`` saved nothing without a word) and, depending on the browser's language,
drops a comma it doesn't expect (so ``12,5`` became 125). The field is a text input with the
decimal keyboard on phones.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms

ACCEPTED_FORMS = "12.5, 12,5, 1250.5, 1,250.5, 1.250,5 or 1 250,5"

# Group separators people type besides "," and ".": spaces, including the no-break and thin
# spaces that copying from documents brings.
_SPACES = re.compile("[ ']")
_PLAIN = re.compile(r"\d*(?:[.,]\d*)?", re.ASCII)
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９，．＋－　\u00a0\u202f\u2009", "0123456789,.+-    "
)
_GROUPED = r"[1-9]\d{{0,2}}(?:{sep}\d{{3}})+"


class AmbiguousNumber(ValueError):
    """The text reads as two different numbers, depending on the reader's convention."""

    def __init__(self, text: str, readings: tuple[str, str]):
        super().__init__(text)
        self.readings = readings


def parse_decimal(text: str) -> Decimal | None:
    """The number ``text`` means, or None for an empty text.

    Raises ValueError for anything that is not a number, and AmbiguousNumber (a ValueError) for a
    number that reads differently with a decimal comma and with a decimal point.
    """
    # Full-width digits and separators (typed with an East Asian keyboard) and the no-break and
    # thin spaces copied from documents become ASCII; anything
    # else that is not ASCII (other digits, superscripts: 10² is not 102) is refused below, since
    # the separators' rules are checked on ASCII digits only.
    text = (text or "").translate(_FULL_WIDTH).strip()
    if not text:
        return None
    sign = ""
    if text[0] in "+-\u2212":
        sign = "-" if text[0] != "+" else ""
        text = text[1:].strip()
    if not text.isascii():
        raise ValueError(text)
    if _SPACES.search(text):
        # Spaces only ever group thousands; the decimal separator is then "," or ".".
        integer, _, fraction = _split_last_separator(_SPACES.sub(" ", text))
        if not re.fullmatch(_GROUPED.format(sep=" "), integer) or not _digits(fraction, True):
            raise ValueError(text)
        return _decimal(sign, integer.replace(" ", ""), fraction)

    commas, points = text.count(","), text.count(".")
    if commas and points:
        # Both appear: the last one is the decimal separator, the other groups thousands.
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        integer, _, fraction = text.rpartition(decimal_sep)
        if text.count(decimal_sep) != 1 or not _digits(fraction):
            raise ValueError(text)
        if not re.fullmatch(_GROUPED.format(sep=re.escape(group_sep)), integer):
            raise ValueError(text)
        return _decimal(sign, integer.replace(group_sep, ""), fraction)

    separator = "," if commas else "." if points else ""
    count = commas or points
    if count > 1:
        # Only grouping repeats: 1,250,000 or 1.250.000.
        if not re.fullmatch(_GROUPED.format(sep=re.escape(separator)), text):
            raise ValueError(text)
        return _decimal(sign, text.replace(separator, ""), "")
    if not _PLAIN.fullmatch(text) or text in {"", ".", ","}:
        raise ValueError(text)
    if count == 1:
        integer, _, fraction = text.partition(separator)
        if re.fullmatch(r"[1-9]\d{0,2}", integer) and len(fraction) == 3:
            grouped = _decimal(sign, integer + fraction, "")
            decimal = _decimal(sign, integer, fraction)
            raise AmbiguousNumber(text, (plain_decimal(grouped), plain_decimal(decimal)))
        return _decimal(sign, integer or "0", fraction)
    return _decimal(sign, text, "")


def _split_last_separator(text: str) -> tuple[str, str, str]:
    for separator in (",", "."):
        if separator in text:
            integer, _, fraction = text.rpartition(separator)
            return integer, separator, fraction
    return text, "", ""


def _digits(text: str, empty_ok: bool = False) -> bool:
    return bool(re.fullmatch(r"\d*" if empty_ok else r"\d+", text))


def _decimal(sign: str, integer: str, fraction: str) -> Decimal:
    try:
        return Decimal(f"{sign}{integer or '0'}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the patterns above admit digits only
        raise ValueError(integer) from None


def unmistakable(value: Decimal) -> str:
    """The number written so that no reader can take it for another: 2.125 reads as 2125 to half
    the world, so it is written 2.1250."""
    text = plain_decimal(value)
    try:
        parse_decimal(text)
    except AmbiguousNumber:
        return f"{text}0"
    return text


def plain_decimal(value: Decimal) -> str:
    """A number as people write it, without exponent or trailing zeros: 95.0000 -> 95, 1.50 -> 1.5."""
    return f"{value.normalize():f}"


class LocalizedDecimalField(forms.DecimalField):
    """A DecimalField that reads both decimal conventions and refuses what it can't read for sure.

    The error summary names the field (“Baseline: …”); the message says what was typed and the
    forms accepted.
    """

    widget = forms.TextInput

    def widget_attrs(self, widget):
        # A text input with the decimal keyboard: the number input mangles commas and drops what
        # it can't parse.
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_decimal(str(value))
        except AmbiguousNumber as error:
            grouped, decimal = (unmistakable(Decimal(reading)) for reading in error.readings)
            raise forms.ValidationError(
                "“%(value)s” could be read as %(grouped)s or as %(decimal)s. "
                "Write it as %(grouped)s, or as %(decimal)s (or %(decimal_comma)s), "
                "so it can’t be misread.",
                code="ambiguous",
                params={
                    "value": str(value).strip(),
                    "grouped": grouped,
                    "decimal": decimal,
                    "decimal_comma": decimal.replace(".", ","),
                },
            ) from None
        except ValueError:
            raise forms.ValidationError(
                "“%(value)s” is not a number. Write it like %(forms)s.",
                code="invalid",
                params={
                    "value": str(value).strip()[:40],
                    "forms": ACCEPTED_FORMS,
                },
            ) from None

    def prepare_value(self, value):
        # Shown so that saving the form again reads back the same number.
        if isinstance(value, Decimal):
            return unmistakable(value)
        return value
