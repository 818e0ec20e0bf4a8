"""A member's Misskey app: Misskey's own API (POST /api/<endpoint>, JSON,
the token as "i"), answering in the Mastodon API's shapes the shared
scenarios read (id, content, visibility, in_reply_to_id, account.acct;
following/requested), so the same scenarios run on every server."""

import json
import re
import urllib.error
import urllib.request

from checks import Failure

# Misskey's visibility → the Mastodon word the scenarios use.
VISIBILITY = {"public": "public", "home": "unlisted", "followers": "private", "specified": "direct"}
MENTION = re.compile(r"@([A-Za-z0-9_][A-Za-z0-9_.-]*)@([A-Za-z0-9.:-]*[A-Za-z0-9])")


def status_of(note):
    """A note as the scenarios read a status. A hidden stub (a note its
    reader may no longer see: text null, isHidden) has empty content."""
    user = note.get("user") or {}
    acct = user.get("username", "") + (f"@{user['host']}" if user.get("host") else "")
    return {
        "id": note["id"],
        "content": note.get("text") or "",
        "visibility": VISIBILITY.get(note.get("visibility"), note.get("visibility")),
        "in_reply_to_id": note.get("replyId"),
        "account": {"acct": acct},
        "hidden": bool(note.get("isHidden")),
        # A remote note's id on its own server (the group copy's address),
        # and whom it mentions (Misskey gives user ids, not accts).
        "uri": note.get("uri"),
        "mentions": [{"id": m} for m in note.get("mentions") or []],
    }


class MisskeyApp:
    """One account, used only through Misskey's API with its token."""

    def __init__(self, name, base, token):
        self.name, self.base, self.token = name, base, token
        self._users = {}

    def call(self, endpoint, ok_errors=(), **body):
        """The endpoint's answer; None for an error whose code is in
        `ok_errors`; Failure for any other error."""
        data = json.dumps({"i": self.token, **body}).encode()
        req = urllib.request.Request(
            f"{self.base}/api/{endpoint}", data=data, method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                text = resp.read().decode()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            try:
                code = json.loads(text)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = None
            if code in ok_errors:
                return None
            raise Failure(f"{self.name}: {endpoint} answered {e.code}: {text[:300]}")

    def user_id(self, acct):
        if acct not in self._users:
            found = self.lookup(acct)
            if not found:
                raise Failure(f"{self.name}: cannot find @{acct}")
        return self._users[acct]

    def lookup(self, acct):
        """The account of `acct` (resolved remotely by users/show), or None."""
        username, _, host = acct.partition("@")
        user = self.call("users/show", ok_errors=("NO_SUCH_USER",), username=username, host=host or None)
        if not user:
            return None
        self._users[acct] = user["id"]
        return {"id": user["id"], "locked": user.get("isLocked"), "acct": acct}

    def account(self, user_id):
        """The account's profile, or None once this server no longer has it."""
        user = self.call("users/show", ok_errors=("NO_SUCH_USER",), userId=user_id)
        if not user or user.get("isDeleted") or user.get("isSuspended"):
            return None
        return {"display_name": user.get("name"), "note": user.get("description") or ""}

    def follow(self, user_id):
        return self.call("following/create", ok_errors=("ALREADY_FOLLOWING",), userId=user_id)

    def unfollow(self, user_id):
        rel = self.relationship(user_id)
        if rel["requested"]:
            return self.call("following/requests/cancel", userId=user_id)
        return self.call("following/delete", userId=user_id)

    def relationship(self, user_id):
        rels = self.call("users/relation", userId=user_id)
        rel = rels[0] if isinstance(rels, list) else rels
        return {
            "following": rel["isFollowing"],
            "requested": rel["hasPendingFollowRequestFromYou"],
            "blocked_by": rel.get("isBlocked"),
        }

    def post(self, text, visibility="direct", in_reply_to=None):
        """`direct`: Misskey's `specified`, visible to the accounts the
        text mentions (the group first)."""
        body = {"text": text}
        if visibility == "direct":
            body["visibility"] = "specified"
            body["visibleUserIds"] = [self.user_id(f"{u}@{h}") for u, h in MENTION.findall(text)]
        else:
            body["visibility"] = {"private": "followers", "unlisted": "home"}.get(visibility, visibility)
        if in_reply_to:
            body["replyId"] = in_reply_to
        return status_of(self.call("notes/create", **body)["createdNote"])

    def edit(self, status_id, text):
        raise Failure("Misskey has no note editing")

    def react(self, status_id):
        """A reaction (sent as a `Like`)."""
        return self.call("notes/reactions/create", noteId=status_id, reaction="👍")

    def delete(self, status_id):
        return self.call("notes/delete", noteId=status_id)

    def status(self, status_id):
        """The note as this account sees it, or None when gone or shown
        only as a hidden stub (no text: what a removed member sees)."""
        note = self.call("notes/show", ok_errors=("NO_SUCH_NOTE",), noteId=status_id)
        if not note or note.get("isHidden"):
            return None
        return status_of(note)

    def home(self):
        return [status_of(n) for n in self.call("notes/timeline", limit=40)]

    def in_home(self, marker, by=None):
        for s in self.home():
            if marker in s["content"] and (by is None or s["account"]["acct"] == by):
                return s
        return None

    def mentions(self, needle, by=None):
        """Notes that mention this account (what Misskey shows under
        Mentions) whose text has `needle`, newest first."""
        return [
            s for s in map(status_of, self.call("notes/mentions", limit=40))
            if needle in s["content"] and (by is None or s["account"]["acct"] == by)
        ]
