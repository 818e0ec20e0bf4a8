"""Moderating from the app (issue #12): a moderator on another server gets
the group's notice of a request as a mention and approves by writing to
the group; a member's command is refused.

Reports are not shown here. GoToSocial sends a forwarded report as a Flag
from its instance actor, whose username is its host, and on this suite's
host:port origins it cannot send it ("…/users/127.0.0.22:8080/outbox was
neither an inbox path nor an outbox path" in its log, tried on 0.17 with
POST /api/v1/reports and forward=true). tests/reports.rs covers its Flag
shape (tests/fixtures/gotosocial_flag.json)."""

from checks import expect, wait_until
from scenarios import members


def _mentions(w, user, needle):
    """The text of `user`'s mentions from the group that contain `needle`
    (the group's direct messages arrive as mentions)."""
    return [m["content"] for m in w.apps[user].mentions(needle, by=w.group_acct())]


def moderate_by_dm(w, s):
    members(w, s, "alice", "erin")
    s.step("member promote @erin", lambda: w.demesh.cli("member", "promote", "club", "@" + w.acct("erin")))

    def asked():
        rel = w.relationship("carol")
        expect(not rel["following"], "carol is a member already")
        if not rel["requested"]:
            w.carol.follow(w.group_id("carol"))
        wait_until("carol's request in `request list`", lambda: w.acct("carol") in w.pending())

    s.step("carol asks to join", asked)
    s.step(
        "erin (moderator, other server) is notified of carol's request",
        lambda: wait_until("the request notice", lambda: _mentions(w, "erin", "New request to join club")),
    )
    s.step(
        "the notice mentions nobody else: alice (member) has none",
        lambda: expect(not _mentions(w, "alice", "New request to join"), "alice got the notice"),
        needed=False,
    )
    s.step(
        "erin writes to the group: approve @carol",
        lambda: w.erin.post(f"@{w.group_acct()} approve @{w.acct('carol')}", "direct"),
    )
    s.step(
        "carol follows the group",
        lambda: wait_until("carol following", lambda: w.relationship("carol")["following"]),
    )
    s.step(
        "erin gets the group's answer",
        lambda: wait_until("the answer", lambda: _mentions(w, "erin", "approved")),
        needed=False,
    )

    def refused():
        w.alice.post(f"@{w.group_acct()} requests", "direct")
        wait_until("the refusal", lambda: _mentions(w, "alice", "Only moderators"))
        rows = w.demesh.cli_json("audit", "--group", "club")
        expect(rows and rows[-1]["outcome"] == "refused", f"last audit row {rows[-1:]}")

    s.step("alice (not a moderator) gets a refusal, recorded in `audit`", refused, needed=False)
