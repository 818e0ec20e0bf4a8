"""Moderating from the app (issue #12): a moderator on GoToSocial gets
the group's notice of a request as a mention, approves by writing to the
group, and a member's report of a group post (forwarded by GoToSocial as
a Flag) reaches demesh and the moderator."""

from checks import expect, wait_until
from scenarios import members
from world import marker


def _mentions(w, user, needle):
    """The text of `user`'s mention notifications from the group that
    contain `needle` (the group's direct messages arrive as mentions)."""
    found = w.apps[user].get("/api/v1/notifications", **{"types[]": "mention", "limit": 40})
    return [
        n["status"]["content"]
        for n in found
        if n.get("status") and n["account"]["acct"] == w.group_acct() and needle in n["status"]["content"]
    ]


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


def report_by_api(w, s):
    members(w, s, "alice", "erin")
    s.step("erin is a moderator", lambda: w.demesh.cli("member", "promote", "club", "@" + w.acct("erin")))
    _, mark, copies = s.step(
        "setup: alice posts, erin sees it", lambda: w.group_post("alice", ["erin"], "report me")
    )
    comment = f"spam {marker()}"

    def report():
        w.erin.call(
            "POST",
            "/api/v1/reports",
            {
                "account_id": w.group_id("erin"),
                "status_ids[]": [copies["erin"]["id"]],
                "comment": comment,
                "forward": "true",
            },
        )

    s.step("erin reports the group's post from the app, forwarded", report)

    def listed():
        rows = w.demesh.cli_json("report", "list", "--group", "club")
        hits = [r for r in rows if r["comment"] == comment]
        expect(hits, f"no report with the comment in `report list`: {rows[-1:]}")
        return hits[0]

    row = s.step("the report is in `report list`", lambda: wait_until("the Flag", listed, timeout=30))
    s.step(
        "it names alice's post, mapped to alice",
        lambda: expect(
            any(p["author"].endswith("/alice") for p in row["posts"]), f"posts {row['posts']}"
        ),
        needed=False,
    )
    s.step(
        "erin (moderator) is told",
        lambda: wait_until("the report notice", lambda: _mentions(w, "erin", comment)),
        needed=False,
    )
