"""GoToSocial servers, run through the `gts` script of shared/gotosocial."""

import os
import shutil

from procs import run, start, stop, wait_ready


class Gts:
    """One GoToSocial server, run through the `gts` script of
    shared/gotosocial on its own data directory and loopback address."""

    # Every check polls; GoToSocial's default limit (300 requests in
    # 5 minutes per address) would throttle the suite, all on 127.0.0.1.
    ENV = {"GTS_ADVANCED_RATE_LIMIT_REQUESTS": "0", "GTS_ADVANCED_THROTTLING_MULTIPLIER": "0"}

    def __init__(self, script, data_dir, host, port=8080):
        self.script, self.data_dir, self.host, self.port = script, data_dir, host, port
        self.domain = f"{host}:{port}"
        self.base = f"http://{self.domain}"
        self.log = os.path.join(data_dir + ".log")
        self.proc = None
        self.env = {**os.environ, **self.ENV}

    def _cmd(self, *args):
        return [self.script, self.data_dir, self.host, str(self.port), *args]

    def admin(self, *args):
        run(self._cmd("admin", *args), f"gotosocial admin {' '.join(args)}", self.env)

    def start(self):
        self.proc = start(self._cmd("server", "start"), self.env, self.log)
        wait_ready(self.proc, f"{self.base}/api/v1/instance", self.log, f"GoToSocial {self.domain}", 180)

    def stop(self):
        if self.proc:
            stop(self.proc)
            self.proc = None

    def copy_to(self, data_dir):
        """A stopped server's data, copied: its config names its own
        directory, so the copy's config is rewritten to name the copy."""
        shutil.copytree(self.data_dir, data_dir)
        config = os.path.join(data_dir, "config.yaml")
        with open(config) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(text.replace(os.path.abspath(self.data_dir), os.path.abspath(data_dir)))
        return Gts(self.script, data_dir, self.host, self.port)


