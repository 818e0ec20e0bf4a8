"""The Misskey suite: demesh with members on two real Misskey servers,
driven only through Misskey's own API (/api/*), as its apps drive it.
Run it through tests/misskey/run.sh (see tests/realservers/README.md)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "realservers"))

import scenarios  # noqa: E402
import suite  # noqa: E402
from app import MisskeyApp  # noqa: E402
from procs import run, start, stop, wait_ready  # noqa: E402
from world import FIRST, PASSWORD, SECOND  # noqa: E402

USERS = {"k1": FIRST, "k2": SECOND}


class Misskey:
    """One Misskey server through shared/misskey's launcher (its own
    PostgreSQL and Redis under the data folder), on a loopback address,
    port 80."""

    def __init__(self, script, data_dir, host, n):
        self.script, self.data_dir, self.host = script, data_dir, host
        self.domain, self.base = host, f"http://{host}"
        self.log = data_dir + ".log"
        self.proc = None
        # Its own PostgreSQL and Redis ports (launchers starting together
        # would take the same first free one). One process: the job queue
        # beside the API (federation works the same; half the memory).
        self.env = {**os.environ, "MISSKEY_PG_PORT": str(55440 + n),
                    "MISSKEY_REDIS_PORT": str(56390 + n), "MK_DISABLE_CLUSTERING": "1"}

    def _cmd(self, *args):
        return [self.script, self.data_dir, self.host, "80", *args]

    def start(self):
        self.proc = start(self._cmd("server"), self.env, self.log)
        # The first start unpacks Misskey and fetches Node from npm.
        wait_ready(self.proc, f"{self.base}/nodeinfo/2.1", self.log, f"Misskey {self.host}", 600)

    def create_user(self, user):
        """A user made through Misskey's admin API; its token."""
        return run(self._cmd("create-user", user, PASSWORD), f"misskey create-user {user}", self.env).strip()

    def stop(self):
        if self.proc:
            stop(self.proc)
            self.proc = None
        run(self._cmd("db-stop"), "misskey db-stop", self.env, timeout=60)


class MisskeyMembers(suite.Members):
    """Two Misskey servers started once for the whole run (each takes
    10-20 s to start): each backend gets its own demesh origin."""

    features = ("sends_blocked_follow",)

    def __init__(self, folder):
        self.script = os.path.join(folder, "misskey")
        if not os.access(self.script, os.X_OK):
            raise SystemExit(f"misskey suite: no Misskey at {folder} (misskey)")
        self.hosts = {"k1": os.environ.get("MISSKEY_SUITE_K1", "127.0.0.61"),
                      "k2": os.environ.get("MISSKEY_SUITE_K2", "127.0.0.62")}
        self.servers = {}

    def prepare(self, work):
        self.servers = {
            n: Misskey(self.script, os.path.join(work, n), h, i)
            for i, (n, h) in enumerate(self.hosts.items())
        }
        self.apps = {}
        suite.parallel(*(k.start for k in self.servers.values()))
        for name, k in self.servers.items():
            for user in USERS[name]:
                self.apps[user] = MisskeyApp(user, k.base, k.create_user(user))

    def open(self, label, here):
        return self.servers, USERS, self.apps

    def finish(self):
        for k in self.servers.values():
            k.stop()


if __name__ == "__main__":
    sys.exit(suite.main(
        "misskey", __doc__, scenarios.all_scenarios(), MisskeyMembers, "MISSKEY",
        os.environ.get("MISSKEY_SUITE_DEMESH", "127.0.0.70,127.0.0.71").split(","),
        wait=90.0,
    ))
