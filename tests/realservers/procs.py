"""The processes a suite starts (the real servers, demesh), each stopped
on exit, whatever ends the suite; and demesh itself, with its CLI."""

import atexit
import json
import os
import signal
import subprocess
import urllib.request

from checks import Failure, wait_until

_running = []


def _stop_all():
    for proc in list(_running):
        stop(proc)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def start(cmd, env, log_path):
    """Starts `cmd` in its own process group, output to `log_path`."""
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    _running.append(proc)
    return proc


def stop(proc):
    """SIGTERM to the process group it leads, SIGKILL after 10 s."""
    if proc in _running:
        _running.remove(proc)
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def run(cmd, what, env=None, timeout=180):
    """Runs an admin command to its end; its stdout, or SystemExit with
    its output (setup cannot go on without it)."""
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def wait_ready(proc, url, log_path, what, timeout):
    def probe():
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited ({proc.returncode}):\n{tail(log_path)}")
        return http_status(url) == 200

    try:
        wait_until(f"{what} answering {url}", probe, timeout=timeout)
    except Failure as e:
        raise SystemExit(f"{e}\n{tail(log_path)}")


METRICS_TOKEN = "suite-metrics"


class Demesh:
    """`demesh serve` on a production-like origin without a port (see
    shared/gotosocial/README.md: GoToSocial needs it; Misskey checks the
    Host header against the origin), and its CLI on the same database."""

    def __init__(self, binary, database_url, listen, log):
        self.binary, self.log, self.proc = binary, log, None
        host = listen.split(":")[0]
        self.domain = host
        self.base = f"http://{host}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DEMESH_CONFIG"},
            "DATABASE_URL": database_url,
            "DEMESH_LISTEN": listen,
            "DEMESH_BASE_URL": self.base,
            "DEMESH_ALLOW_PRIVATE_NETWORKS": "true",
            "DEMESH_METRICS_TOKEN": METRICS_TOKEN,
            "RUST_LOG": os.environ.get("RUST_LOG", "info"),
        }

    def start(self):
        self.cli("migrate")
        self.proc = start([self.binary, "serve"], self.env, self.log)
        wait_ready(self.proc, f"{self.base}/healthz", self.log, "demesh", 60)

    def stop(self):
        if self.proc:
            stop(self.proc)
            self.proc = None

    def log_count(self, needle):
        """How many lines of demesh's log contain `needle` (what an admin
        reads where the CLI has nothing to show)."""
        try:
            with open(self.log, errors="replace") as f:
                return sum(needle in line for line in f)
        except OSError:
            return 0

    def metric(self, series):
        """The value of one /metrics series (name with its labels), 0 when
        it is not there yet."""
        req = urllib.request.Request(f"{self.base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            for line in resp.read().decode().splitlines():
                name, _, value = line.rpartition(" ")
                if name == series:
                    return float(value)
        return 0.0

    def cli(self, *args):
        """Runs `demesh ARGS`; its stdout, or Failure with its stderr."""
        done = subprocess.run(
            [self.binary, *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise Failure(f"demesh {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
        return done.stdout

    def cli_json(self, *args):
        out = self.cli(*args, "--json")
        try:
            return json.loads(out)
        except ValueError:
            raise Failure(f"demesh {' '.join(args)} --json printed non-JSON: {out[:300]}")

