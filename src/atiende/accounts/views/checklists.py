"""Guided diagnostic checklists, one per problem type, shown in the account panel.

The agent reads the steps in their language; "insert into reply" puts them into the reply box in
the customer's language (the button carries that text in `data-insert-reply`). No step ever asks
the customer for a password, a recovery (seed) phrase, a private key or a 2FA code: a test reads
every step in every language to keep it so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Checklist:
    code: str
    title: Promise
    intro: Promise
    steps: tuple[Promise, ...]
    # What the agent checks in the account (not sent to the customer).
    agent_checks: tuple[Promise, ...]


SAFETY_LINE = _(
    "We will never ask for your password, recovery phrase, private keys or verification codes."
)

CHECKLISTS: tuple[Checklist, ...] = (
    Checklist(
        code="playback",
        title=_("Playback errors"),
        intro=_("Let's get your music playing again. Please try these steps in order:"),
        steps=(
            _("Check that the app is up to date (Settings > About shows the version)."),
            _("Close the app completely and open it again."),
            _("Switch between Wi-Fi and mobile data to rule out the network."),
            _("Clear the app's cache (Settings > Storage > Clear cache); downloads stay."),
            _("Tell us which song or playlist fails and the time it happened."),
        ),
        agent_checks=(
            _("Filter the activity log by errors: look for playback error codes."),
            _("Compare the app version with the latest release."),
            _("Check the country of recent logins against the catalogue."),
        ),
    ),
    Checklist(
        code="device_sync",
        title=_("Device sync"),
        intro=_("To get your devices back in sync, please try this:"),
        steps=(
            _("Make sure every device is signed in to the same account."),
            _("Update the app on each device."),
            _("On the device that is behind, pull down on your library to refresh it."),
            _("Sign out on that device and sign in again."),
            _("Tell us the device model and when it last showed the right library."),
        ),
        agent_checks=(
            _("Filter the activity log by device: compare the last sync of each device."),
            _("Look for devices over the plan's limit."),
        ),
    ),
    Checklist(
        code="login",
        title=_("Cannot sign in"),
        intro=_("Sorry you cannot get in. These steps usually help:"),
        steps=(
            _("Check that you use the email address of your account."),
            _("Use the 'Forgot your details?' link on the sign-in page to choose new ones."),
            _("Check your spam folder for our email; it can take a few minutes."),
            _("If the app shows an error message, tell us its exact text."),
        ),
        agent_checks=(
            _("Look at recent logins in the activity log: failures, countries, devices."),
            _("Never reset or read a credential for the customer: send them the reset flow."),
        ),
    ),
    Checklist(
        code="payment_failed",
        title=_("Payment failed"),
        intro=_("Your last payment did not go through. Here is how to fix it:"),
        steps=(
            _("Check the card's expiry date and that it has funds."),
            _("Some banks block online subscriptions: your bank can allow them."),
            _("We can send you a secure link to update your card; never send card numbers here."),
            _("Once the card is updated we retry the payment automatically."),
        ),
        agent_checks=(
            _("See the last payment's state and failure reason in the summary."),
            _("Use 'Send a link to update the card': never take card details in the chat."),
        ),
    ),
)


def by_code(code: str) -> Checklist | None:
    return next((item for item in CHECKLISTS if item.code == code), None)


def reply_text(checklist: Checklist, language: str) -> str:
    """The steps as the customer will read them, in `language`."""
    with translation.override(language):
        lines = [str(checklist.intro)]
        lines += [f"{number}. {step}" for number, step in enumerate(checklist.steps, 1)]
        lines += ["", str(SAFETY_LINE)]
        return "\n".join(lines)
