"""The GoToSocial suite: demesh with members on two real GoToSocial
servers, driven only through the Mastodon client API.
Run it through run.sh (see README.md)."""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time

import scenarios
import scenarios_end
import scenarios_mastodon
import scenarios_mod
import scenarios_rules
from checks import Report, summary
from mastodon import sign_in
from procs import Demesh, Gts
from world import PASSWORD, USERS, World, email

SCENARIOS = [
    ("discover", scenarios.discover),
    ("follow_requested", scenarios.follow_requested),
    ("approve", scenarios.approve),
    ("reject", scenarios.reject),
    ("post", scenarios.post),
    ("reply", scenarios.reply),
    ("edit", scenarios.edit),
    ("delete", scenarios.delete),
    ("post_remove", scenarios.post_remove),
    ("preapproval", scenarios.preapproval),
    ("moderate_by_dm", scenarios_mod.moderate_by_dm),
    ("rules", scenarios_rules.rules),
    ("mastodon_fidelity", scenarios_mastodon.mastodon_fidelity),
    ("profile_update", scenarios_end.profile_update),
    ("leave", scenarios_end.leave),
    ("remove_member", scenarios_end.remove_member),
    ("block", scenarios_end.block),
    ("group_delete", scenarios_end.group_delete),
]


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


def prepare(gts_script, work, hosts):
    """GoToSocial servers with their accounts, made once and copied for
    each backend (account creation runs GoToSocial's CLI, seconds each)."""
    servers = {name: Gts(gts_script, os.path.join(work, f"template-{name}"), host) for name, host in hosts.items()}
    tokens = {}

    def make(name):
        g = servers[name]
        g.start()  # the first start creates the instance application
        g.stop()
        for user in USERS[name]:
            g.admin("account", "create", "--username", user, "--email", email(user), "--password", PASSWORD)
            g.admin("account", "confirm", "--username", user)
        g.start()
        for user in USERS[name]:
            tokens[user] = sign_in(g.base, email(user), PASSWORD)
        g.stop()

    parallel(*(lambda n=n: make(n) for n in servers))
    return servers, tokens


def run_backend(label, database_url, binary, templates, tokens, work, listen, chosen):
    report = Report(label)
    started = time.monotonic()
    here = os.path.join(work, label)
    os.makedirs(here)
    servers = {n: t.copy_to(os.path.join(here, n)) for n, t in templates.items()}
    demesh = Demesh(binary, database_url, listen, os.path.join(here, "demesh.log"))
    try:
        demesh.start()
        parallel(*(g.start for g in servers.values()))
        world = World(demesh, servers, tokens)
        for name, fn in chosen:
            scenario = scenarios.Scenario(name, report)
            try:
                fn(world, scenario)
            except scenarios.Stop:
                pass
            except Exception as e:  # outside a step: still a visible failure
                report.fail(f"{name}: runs", f"error: {e!r}")
    finally:
        demesh.stop()
        for g in servers.values():
            g.stop()
    print(f"{label}: {len(report.passed)} passed, {len(report.failed)} failed in "
          f"{time.monotonic() - started:.0f} s (logs: {here})", flush=True)
    return report


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bin", help="the demesh binary")
    p.add_argument("--gts", help="the shared/gotosocial folder")
    p.add_argument("--db", action="append", default=[], metavar="LABEL=URL",
                   help="a backend to run on: label and an empty database's URL")
    p.add_argument("--only", default=os.environ.get("GTS_ONLY", ""),
                   help="comma-separated scenario names (default: all; env GTS_ONLY)")
    p.add_argument("--list", action="store_true", help="print the scenario names and exit")
    args = p.parse_args()
    names = [n for n, _ in SCENARIOS]
    if args.list:
        print("\n".join(names))
        return 0
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    chosen = [(n, f) for n, f in SCENARIOS if not wanted or n in wanted]
    if not args.bin or not args.gts or not args.db:
        p.error("--bin, --gts and at least one --db are needed")
    script = os.path.join(args.gts, "gts")
    if not os.access(script, os.X_OK) or not os.access(os.path.join(args.gts, "bin", "gotosocial"), os.X_OK):
        print(f"gotosocial suite: no GoToSocial at {args.gts} (gts, bin/gotosocial)", file=sys.stderr)
        return 2
    hosts = {"g1": os.environ.get("GTS_SUITE_G1", "127.0.0.21"), "g2": os.environ.get("GTS_SUITE_G2", "127.0.0.22")}
    listen = os.environ.get("GTS_SUITE_DEMESH", "127.0.0.30") + ":80"
    with tempfile.TemporaryDirectory(prefix="demesh-gts-", dir=os.environ.get("GTS_SUITE_WORK")) as work:
        started = time.monotonic()
        templates, tokens = prepare(script, work, hosts)
        print(f"GoToSocial servers and accounts ready in {time.monotonic() - started:.0f} s", flush=True)
        reports = []
        for spec in args.db:
            label, _, url = spec.partition("=")
            reports.append(run_backend(label, url, args.bin, templates, tokens, work, listen, chosen))
        if os.environ.get("GTS_KEEP_LOGS"):
            shutil.copytree(work, os.environ["GTS_KEEP_LOGS"], dirs_exist_ok=True)
        return 0 if summary(reports) else 1


if __name__ == "__main__":
    sys.exit(main())
