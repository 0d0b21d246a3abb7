"""Money as integers: an amount in the currency's minor units and an ISO 4217 code.

Nothing here uses floats. Amounts of different currencies are never added or compared: that is
an `ActionError`, not a silent conversion.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from atiende.core.errors import ActionError

# Minor-unit exponents of the currencies atiende formats; others are refused.
EXPONENTS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "MXN": 2,
    "ARS": 2,
    "COP": 0,
    "CLP": 0,
    "BRL": 2,
    "CHF": 2,
    "JPY": 0,
}
# Amounts larger than this are refused (far above any real subscription charge).
MAX_AMOUNT = 10**12
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in EXPONENTS:
        raise ActionError(_("Unknown currency: %(code)s.") % {"code": code[:10]})
    return code


def check_amount(amount: int, *, allow_zero: bool = False) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ActionError(_("The amount must be a whole number of minor units (cents)."))
    if amount < 0:
        raise ActionError(_("The amount cannot be negative."))
    if amount == 0 and not allow_zero:
        raise ActionError(_("The amount must be more than zero."))
    if amount > MAX_AMOUNT:
        raise ActionError(_("The amount is too large."))
    return amount


def same_currency(expected: str, given: str) -> None:
    if check_currency(given) != check_currency(expected):
        raise ActionError(
            _("The currency %(given)s does not match the account's currency %(expected)s.")
            % {"given": given.upper()[:10], "expected": expected}
        )


def format_money(amount: int, currency: str, language: str = "en") -> str:
    """`1299, "EUR"` → `€12.99` (English) or `12,99 €` (Spanish)."""
    exponent = EXPONENTS.get(currency, 2)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**exponent) if exponent else (abs(amount), 0)
    grouped = f"{whole:,}"
    decimal = "."
    if language.startswith("es"):
        grouped, decimal = grouped.replace(",", "."), ","
    number = f"{grouped}{decimal}{fraction:0{exponent}d}" if exponent else grouped
    symbol = SYMBOLS.get(currency)
    if language.startswith("es"):
        return f"{sign}{number} {symbol or currency}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def format_asset(amount: int, decimals: int, asset: str) -> str:
    """Base units of a crypto asset, shown exactly: `150000, 8, "BTC"` → `0.0015 BTC`."""
    whole, fraction = divmod(amount, 10**decimals) if decimals else (amount, 0)
    digits = f"{fraction:0{decimals}d}".rstrip("0") if decimals else ""
    return f"{whole}.{digits} {asset}" if digits else f"{whole} {asset}"


def parse_amount(text: str, currency: str) -> int:
    """What an agent types, in the currency's units, → minor units: `"10"` → 1000,
    `"12.5"` / `"12,50"` / `"€12,50"` → 1250, `"1,234.50"` / `"1.234,50"` → 123450 (USD, EUR);
    `"500"` or `"1.000"` → 500, 1000 for JPY. One separator followed by three digits (`"1,234"`)
    is refused for a currency with cents: thousands in English, decimals in Spanish. Raises
    `ValueError` with a message for the agent."""
    exponent = EXPONENTS.get(currency, 2)
    cleaned = text.strip()
    for mark in (currency, SYMBOLS.get(currency, ""), " ", "\u00a0"):
        if mark:
            cleaned = cleaned.replace(mark, "")
    if not cleaned or any(char not in "0123456789.," for char in cleaned):
        raise ValueError(_("Write an amount such as 12.50."))
    marks = [index for index, char in enumerate(cleaned) if char in ".,"]
    whole, fraction = cleaned, ""
    if marks:
        last = marks[-1]
        tail = cleaned[last + 1 :]
        grouping = marks
        if cleaned[last] not in cleaned[:last] and (len(marks) > 1 or len(tail) != 3):
            whole, fraction, grouping = cleaned[:last], tail, marks[:-1]
        elif len(marks) == 1 and exponent:
            raise ValueError(
                _(
                    "Is %(text)s a thousand or a decimal amount? Write it without a thousands "
                    "separator, e.g. 1234.50."
                )
                % {"text": text.strip()}
            )
        groups = re.split(r"[.,]", whole)
        if len({cleaned[index] for index in grouping}) > 1 or any(
            len(group) != 3 for group in groups[1:]
        ):
            raise ValueError(_("Write an amount such as 12.50."))
        whole = "".join(groups)
    if not (whole or fraction) or not (whole or "0").isdigit() or not (fraction or "0").isdigit():
        raise ValueError(_("Write an amount such as 12.50."))
    if len(fraction) > exponent:
        raise ValueError(
            _("%(currency)s amounts have at most %(digits)s decimals.")
            % {"currency": currency, "digits": exponent}
            if exponent
            else _("%(currency)s amounts have no decimals.") % {"currency": currency}
        )
    scale: int = 10**exponent
    return int(whole or "0") * scale + int(fraction.ljust(exponent, "0") or "0")
