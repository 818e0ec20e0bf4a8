"""A member's phone app on a server with the Mastodon client API
(GoToSocial, Mitra), signed in as an app signs in: the OAuth out-of-band
flow (GoToSocial) or the password grant (Mitra)."""

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

    def send(self, method, path, form=None, headers=None, body=None):
        """(status, final URL, body text); HTTP errors are answers too.
        `body`: a JSON body instead of a form."""
        headers = dict(headers or {})
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, resp.geturl(), resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode(errors="replace")


def _register_app(s):
    status, _, body = s.send(
        "POST", "/api/v1/apps", {"client_name": "demesh-suite", "redirect_uris": OOB, "scopes": SCOPES}
    )
    if status != 200:
        raise SystemExit(f"{s.base}: POST /api/v1/apps answered {status}: {body[:300]}")
    return json.loads(body)


def sign_in_password(base, username, password):
    """An access token through the password grant (Mitra's README)."""
    s = _Session(base)
    app = _register_app(s)
    form = {
        "grant_type": "password",
        "username": username,
        "password": password,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "scope": SCOPES,
    }
    status, _, body = s.send("POST", "/oauth/token", form)
    if status != 200:
        raise SystemExit(f"{base}: /oauth/token for {username} answered {status}: {body[:300]}")
    return json.loads(body)["access_token"]


def sign_in(base, email, password):
    """An access token for the account, as an app gets one."""
    s = _Session(base)
    app = _register_app(s)
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

    def call(self, method, path, form=None, ok=(200,), body=None):
        status, _, body = self.session.send(method, path, form, self.auth, body)
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
        # No `type`: with type=accounts Mitra searches only what it knows.
        found = self.get("/api/v2/search", q=f"@{acct}", resolve="true")
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
        # JSON: Mitra refuses a form body here.
        return self.call("PUT", f"/api/v1/statuses/{status_id}", body={"status": text})[1]

    def react(self, status_id):
        """A favourite (sent as a `Like`)."""
        return self.call("POST", f"/api/v1/statuses/{status_id}/favourite")[1]

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

    def mentions(self, needle, by=None):
        """The statuses of mention notifications whose text has `needle`
        (and, with `by`, whose account is that acct), newest first: what
        the app shows under Notifications."""
        found = self.get("/api/v1/notifications", **{"types[]": "mention", "limit": 40})
        return [
            n["status"]
            for n in found
            if n.get("type") == "mention"
            and n.get("status")
            and needle in n["status"].get("content", "")
            and (by is None or n["account"]["acct"] == by)
        ]
