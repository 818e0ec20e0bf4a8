"""The driver every real-server suite shares: arguments, one run of the
chosen scenarios per database backend against a fresh demesh, PASS/FAIL
lines and the summary. A suite brings its member servers (`Members`) and
its scenario list; see tests/gotosocial/main.py for one."""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time

import checks
from checks import Report, summary
from procs import Demesh
from scenarios import Scenario, Stop
from world import World


def parallel(*fns):
    """Runs each function in a thread; re-raises the first failure."""
    errors = []

    def run(fn):
        try:
            fn()
        except BaseException as e:  # SystemExit from a failed setup too
            errors.append(e)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


class Members:
    """The member servers of a suite. `prepare` makes them and their
    accounts once per run; `open(label, here)` gives, for one backend,
    (servers, users, apps) ready to use, and `close(label)` ends that
    backend's use; `finish()` stops whatever is still running."""

    features = ()

    def prepare(self, work):
        raise NotImplementedError

    def open(self, label, here):
        raise NotImplementedError

    def close(self, label):
        pass

    def finish(self):
        pass


def run_backend(label, database_url, binary, members, work, listen, chosen):
    report = Report(label)
    started = time.monotonic()
    here = os.path.join(work, label)
    os.makedirs(here)
    demesh = Demesh(binary, database_url, listen, os.path.join(here, "demesh.log"))
    try:
        demesh.start()
        servers, users, apps = members.open(label, here)
        world = World(demesh, servers, users, apps, members.features)
        for name, fn in chosen:
            scenario = Scenario(name, report)
            try:
                fn(world, scenario)
            except Stop:
                pass
            except Exception as e:  # outside a step: still a visible failure
                report.fail(f"{name}: runs", f"error: {e!r}")
    finally:
        demesh.stop()
        members.close(label)
    print(f"{label}: {len(report.passed)} passed, {len(report.failed)} failed in "
          f"{time.monotonic() - started:.0f} s (logs: {here})", flush=True)
    return report


def main(name, doc, scenarios, members_of, prefix, demesh_hosts, wait=30.0):
    """`members_of(server_dir)`: the suite's Members; `prefix`: its
    environment variables' prefix (PREFIX_ONLY, PREFIX_KEEP_LOGS);
    `demesh_hosts`: demesh's address for each backend in turn (one each
    when the member servers outlive a backend, so their cached group is
    never another backend's); `wait`: a check's default deadline."""
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--bin", help="the demesh binary")
    p.add_argument("--server", help=f"the shared/{name} folder")
    p.add_argument("--db", action="append", default=[], metavar="LABEL=URL",
                   help="a backend to run on: label and an empty database's URL")
    p.add_argument("--only", default=os.environ.get(f"{prefix}_ONLY", ""),
                   help=f"comma-separated scenario names (default: all; env {prefix}_ONLY)")
    p.add_argument("--list", action="store_true", help="print the scenario names and exit")
    args = p.parse_args()
    names = [n for n, _ in scenarios]
    if args.list:
        print("\n".join(names))
        return 0
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    chosen = [(n, f) for n, f in scenarios if not wanted or n in wanted]
    if not args.bin or not args.server or not args.db:
        p.error("--bin, --server and at least one --db are needed")
    checks.WAIT["default"] = float(os.environ.get(f"{prefix}_WAIT", wait))
    members = members_of(args.server)
    with tempfile.TemporaryDirectory(prefix=f"demesh-{name}-", dir=os.environ.get("SUITE_WORK")) as work:
        # Real servers' own PostgreSQL runs as the postgres user when we
        # are root: it must reach their data folders.
        os.chmod(work, 0o755)
        started = time.monotonic()
        try:
            members.prepare(work)
            print(f"{name} servers and accounts ready in {time.monotonic() - started:.0f} s", flush=True)
            reports = []
            for i, spec in enumerate(args.db):
                label, _, url = spec.partition("=")
                listen = demesh_hosts[i % len(demesh_hosts)] + ":80"
                reports.append(run_backend(label, url, args.bin, members, work, listen, chosen))
        finally:
            members.finish()
            if os.environ.get(f"{prefix}_KEEP_LOGS"):
                shutil.copytree(work, os.environ[f"{prefix}_KEEP_LOGS"], dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("*.sock", "pg", "redis"))
        print(f"{name} suite: {time.monotonic() - started:.0f} s in all", flush=True)
        return 0 if summary(reports) else 1
