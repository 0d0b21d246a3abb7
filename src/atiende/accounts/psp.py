"""A fake card processor for the built-in provider's "update card" page.

A real processor takes the card number in its own form and hands back a token; this one does the
same inside atiende so the flow can be run end to end: `tokenise()` checks the number (Luhn,
brand by its first digits, expiry), keeps only brand, last four digits and expiry under a random
single-use token, and forgets the number. Nothing here logs or stores a card number.
"""

from __future__ import annotations

import secrets

from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.accounts.models import PspToken
from atiende.core.errors import ActionError, Conflict


def luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "Mastercard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    return "Card"


def tokenise(number: str, exp_month: int, exp_year: int, cvc: str) -> str:
    """A single-use token standing for the card; the number is not kept."""
    digits = "".join(char for char in number if char.isdigit())
    if not 12 <= len(digits) <= 19 or not luhn_ok(digits):
        raise ActionError(_("That card number is not valid."))
    cvc = cvc.strip()
    if not cvc.isdigit() or len(cvc) not in {3, 4}:
        raise ActionError(_("That security code is not valid."))
    if exp_year < 100:
        exp_year += 2000
    now = timezone.now()
    if not 1 <= exp_month <= 12 or (exp_year, exp_month) < (now.year, now.month):
        raise ActionError(_("That card has expired."))
    if exp_year > now.year + 25:
        raise ActionError(_("That expiry date is not valid."))
    token = "tok_" + secrets.token_urlsafe(24)
    PspToken.objects.create(
        token=token,
        brand=brand_of(digits),
        last4=digits[-4:],
        exp_month=exp_month,
        exp_year=exp_year,
    )
    return token


def redeem(token: str) -> PspToken:
    """Use a token once (a conditional UPDATE: a replayed token is refused)."""
    if PspToken.objects.filter(token=token, used=False).update(used=True) != 1:
        raise Conflict(_("That card token is unknown or was already used."))
    return PspToken.objects.get(token=token)
