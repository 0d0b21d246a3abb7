"""Identity verification: the business's back end signs its logged-in user's id.

`user_hash = hex(HMAC-SHA256(key=inbox.secret, msg=user_id))`, computed on the business's server
(the secret never reaches a browser). The widget or SDK passes `user_id` and `user_hash`; we
compare in constant time against the inbox's current and previous secret (so a rotation does
not log everybody out). A visitor can then never speak as another customer: without the secret
no one can produce the hash of someone else's id.
"""

from __future__ import annotations

import hashlib
import hmac

from atiende.inboxes.models import Inbox

MAX_USER_ID = 255


def user_hash(secret: str, user_id: str) -> str:
    """What the business's back end computes (shown in docs/chat.md in Python and Node)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verify_user(inbox: Inbox, user_id: str, candidate: str) -> bool:
    if not user_id or not candidate or len(user_id) > MAX_USER_ID:
        return False
    candidate = candidate.strip().lower()
    valid = False
    for secret in (inbox.secret, inbox.previous_secret):
        if secret:
            # Both compared every time: the answer's timing says nothing about which matched.
            valid |= hmac.compare_digest(user_hash(secret, user_id), candidate)
    return valid
