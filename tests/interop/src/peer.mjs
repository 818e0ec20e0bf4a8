// A Fedify peer: a real Fedify federation (MemoryKvStore, private addresses
// allowed, HTTP signature verification on) behind a Node `http` server on
// its own loopback port. Its inbox listeners record every activity Fedify
// accepted; Fedify only calls them after it verified the HTTP signature and
// that the signing key belongs to the activity's actor.

import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
} from "@fedify/fedify";
import { Activity, Endpoints, Person } from "@fedify/vocab";

export class Peer {
  /**
   * @param {string} name label for messages ("A", "B", …)
   * @param {string[]} accounts identifiers of its Person accounts
   * @param {{ firstKnock?: "rfc9421" | "draft-cavage-http-signatures-12" }} [options]
   *   which HTTP signature spec Fedify tries first (Fedify's default: rfc9421)
   */
  constructor(name, accounts, { firstKnock } = {}) {
    this.name = name;
    this.accountNames = accounts;
    this.firstKnock = firstKnock;
    /** identifier → CryptoKeyPair[] */
    this.keys = new Map();
    /** Activities Fedify verified and handed to a listener, in order. */
    this.received = [];
    /** Inbox POSTs Fedify refused to verify (diagnostics only). */
    this.unverified = [];
    /** Every HTTP request the peer served: method, path, status, and for a
     *  POST the activity id and type in its body. */
    this.requests = [];
    this.server = null;
    this.federation = null;
  }

  async start() {
    for (const id of this.accountNames) {
      this.keys.set(id, [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")]);
    }
    this.server = createServer((req, res) => this.#serve(req, res));
    await new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", resolve);
    });
    this.port = this.server.address().port;
    this.host = `127.0.0.1:${this.port}`;
    this.origin = `http://${this.host}`;
    this.federation = this.#buildFederation();
    return this;
  }

  async stop() {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    await new Promise((r) => this.server.close(() => r()));
    this.server = null;
  }

  #buildFederation() {
    const federation = createFederation({
      kv: new MemoryKvStore(),
      origin: this.origin,
      // Loopback http:// peers (demesh) must be reachable: this turns off
      // the SSRF guard in Fedify's document loaders and WebFinger client.
      allowPrivateAddress: true,
      // No `queue`: sendActivity delivers at once and throws if the inbox
      // answers with an error, so a send either landed or failed the test.
      // skipSignatureVerification stays off (the default).
      ...(this.firstKnock ? { firstKnock: this.firstKnock } : {}),
    });

    federation
      .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
        if (!this.keys.has(identifier)) return null;
        const pairs = await ctx.getActorKeyPairs(identifier);
        return new Person({
          id: ctx.getActorUri(identifier),
          preferredUsername: identifier,
          name: `${identifier} (peer ${this.name})`,
          inbox: ctx.getInboxUri(identifier),
          endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
          publicKey: pairs[0].cryptographicKey,
          assertionMethods: pairs.map((p) => p.multikey),
        });
      })
      .setKeyPairsDispatcher((_ctx, identifier) => this.keys.get(identifier) ?? []);

    federation
      .setInboxListeners("/users/{identifier}/inbox", "/inbox")
      // Activity is the base class: every verified activity lands here.
      .on(Activity, async (ctx, activity) => {
        const entry = {
          at: Date.now(),
          inbox: ctx.recipient, // null: the shared inbox
          type: activity.constructor.name,
          id: activity.id?.href ?? null,
          activity,
          json: await activity.toJsonLd(),
        };
        this.received.push(entry);
        if (process.env.INTEROP_VERBOSE) {
          console.log(`      [peer ${this.name} ← ${entry.type}] ${JSON.stringify(entry.json)}`);
        }
      })
      .onUnverifiedActivity((_ctx, activity, reason) => {
        this.unverified.push({
          at: Date.now(),
          id: activity.id?.href ?? null,
          type: activity.constructor.name,
          reason,
        });
      });

    return federation;
  }

  /** Node http → WHATWG Request → federation.fetch → Node http. */
  async #serve(req, res) {
    const entry = { method: req.method, path: req.url, status: 0 };
    this.requests.push(entry);
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
        else if (v != null) headers.set(k, v);
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      if (req.method === "POST") {
        try {
          const doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          entry.activityId = doc.id;
          entry.type = doc.type;
        } catch {
          // not JSON: Fedify will answer it
        }
      }
      const request = new Request(new URL(req.url, this.origin), {
        method: req.method,
        headers,
        body: hasBody ? Buffer.concat(chunks) : undefined,
      });
      const response = await this.federation.fetch(request, { contextData: undefined });
      entry.status = response.status;
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(body);
    } catch (e) {
      entry.status = 500;
      entry.error = String(e?.stack ?? e);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e));
    }
  }

  /** A Fedify Context outside any request (for sending and lookups). */
  context() {
    return this.federation.createContext(new URL(this.origin), undefined);
  }

  actorUri(identifier) {
    return new URL(`/users/${identifier}`, this.origin);
  }

  /** `user@127.0.0.1:PORT`: how demesh's CLI names the account. */
  acct(identifier) {
    return `${identifier}@${this.host}`;
  }

  /** A fresh id on this peer's origin (demesh wants ids on the actor's host). */
  newId(kind) {
    return new URL(`/${kind}/${randomUUID()}`, this.origin);
  }

  /** Signs (RFC 9421 first, draft-cavage on 401) and delivers. */
  async send(identifier, recipient, activity) {
    await this.context().sendActivity({ identifier }, recipient, activity);
  }

  /** The account's first key pair and key id, for hand-signed requests. */
  async keyPair(identifier) {
    const [pair] = await this.context().getActorKeyPairs(identifier);
    return pair;
  }

  /** POSTs that carried the activity `id` (delivery attempts, any inbox). */
  postsOf(id) {
    return this.requests.filter((r) => r.method === "POST" && r.activityId === id);
  }

  /** A point in time: what was received and served before it is "old". */
  mark() {
    return { received: this.received.length, requests: this.requests.length };
  }

  /** Verified activities that reached a listener since `mark`. */
  since(mark) {
    return this.received.slice(mark?.received ?? 0);
  }

  /** Inbox POSTs since `mark`, verified or not. */
  postsSince(mark) {
    return this.requests.slice(mark?.requests ?? 0).filter((r) => r.method === "POST");
  }

  describeReceived(mark) {
    const list = this.since(mark);
    const lines = list.map((r) => `  ${r.type} ${r.id} (inbox ${r.inbox ?? "shared"})`);
    const posts = this.postsSince(mark).map((r) => `  POST ${r.path} ${r.type ?? "?"} ${r.activityId ?? ""} → ${r.status}`);
    const bad = this.unverified.map(
      (u) => `  UNVERIFIED ${u.type} ${u.id}: ${JSON.stringify(u.reason?.type ?? u.reason)}`,
    );
    return [
      `peer ${this.name} received ${list.length} verified activit${list.length === 1 ? "y" : "ies"}:`,
      ...lines,
      `and served ${posts.length} POST(s):`,
      ...posts,
      ...bad,
    ].join("\n");
  }
}
