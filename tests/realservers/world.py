"""The servers and accounts of one run, and the steps scenarios share
(finding the group, becoming a member, posting and waiting for copies).
Every suite has the same people: several members on a first server and
others on a second; each one's app is the suite's client (mastodon.App,
or misskey's), all answering in the Mastodon API's shapes."""

import secrets

from checks import Failure, expect, wait_until

PASSWORD = "Very-Secret-Passw0rd!"
# Several members on one server and others on a second.
FIRST, SECOND = ["alice", "bob", "carol", "dave"], ["erin", "frank", "gina"]


def marker():
    """A word no other post contains, to find one post in a timeline."""
    return "m" + secrets.token_hex(6)


class World:
    """`servers`: {name: server} (each with `.domain` and `.base`);
    `users`: {server name: [user]}; `apps`: {user: app}; `features`: what
    the members' software can do ("edit": edit a post;
    "sends_blocked_follow": a blocked account's follow is still sent)."""

    def __init__(self, demesh, servers, users, apps, features=()):
        self.demesh = demesh
        self.server_of = {u: servers[s] for s, names in users.items() for u in names}
        self.apps = apps
        self.features = set(features)
        self._group_ids = {}
        self._groups = set()

    def __getattr__(self, user):
        apps = self.__dict__.get("apps", {})
        if user in apps:
            return apps[user]
        raise AttributeError(user)

    def acct(self, user):
        return f"{user}@{self.server_of[user].domain}"

    def group_acct(self, group="club"):
        return f"{group}@{self.demesh.domain}"

    def ensure_group(self, group="club"):
        if group in self._groups:
            return
        try:
            self.demesh.cli("group", "show", group)
        except Failure:
            self.demesh.cli("group", "create", group, "--display-name", f"The {group}")
            if group != "rules":
                # The welcome (issue #13) is checked in scenarios_rules.py
                # on its own group; elsewhere it would only add messages.
                self.demesh.cli("group", "set", group, "welcome", "off")
        self._groups.add(group)

    def group_id(self, user, group="club"):
        """The group's account id on `user`'s server (found as the app
        finds it: search with resolve)."""
        self.ensure_group(group)
        key = (user, group)
        if key not in self._group_ids:
            found = self.apps[user].lookup(self.group_acct(group))
            expect(found, f"{user} cannot find @{self.group_acct(group)}")
            self._group_ids[key] = found["id"]
        return self._group_ids[key]

    def relationship(self, user, group="club"):
        return self.apps[user].relationship(self.group_id(user, group))

    def pending(self, group="club"):
        rows = self.demesh.cli_json("request", "list", "--group", group)
        return {(r.get("account") or "").lstrip("@").lower() for r in rows}

    def members(self, group="club"):
        rows = self.demesh.cli_json("member", "list", group)
        return {(r.get("account") or "").lstrip("@").lower() for r in rows}

    def ensure_member(self, user, group="club"):
        """Follows and gets approved, unless already following."""
        gid = self.group_id(user, group)
        rel = self.apps[user].relationship(gid)
        if rel["following"]:
            return
        if not rel["requested"]:
            self.apps[user].follow(gid)
        acct = self.acct(user).lower()
        wait_until(
            f"{user}'s follow request reaching demesh",
            lambda: acct in self.pending(group) or self.relationship(user, group)["following"],
        )
        if not self.relationship(user, group)["following"]:
            self.demesh.cli("member", "approve", group, f"@{acct}")
        wait_until(
            f"{user} following {group} after approval",
            lambda: self.relationship(user, group)["following"],
        )

    def copy_seen_by(self, reader, mark, group="club"):
        """Waits until `reader` has the group's copy of the post carrying
        `mark` in the home timeline; returns that status."""
        return wait_until(
            f"{reader} seeing the group's copy of post {mark} in the home timeline",
            lambda: self.apps[reader].in_home(mark, by=self.group_acct(group)),
        )

    def group_post(self, author, readers, text="a post", group="club"):
        """`author` posts "mentioned people only" to the group; returns
        (the author's status, marker, {reader: group copy})."""
        mark = marker()
        status = self.apps[author].post(f"@{self.group_acct(group)} {text} {mark}", "direct")
        copies = {r: self.copy_seen_by(r, mark, group) for r in readers}
        return status, mark, copies


def not_following(world, user, group="club"):
    """True once `user`'s server no longer has them follow the group (or
    no longer has the group at all)."""
    gid = world.group_id(user, group)
    if world.apps[user].account(gid) is None:
        return True
    rel = world.apps[user].relationship(gid)
    if rel["following"] or rel["requested"]:
        raise Failure(f"following={rel['following']} requested={rel['requested']}")
    return True
