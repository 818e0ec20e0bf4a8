"""The Mitra suite: demesh with members on two real Mitra servers, driven
only through the Mastodon client API, as their apps drive them.
Run it through tests/mitra/run.sh (see tests/realservers/README.md)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "realservers"))

import scenarios  # noqa: E402
import suite  # noqa: E402
from mastodon import App, sign_in_password  # noqa: E402
from procs import run, start, stop, wait_ready  # noqa: E402
from world import FIRST, PASSWORD, SECOND  # noqa: E402

USERS = {"m1": FIRST, "m2": SECOND}


class Mitra:
    """One Mitra server through shared/mitra's launcher, on its own data
    folder (with its own PostgreSQL cluster) and loopback address, port 80."""

    def __init__(self, script, data_dir, host, pg_port):
        self.script, self.data_dir, self.host = script, data_dir, host
        self.domain, self.base = host, f"http://{host}"
        self.log = data_dir + ".log"
        self.proc = None
        # Its own cluster's port: two launchers starting together would
        # both take the first free one.
        self.env = {**os.environ, "MITRA_PG_PORT": str(pg_port)}

    def _cmd(self, *args):
        return [self.script, self.data_dir, self.host, "80", *args]

    def start(self):
        self.proc = start(self._cmd("server"), self.env, self.log)
        wait_ready(self.proc, f"{self.base}/api/v1/instance", self.log, f"Mitra {self.host}", 120)

    def create_account(self, user):
        """An account made with Mitra's admin CLI."""
        run(self._cmd("create-account", user, PASSWORD, "user"), f"mitra create-account {user}", self.env)

    def stop(self):
        if self.proc:
            stop(self.proc)
            self.proc = None
        run(self._cmd("db-stop"), "mitra db-stop", self.env, timeout=60)


class MitraMembers(suite.Members):
    """Two Mitra servers started once for the whole run: each backend
    gets its own demesh origin, so a group is never another backend's."""

    features = ("edit", "sends_blocked_follow")

    def __init__(self, folder):
        self.script = os.path.join(folder, "mitra")
        if not os.access(self.script, os.X_OK) or not os.access(os.path.join(folder, "bin", "mitra"), os.X_OK):
            raise SystemExit(f"mitra suite: no Mitra at {folder} (mitra, bin/mitra)")
        self.hosts = {"m1": os.environ.get("MITRA_SUITE_M1", "127.0.0.41"),
                      "m2": os.environ.get("MITRA_SUITE_M2", "127.0.0.42")}
        self.servers = {}

    def prepare(self, work):
        self.servers = {
            n: Mitra(self.script, os.path.join(work, n), h, 55433 + i)
            for i, (n, h) in enumerate(self.hosts.items())
        }
        self.apps = {}

        def make(name):
            m = self.servers[name]
            m.start()
            for user in USERS[name]:
                m.create_account(user)
                token = sign_in_password(m.base, user, PASSWORD)
                self.apps[user] = App(user, m.base, token)

        suite.parallel(*(lambda n=n: make(n) for n in self.servers))

    def open(self, label, here):
        return self.servers, USERS, self.apps

    def finish(self):
        for m in self.servers.values():
            m.stop()


if __name__ == "__main__":
    sys.exit(suite.main(
        "mitra", __doc__, scenarios.all_scenarios(), MitraMembers, "MITRA",
        os.environ.get("MITRA_SUITE_DEMESH", "127.0.0.50,127.0.0.51").split(","),
    ))
