"""The GoToSocial suite: demesh with members on two real GoToSocial
servers, driven only through the Mastodon client API.
Run it through run.sh (see README.md)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "realservers"))

import scenarios  # noqa: E402
import suite  # noqa: E402
from mastodon import App, sign_in  # noqa: E402
from servers import Gts  # noqa: E402
from world import FIRST, PASSWORD, SECOND  # noqa: E402

USERS = {"g1": FIRST, "g2": SECOND}


def email(user):
    return f"{user}@example.org"


class GtsMembers(suite.Members):
    """Two GoToSocial servers with their accounts, made once (account
    creation runs GoToSocial's CLI, seconds each) and copied for each
    backend, which gets them fresh."""

    features = ("edit",)

    def __init__(self, folder):
        self.script = os.path.join(folder, "gts")
        if not os.access(self.script, os.X_OK) or not os.access(os.path.join(folder, "bin", "gotosocial"), os.X_OK):
            raise SystemExit(f"gotosocial suite: no GoToSocial at {folder} (gts, bin/gotosocial)")
        self.hosts = {"g1": os.environ.get("GTS_SUITE_G1", "127.0.0.21"),
                      "g2": os.environ.get("GTS_SUITE_G2", "127.0.0.22")}
        self.running = {}

    def prepare(self, work):
        self.templates = {n: Gts(self.script, os.path.join(work, f"template-{n}"), h) for n, h in self.hosts.items()}
        self.tokens = {}

        def make(name):
            g = self.templates[name]
            g.start()  # the first start creates the instance application
            g.stop()
            for user in USERS[name]:
                g.admin("account", "create", "--username", user, "--email", email(user), "--password", PASSWORD)
                g.admin("account", "confirm", "--username", user)
            g.start()
            for user in USERS[name]:
                self.tokens[user] = sign_in(g.base, email(user), PASSWORD)
            g.stop()

        suite.parallel(*(lambda n=n: make(n) for n in self.templates))

    def open(self, label, here):
        servers = {n: t.copy_to(os.path.join(here, n)) for n, t in self.templates.items()}
        self.running[label] = servers
        suite.parallel(*(g.start for g in servers.values()))
        server_of = {u: servers[s] for s, users in USERS.items() for u in users}
        apps = {u: App(u, server_of[u].base, self.tokens[u]) for u in server_of}
        return servers, USERS, apps

    def close(self, label):
        for g in self.running.pop(label, {}).values():
            g.stop()


if __name__ == "__main__":
    sys.exit(suite.main(
        "gotosocial", __doc__, scenarios.all_scenarios(), GtsMembers, "GTS",
        [os.environ.get("GTS_SUITE_DEMESH", "127.0.0.30")],
    ))
