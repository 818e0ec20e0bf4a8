"""A member's phone app: the Mastodon client API of a GoToSocial server,
signed in through the OAuth out-of-band flow (shared/gotosocial/README.md)."""

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request

from checks import Failure

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = "read write follow"


class _Session:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def send(self, method, path, form=None, headers=None):
        """(status, final URL, body text); HTTP errors are answers too."""
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, resp.geturl(), resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode(errors="replace")


def sign_in(base, email, password):
    """An access token for the account, as an app gets one."""
    s = _Session(base)
    status, _, body = s.send(
        "POST", "/api/v1/apps", {"client_name": "demesh-suite", "redirect_uris": OOB, "scopes": SCOPES}
    )
    if status != 200:
        raise SystemExit(f"{base}: POST /api/v1/apps answered {status}: {body[:300]}")
    app = json.loads(body)
    query = urllib.parse.urlencode(
        {"client_id": app["client_id"], "redirect_uri": OOB, "response_type": "code", "scope": SCOPES}
    )
    s.send("GET", "/oauth/authorize?" + query)
    status, _, body = s.send("POST", "/auth/sign_in", {"username": email, "password": password})
    if status != 200:
        raise SystemExit(f"{base}: sign in as {email} answered {status}: {body[:300]}")
    s.send("GET", "/oauth/authorize?" + query)
    _, url, body = s.send("POST", "/oauth/authorize?" + query, {})
    found = re.findall(r"code=([A-Za-z0-9]+)", url) or re.findall(r"\b[A-Z0-9]{20,}\b", body)
    if not found:
        raise SystemExit(f"{base}: no authorization code for {email} at {url}")
    status, _, body = s.send(
        "POST",
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": found[0],
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": OOB,
            "scope": SCOPES,
        },
    )
    if status != 200:
        raise SystemExit(f"{base}: /oauth/token for {email} answered {status}: {body[:300]}")
    return json.loads(body)["access_token"]


class App:
    """One signed-in account, used only through the client API."""

    def __init__(self, name, base, token):
        self.name, self.base = name, base
        self.session = _Session(base)
        self.auth = {"Authorization": f"Bearer {token}"}

    def call(self, method, path, form=None, ok=(200,)):
        status, _, body = self.session.send(method, path, form, self.auth)
        if status not in ok:
            raise Failure(f"{self.name}: {method} {path} answered {status}: {body[:200]}")
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            raise Failure(f"{self.name}: {method} {path} answered non-JSON: {body[:200]}")

    def get(self, path, **query):
        q = "?" + urllib.parse.urlencode(query, doseq=True) if query else ""
        return self.call("GET", path + q)[1]

    def lookup(self, acct):
        """The local account of `acct` (resolved remotely), or None."""
        found = self.get("/api/v2/search", q=f"@{acct}", resolve="true", type="accounts")
        accounts = [a for a in found.get("accounts", []) if a["acct"].lower() == acct.lower()]
        return accounts[0] if accounts else None

    def account(self, account_id):
        """The account, or None once this server no longer has it."""
        status, body = self.call("GET", f"/api/v1/accounts/{account_id}", ok=(200, 404, 410))
        return body if status == 200 else None

    def follow(self, account_id):
        return self.call("POST", f"/api/v1/accounts/{account_id}/follow")[1]

    def unfollow(self, account_id):
        return self.call("POST", f"/api/v1/accounts/{account_id}/unfollow")[1]

    def relationship(self, account_id):
        rels = self.get("/api/v1/accounts/relationships", **{"id[]": account_id})
        if not rels:
            raise Failure(f"{self.name}: no relationship with {account_id}")
        return rels[0]

    def post(self, text, visibility="direct", in_reply_to=None):
        form = {"status": text, "visibility": visibility}
        if in_reply_to:
            form["in_reply_to_id"] = in_reply_to
        return self.call("POST", "/api/v1/statuses", form)[1]

    def edit(self, status_id, text):
        return self.call("PUT", f"/api/v1/statuses/{status_id}", {"status": text})[1]

    def delete(self, status_id):
        return self.call("DELETE", f"/api/v1/statuses/{status_id}")[1]

    def status(self, status_id):
        """The status as this account sees it, or None when gone."""
        status, body = self.call("GET", f"/api/v1/statuses/{status_id}", ok=(200, 404, 410))
        return body if status == 200 else None

    def home(self):
        return self.get("/api/v1/timelines/home", limit=40)

    def in_home(self, marker, by=None):
        """The first home-timeline status whose text has `marker` (and,
        with `by`, whose account is that acct), or None."""
        for s in self.home():
            if marker in s.get("content", "") and (by is None or s["account"]["acct"] == by):
                return s
        return None

    def mention_notification(self, text):
        """The first mention notification whose status has `text`, or None
        (what the app shows under Notifications)."""
        for n in self.get("/api/v1/notifications", limit=40):
            status = n.get("status") or {}
            if n.get("type") == "mention" and text in status.get("content", ""):
                return n
        return None
