"""Checks that print one PASS/FAIL line each and keep going, and polling
with deadlines instead of fixed sleeps."""

import os
import sys
import time
import traceback


# The default deadline of one check, in seconds: each suite sets it
# (settings.wait) to what its server needs (Misskey's job queue is slow).
WAIT = {"default": 30.0}


class Failure(Exception):
    """What a user would see go wrong (the reason of a FAIL line)."""


def wait_until(what, probe, timeout=None, interval=0.25):
    """Calls `probe` until it returns something truthy and returns that;
    raises Failure naming `what` (and the last value seen) at the deadline.
    `probe` may raise Failure meaning "not yet". Without `timeout`: the
    suite's default wait."""
    if timeout is None:
        timeout = WAIT["default"]
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = probe()
            if value:
                return value
            last = value
        except Failure as e:
            last = str(e)
        if time.monotonic() >= deadline:
            raise Failure(f"{what}: not within {timeout:.0f} s (last seen: {str(last)[:300]})")
        time.sleep(interval)


def stays_false(probe, seconds):
    """True when `probe` stays falsy for `seconds` (for "never happens"
    checks, after something that would have happened at the same time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if probe():
            return False
        time.sleep(0.25)
    return not probe()


def expect(cond, message):
    if not cond:
        raise Failure(message)


class Report:
    """Collects results; `prefix` names the backend in every line."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.passed = []
        self.failed = []

    def check(self, name, fn):
        """Runs one check: PASS, or FAIL with the reason. Returns
        (ok, value)."""
        full = f"{self.prefix}/{name}"
        started = time.monotonic()
        try:
            value = fn()
        except Failure as e:
            self._fail(full, str(e), started)
            return False, None
        except Exception as e:  # a bug in the suite or a dead server
            detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            self._fail(full, f"error: {detail}", started)
            if "GTS_DEBUG" in os.environ or "SUITE_DEBUG" in os.environ:
                traceback.print_exc()
            return False, None
        took = time.monotonic() - started
        print(f"PASS {full} ({took:.1f} s)", flush=True)
        self.passed.append(full)
        return True, value

    def fail(self, name, reason):
        self._fail(f"{self.prefix}/{name}", reason, time.monotonic())

    def _fail(self, full, reason, started):
        took = time.monotonic() - started
        print(f"FAIL {full} ({took:.1f} s): {reason}", flush=True)
        self.failed.append(full)


def summary(reports):
    passed = sum(len(r.passed) for r in reports)
    failed = [n for r in reports for n in r.failed]
    print(f"\n{passed} passed, {len(failed)} failed", flush=True)
    for name in failed:
        print(f"  failed: {name}", file=sys.stderr)
    return not failed
