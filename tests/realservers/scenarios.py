"""What a member does from the app, and what the other members see, one
scenario per line of issues #11 and #25, the same on every member
server. Each scenario sets up what it needs itself, so any of them can
run alone (--only). `all_scenarios()` is every suite's list, in order."""

from checks import expect, stays_false, wait_until
from world import marker, not_following


class Stop(Exception):
    """A step a scenario cannot go on without has failed (already reported)."""


class Scenario:
    def __init__(self, name, report):
        self.name, self.report = name, report

    def step(self, what, fn, needed=True):
        ok, value = self.report.check(f"{self.name}: {what}", fn)
        if not ok and needed:
            raise Stop()
        return value


def discover(w, s):
    def find():
        found = w.alice.lookup(w.group_acct())
        expect(found, f"search for @{w.group_acct()} found nothing")
        expect(found["locked"], "the group does not show as approving followers (locked)")
        return found

    w.ensure_group()
    s.step("alice finds @club by search, shown as approving followers", find)


def follow_requested(w, s):
    gid = s.step("alice finds the group", lambda: w.group_id("alice"))

    def follow():
        w.alice.follow(gid)
        wait_until("relationship requested", lambda: w.relationship("alice")["requested"])

    s.step("alice's follow shows Requested", follow)
    s.step(
        "demesh lists the request",
        lambda: wait_until("request in `request list`", lambda: w.acct("alice") in w.pending()),
    )
    s.step(
        "still Requested, not following, while nobody approved",
        lambda: expect(
            stays_false(lambda: w.relationship("alice")["following"], 2)
            and w.relationship("alice")["requested"],
            "no longer Requested or already following",
        ),
    )


def approve(w, s):
    def asked():
        rel = w.relationship("alice")
        if not rel["requested"] and not rel["following"]:
            w.alice.follow(w.group_id("alice"))
        wait_until("request reaching demesh", lambda: w.acct("alice") in w.pending())

    s.step("setup: alice has asked to join", asked)

    def approved():
        w.demesh.cli("member", "approve", "club", "@" + w.acct("alice"))
        wait_until("following after approval", lambda: w.relationship("alice")["following"])
        expect(not w.relationship("alice")["requested"], "still shown as Requested")

    s.step("member approve: alice follows the group", approved)


def reject(w, s):
    gid = s.step("gina finds the group", lambda: w.group_id("gina"))

    def asked():
        w.gina.follow(gid)
        wait_until("request reaching demesh", lambda: w.acct("gina") in w.pending())

    s.step("gina asks to join", asked)
    s.step("member reject", lambda: w.demesh.cli("member", "reject", "club", "@" + w.acct("gina")))
    s.step(
        "gina neither follows nor is Requested any more",
        lambda: wait_until("request gone on GoToSocial", lambda: not_following(w, "gina")),
    )
    s.step("demesh lists no request from gina", lambda: expect(w.acct("gina") not in w.pending(), "still pending"))


def members(w, s, *users, group="club"):
    def setup():
        for u in users:
            w.ensure_member(u, group)

    s.step(f"setup: {', '.join(users)} are members of {group}", setup)


def post(w, s):
    members(w, s, "alice", "bob", "erin")
    mark = marker()
    s.step(
        "alice posts to the group, mentioned people only",
        lambda: w.alice.post(f"@{w.group_acct()} hello everyone {mark}", "direct"),
    )
    for reader, where in (("bob", "same server"), ("erin", "other server")):

        def seen(reader=reader):
            copy = w.copy_seen_by(reader, mark)
            expect(copy["visibility"] == "private", f"visibility {copy['visibility']}, not private")
            expect(w.acct("alice") in copy["content"], f"author not credited: {copy['content'][:300]}")
            expect(copy["in_reply_to_id"] is None, "shown as a reply")

        s.step(f"{reader} ({where}) sees the group's followers-only copy crediting alice", seen)


def reply(w, s):
    members(w, s, "alice", "bob", "erin")
    _, _, copies = s.step("setup: alice posts, bob and erin see it", lambda: w.group_post("alice", ["bob", "erin"]))
    mark = marker()
    s.step(
        "erin replies to the group's copy",
        lambda: w.erin.post(f"@{w.group_acct()} a reply {mark}", "direct", in_reply_to=copies["erin"]["id"]),
    )

    def threaded():
        r = w.copy_seen_by("bob", mark)
        expect(r["in_reply_to_id"] == copies["bob"]["id"], f"in_reply_to_id {r['in_reply_to_id']}, not {copies['bob']['id']}")
        expect(w.acct("erin") in r["content"], "reply author not credited")

    s.step("bob sees the group's copy of the reply, threaded under the group's post", threaded)


def edit(w, s):
    if "edit" not in w.features:
        # Misskey has no editing (docs/interop-mitra-misskey.md).
        print(f"SKIP {s.report.prefix}/{s.name}: the members' software cannot edit", flush=True)
        return
    members(w, s, "alice", "bob", "erin")
    status, _, copies = s.step("setup: alice posts, bob and erin see it", lambda: w.group_post("alice", ["bob", "erin"]))
    new = marker()
    s.step("alice edits her post", lambda: w.alice.edit(status["id"], f"@{w.group_acct()} edited {new}"))
    for reader in ("bob", "erin"):

        def updated(reader=reader):
            wait_until(
                f"{reader} seeing the edit",
                lambda: new in ((w.apps[reader].status(copies[reader]["id"]) or {}).get("content") or ""),
            )

        s.step(f"{reader} sees the edited text on the group's copy", updated, needed=False)


def delete(w, s):
    members(w, s, "alice", "bob", "erin")
    status, _, copies = s.step("setup: alice posts, bob and erin see it", lambda: w.group_post("alice", ["bob", "erin"]))
    s.step("alice deletes her post", lambda: w.alice.delete(status["id"]))
    for reader in ("bob", "erin"):
        s.step(
            f"the group's copy is gone for {reader}",
            lambda reader=reader: wait_until(
                f"copy gone for {reader}", lambda: w.apps[reader].status(copies[reader]["id"]) is None
            ),
            needed=False,
        )


def react(w, s):
    """A member's favourite or reaction reaches the group, which drops it
    and counts it, forwarding it to nobody (docs/interop-mitra-misskey.md)."""
    members(w, s, "alice", "erin")
    _, _, copies = s.step("setup: alice posts, erin sees it", lambda: w.group_post("alice", ["erin"]))
    series = 'demesh_inbox_dropped_total{reason="reaction"}'
    before = w.demesh.metric(series)
    s.step("erin reacts to the group's copy from the app", lambda: w.erin.react(copies["erin"]["id"]))
    s.step(
        "demesh counts the reaction as dropped",
        lambda: wait_until("the reaction counted", lambda: w.demesh.metric(series) > before),
    )


def post_remove(w, s):
    members(w, s, "alice", "bob", "erin")
    _, mark, copies = s.step("setup: erin posts, alice and bob see it", lambda: w.group_post("erin", ["alice", "bob"]))

    def find():
        rows = w.demesh.cli_json("post", "list", "club")
        hits = [r for r in rows if mark in r.get("excerpt", "")]
        expect(hits, f"post {mark} not in `post list`")
        return hits[0]["number"]

    number = s.step("the moderator finds the post in `post list`", find)
    s.step("post remove", lambda: w.demesh.cli("post", "remove", "club", str(number)))
    for reader in ("alice", "bob"):
        s.step(
            f"the post is gone for {reader}",
            lambda reader=reader: wait_until(
                f"copy gone for {reader}", lambda: w.apps[reader].status(copies[reader]["id"]) is None
            ),
            needed=False,
        )


def preapproval(w, s):
    s.step("member allow @dave", lambda: w.demesh.cli("member", "allow", "club", "@" + w.acct("dave")))
    gid = s.step("dave finds the group", lambda: w.group_id("dave"))

    def joined():
        w.dave.follow(gid)
        wait_until("dave following", lambda: w.relationship("dave")["following"])
        expect(w.acct("dave") in w.members(), "dave not in `member list`")

    s.step("dave's follow is accepted at once", joined)


def all_scenarios():
    # Imported here: those modules import this one (Scenario, members).
    import scenarios_end
    import scenarios_mastodon
    import scenarios_mod
    import scenarios_rules

    return [
        ("discover", discover),
        ("follow_requested", follow_requested),
        ("approve", approve),
        ("reject", reject),
        ("post", post),
        ("reply", reply),
        ("edit", edit),
        ("delete", delete),
        ("react", react),
        ("post_remove", post_remove),
        ("preapproval", preapproval),
        ("moderate_by_dm", scenarios_mod.moderate_by_dm),
        ("rules", scenarios_rules.rules),
        ("mastodon_fidelity", scenarios_mastodon.mastodon_fidelity),
        ("profile_update", scenarios_end.profile_update),
        ("leave", scenarios_end.leave),
        ("remove_member", scenarios_end.remove_member),
        ("block", scenarios_end.block),
        ("group_delete", scenarios_end.group_delete),
    ]
