"""Issue #13 from a member's app: the welcome message among the
notifications, and joining with an invite code sent by direct message.
Runs on its own group, `rules`, so it can run alone (GTS_ONLY=rules)."""

import json

from checks import expect, wait_until
from world import marker


def rules(w, s):
    w.ensure_group("rules")
    mark = marker()
    s.step("group set rules rules", lambda: w.demesh.cli("group", "set", "rules", "rules", f"Be kind {mark}"))
    code = s.step(
        "invite create rules",
        lambda: json.loads(w.demesh.cli("invite", "create", "rules", "--uses", "1", "--json"))["code"],
    )
    gid = s.step("frank finds @rules", lambda: w.group_id("frank", "rules"))

    def asked():
        w.frank.follow(gid)
        wait_until("frank's request in `request list`", lambda: w.acct("frank") in w.pending("rules"))

    s.step("frank asks to join", asked)
    s.step(
        "frank sends the code to the group, mentioned people only",
        lambda: w.frank.post(f"@{w.group_acct('rules')} {code}", "direct"),
    )
    s.step(
        "frank follows the group at once",
        lambda: wait_until("frank following", lambda: w.relationship("frank", "rules")["following"]),
    )

    def welcomed():
        found = wait_until(
            "the welcome among frank's notifications",
            lambda: w.frank.mentions(mark, by=w.group_acct("rules")),
        )
        status = found[0]
        expect(status["visibility"] == "direct", f"welcome visibility {status['visibility']}")
        expect("Mentioned people only" in status["content"], "the welcome does not say how to post")

    s.step("the welcome with the rules shows among frank's notifications", welcomed)
    s.step(
        "the code is used up",
        lambda: expect(
            json.loads(w.demesh.cli("invite", "list", "rules", "--json"))[0]["uses_left"] == 0,
            "uses_left is not 0",
        ),
    )
