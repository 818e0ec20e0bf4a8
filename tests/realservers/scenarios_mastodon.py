"""Issue #23 (Mastodon fidelity) from members' apps, on its own group
`fid` so it runs alone (--only mastodon_fidelity): the copy of a reply
mentions nobody; the parent's author is told by a direct message (the
replier is not); a reply written as Mastodon's app writes one (every
account the answered post mentions pre-filled) does not reach a former
member; the group's answer to a member's message replies to it; a browser
opening a copy's address gets a page, not JSON."""

import json
import urllib.error
import urllib.request

from checks import expect, stays_false, wait_until
from world import marker

G = "fid"
NOTICE = "replied to your post"


def _members(w, s, *users):
    s.step(f"setup: {', '.join(users)} are members of {G}", lambda: [w.ensure_member(u, G) for u in users])


def _reply_from_app(w, user, copy, text):
    """`user` answers `copy` as Mastodon's reply box does: the group and
    every account the copy mentions are pre-filled."""
    mentions = " ".join("@" + m["acct"] for m in copy.get("mentions") or [] if m.get("acct"))
    return w.apps[user].post(f"@{w.group_acct(G)} {mentions} {text}", "direct", in_reply_to=copy["id"])


def _browser_get(url):
    req = urllib.request.Request(url, headers={"Accept": "text/html,application/xhtml+xml"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode(errors="replace")


def _notice(w, user):
    """The group's reply notice among `user`'s mentions, or None."""
    found = w.apps[user].mentions(NOTICE, by=w.group_acct(G))
    return found[0] if found else None


def mastodon_fidelity(w, s):
    _members(w, s, "alice", "bob", "erin", "gina")
    _, _, root = s.step(
        "setup: gina posts, alice and erin see it", lambda: w.group_post("gina", ["alice", "erin"], group=G)
    )
    mark = marker()
    s.step("erin replies to gina's post from the app", lambda: _reply_from_app(w, "erin", root["erin"], f"agreed {mark}"))
    reply = s.step("alice sees the group's copy of erin's reply", lambda: w.copy_seen_by("alice", mark, G))
    s.step(
        "the reply's copy mentions nobody",
        lambda: expect(not reply.get("mentions"), f"mentions {reply.get('mentions')}"),
        needed=False,
    )

    def told():
        status = wait_until("the reply notice among gina's mentions", lambda: _notice(w, "gina"))
        expect(status["visibility"] == "direct", f"notice visibility {status['visibility']}")
        expect(w.acct("erin") in status["content"], "the notice does not name erin")

    s.step("gina (the parent's author) gets the reply notice", told, needed=False)
    s.step(
        "erin (the replier) gets no reply notice",
        lambda: expect(stays_false(lambda: _notice(w, "erin"), 3), "erin was told of her own reply"),
        needed=False,
    )

    s.step("member remove @gina", lambda: w.demesh.cli("member", "remove", G, "@" + w.acct("gina")))
    s.step(
        "gina no longer follows the group",
        lambda: wait_until("gina unfollowed", lambda: not w.relationship("gina", G)["following"]),
    )
    late = marker()

    def not_to_gina():
        _reply_from_app(w, "alice", reply, f"answering erin {late}")
        w.copy_seen_by("erin", late, G)  # erin, on gina's server, has it
        gone = lambda: w.gina.in_home(late) or w.gina.mentions(late)  # noqa: E731
        expect(stays_false(gone, 4), "the reply reached gina, a former member")

    s.step("a member's reply to that copy reaches erin (gina's server), not gina (removed)", not_to_gina, needed=False)

    def answered():
        code = json.loads(w.demesh.cli("invite", "create", G, "--json"))["code"]
        mine = w.bob.post(f"@{w.group_acct(G)} the code is {code}", "direct")
        got = wait_until(
            "the group's refusal among bob's mentions",
            lambda: (w.bob.mentions("invite codes", by=w.group_acct(G)) or [None])[0],
        )
        expect(got["in_reply_to_id"] == mine["id"], f"in_reply_to_id {got['in_reply_to_id']}, not {mine['id']}")
        w.demesh.cli("invite", "revoke", G, "--", code)

    s.step("the group's answer to bob's message replies to it (inReplyTo)", answered, needed=False)

    def page():
        url = reply.get("url") or reply.get("uri")
        expect(url and url.startswith(w.demesh.base), f"copy url {url}")
        status, ctype, body = _browser_get(url)
        expect(status == 404 and ctype.startswith("text/html"), f"{url}: {status} {ctype}")
        expect("private group" in body, f"no page: {body[:200]}")
        expect(late not in body and mark not in body, "the page shows the post")

    s.step("a browser opening the copy's address gets a page", page, needed=False)
