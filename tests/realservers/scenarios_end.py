"""Endings seen from the members' side: removal, block, the group's
profile changing, the group deleted."""

from checks import Failure, expect, stays_false, wait_until
from scenarios import members
from world import marker, not_following


def _no_later_post(w, s, gone, stays, poster):
    """A post after `gone` left reaches `stays` (on the same server) and
    never `gone`: neither in the home timeline nor when opened."""
    mark = marker()

    def check():
        w.apps[poster].post(f"@{w.group_acct()} after the removal {mark}", "direct")
        copy = w.copy_seen_by(stays, mark)
        expect(w.apps[gone].in_home(mark) is None, f"{gone} has it in the home timeline")
        # Same server: the same local status id; GoToSocial shows a
        # followers-only status only to accounts it believes follow.
        expect(w.apps[gone].status(copy["id"]) is None, f"{gone} can open it")

    s.step(f"a later post reaches {stays} (same server), not {gone}", check, needed=False)


def leave(w, s):
    members(w, s, "alice", "gina", "erin")
    s.step("gina unfollows the group from the app", lambda: w.gina.unfollow(w.group_id("gina")))
    s.step(
        "demesh no longer lists gina",
        lambda: wait_until("gina gone from `member list`", lambda: w.acct("gina") not in w.members()),
        needed=False,
    )
    _no_later_post(w, s, "gina", "erin", "alice")


def remove_member(w, s):
    members(w, s, "alice", "bob", "carol", "erin")
    s.step("member remove @carol", lambda: w.demesh.cli("member", "remove", "club", "@" + w.acct("carol")))
    s.step(
        "demesh no longer lists carol",
        lambda: expect(w.acct("carol") not in w.members(), "carol still in `member list`"),
        needed=False,
    )
    s.step(
        "carol's server no longer has her follow the group",
        lambda: wait_until("carol unfollowed", lambda: not_following(w, "carol")),
        needed=False,
    )
    _no_later_post(w, s, "carol", "bob", "erin")

    # A removal is no ban: once the group's Undo{Block} reached her server,
    # carol can ask again from the app, and demesh lists her request.
    def ask_again():
        gid = w.group_id("carol")

        def asked():
            rel = w.relationship("carol")
            if not (rel["requested"] or rel["following"]):
                w.carol.follow(gid)  # refused while the Block stands: asked again
            return w.acct("carol") in w.pending()

        wait_until("carol's new request in `request list`", asked)

    s.step("carol may ask to join again (Undo{Block})", ask_again, needed=False)


def block(w, s):
    members(w, s, "alice", "erin", "frank")
    s.step("block add @frank", lambda: w.demesh.cli("block", "add", "@" + w.acct("frank")))
    s.step(
        "frank's server no longer has him follow the group",
        lambda: wait_until("frank unfollowed", lambda: not_following(w, "frank")),
        needed=False,
    )
    _no_later_post(w, s, "frank", "erin", "alice")

    # A block is a ban: a new follow from frank is refused (demesh answers
    # it with a Reject; GoToSocial may refuse it itself, having recorded
    # the Block): his server shows it refused, not pending for ever, and
    # it never becomes a request.
    def refused():
        before = w.demesh.log_count("outcome=refused: blocked (Reject sent)")
        try:
            w.frank.follow(w.group_id("frank"))
        except Failure:
            pass
        if "sends_blocked_follow" in w.features:
            # Mitra and Misskey send it: demesh refuses it with a Reject.
            wait_until(
                "demesh refusing frank's new Follow",
                lambda: w.demesh.log_count("outcome=refused: blocked (Reject sent)") > before,
            )
        wait_until("frank's server showing the follow refused", lambda: not_following(w, "frank"))
        expect(
            stays_false(lambda: w.acct("frank") in w.pending(), 3),
            "frank's follow became a request",
        )
        expect(not_following(w, "frank"), "the follow is pending again")

    s.step("frank's new follow is refused, not pending, on his server", refused, needed=False)


def profile_update(w, s):
    members(w, s, "alice", "erin")
    name, about = f"Club {marker()}", f"About {marker()}"

    def change():
        w.demesh.cli("group", "set", "club", "display-name", name)
        w.demesh.cli("group", "set", "club", "summary", about)

    s.step("group set display-name and summary", change)
    for reader in ("alice", "erin"):

        def shown(reader=reader):
            gid = w.group_id(reader)

            def probe():
                acc = w.apps[reader].account(gid) or {}
                shown = (acc.get("display_name"), acc.get("note"))
                if shown[0] != name or about not in (shown[1] or ""):
                    raise Failure(f"name {shown[0]!r}, description {shown[1]!r}")
                return True

            wait_until(f"{reader} seeing the new profile", probe)

        s.step(f"{reader} sees the new name and description", shown, needed=False)


def group_delete(w, s):
    members(w, s, "dave", "erin", group="closing")
    s.step("group delete closing", lambda: w.demesh.cli("group", "delete", "closing", "--yes"))
    for reader in ("dave", "erin"):
        s.step(
            f"{reader} no longer follows the deleted group",
            lambda reader=reader: wait_until(
                f"{reader} unfollowed", lambda: not_following(w, reader, "closing"), timeout=20
            ),
            needed=False,
        )
