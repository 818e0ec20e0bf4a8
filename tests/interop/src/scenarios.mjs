// The interop scenarios, in order, against one demesh and three Fedify
// peers:  A (alice, dave, erin), B (bob), C (mallory, a stranger).
// Each returns nothing and throws on failure.

import assert from "node:assert/strict";
import { signRequest } from "@fedify/fedify";
import {
  Accept,
  Block,
  Create,
  Delete,
  Follow,
  Group,
  Mention,
  Note,
  Reject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { moderationScenarios } from "./moderation.mjs";
import { sleep, waitFor } from "./runner.mjs";

const GROUP = "club";
/** How long "nothing arrives" is watched for. */
const QUIET_MS = 2500;

/**
 * @param {{ demesh: import("./demesh.mjs").Demesh,
 *           A: import("./peer.mjs").Peer, B: import("./peer.mjs").Peer,
 *           C: import("./peer.mjs").Peer }} env
 */
export function scenarios({ demesh, A, B, C }) {
  const groupUrl = demesh.groupUrl(GROUP);
  const followersUrl = `${groupUrl}/followers`;
  const handle = `${GROUP}@${demesh.host}`;
  /** What earlier scenarios learnt and later ones use. */
  const s = { group: null, follows: {}, posts: {} };

  // ---- helpers ---------------------------------------------------------

  /** The group actor as Fedify sees it (resolved by the webfinger scenario,
   *  or here if that one failed, so one failure does not hide the rest). */
  async function group() {
    if (!s.group) {
      const g = await A.context().lookupObject(groupUrl);
      assert.ok(g instanceof Group, `cannot resolve the group actor ${groupUrl}: got ${g?.constructor?.name ?? g}`);
      s.group = g;
    }
    return s.group;
  }

  async function follow(peer, who) {
    const f = new Follow({
      id: peer.newId("follows"),
      actor: peer.actorUri(who),
      object: new URL(groupUrl),
    });
    await peer.send(who, await group(), f);
    s.follows[`${peer.name}:${who}`] = f;
    return f;
  }

  /** First activity after `mark` on `peer` matching `pred`. */
  function arrival(peer, mark, what, pred, timeoutMs = 10_000) {
    return waitFor(`${what} at peer ${peer.name}`, () => peer.since(mark).find(pred), {
      timeoutMs,
      describe: () => peer.describeReceived(mark) + `\n--- demesh log tail ---\n${demesh.tail(15)}`,
    });
  }

  const fromGroup = (Type) => (r) =>
    r.activity instanceof Type && r.activity.actorId?.href === groupUrl;

  /** A member post as Mastodon sends a "mentioned people only" one. */
  function memberNote(peer, who, text, { id, inReplyTo, updated } = {}) {
    return new Note({
      id: id ?? peer.newId("notes"),
      attribution: peer.actorUri(who),
      tos: [new URL(groupUrl), new URL(followersUrl)],
      replyTarget: inReplyTo ? new URL(inReplyTo) : null,
      content: `<p><span class="h-card"><a href="${groupUrl}" class="u-url mention">@<span>${GROUP}</span></a></span> ${text}</p>`,
      tags: [new Mention({ href: new URL(groupUrl), name: `@${handle}` })],
      published: Temporal.Now.instant(),
      updated: updated ?? null,
    });
  }

  async function post(peer, who, text, opts = {}) {
    const note = memberNote(peer, who, text, opts);
    const create = new Create({
      id: peer.newId("activities"),
      actor: peer.actorUri(who),
      tos: note.toIds,
      object: note,
    });
    await peer.send(who, await group(), create);
    return note;
  }

  const postList = () => demesh.cliJson("post", "list", GROUP);
  const requestList = () => demesh.cliJson("request", "list", "--group", GROUP);
  const memberList = () => demesh.cliJson("member", "list", GROUP);
  /** Whether a `member list` / `request list` row names that account. */
  const hasActor = (list, peer, who) => list.some((m) => m.actor === peer.actorUri(who).href);

  /** The group's Note inside a received Create/Update (embedded, same origin). */
  async function noteOf(received) {
    const obj = await received.activity.getObject();
    assert.ok(obj instanceof Note, `expected a Note, got ${obj?.constructor?.name}`);
    return obj;
  }

  function contentOf(note) {
    return String(note.content ?? "");
  }

  async function assertQuiet(peers, marks, what) {
    await sleep(QUIET_MS);
    peers.forEach((p, i) => {
      // Nothing verified, and no delivery attempt at all (even a refused one).
      const quiet = p.since(marks[i]).length === 0 && p.postsSince(marks[i]).length === 0;
      assert.ok(quiet, `${what}: peer ${p.name} was sent something:\n${p.describeReceived(marks[i])}`);
    });
  }

  // ---- scenarios -------------------------------------------------------

  return [
    {
      name: "webfinger",
      fn: async () => {
        const ctx = A.context();
        // Fedify's own handle lookup: WebFinger (over https, through the
        // TLS front as in production) and then the actor.
        const viaAcct = await ctx.lookupObject(`@${handle}`);
        assert.ok(viaAcct instanceof Group, `lookupObject("@${handle}") gave ${viaAcct?.constructor?.name ?? viaAcct}`);
        assert.equal(viaAcct.id?.href, groupUrl, "the handle resolves to the group actor");
        const byAcct = await ctx.lookupWebFinger(`acct:${handle}`);
        assert.equal(byAcct?.subject, `acct:${handle}`, "Fedify lookupWebFinger(acct:) subject");

        const res = await fetch(
          `${demesh.baseUrl}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${handle}`)}`,
        );
        assert.equal(res.status, 200, "WebFinger acct: lookup status");
        const acctJrd = await res.json();
        assert.equal(acctJrd.subject, `acct:${handle}`);

        // Fedify's own WebFinger client, with the actor URL as the resource.
        const jrd = await ctx.lookupWebFinger(groupUrl);
        assert.ok(jrd, "Fedify lookupWebFinger(group actor URL) returned null");
        assert.equal(jrd.subject, `acct:${handle}`, "JRD subject");
        const self = jrd.links?.find((l) => l.rel === "self" && l.type === "application/activity+json");
        assert.equal(self?.href, groupUrl, "JRD self link");
        const acctSelf = acctJrd.links?.find((l) => l.rel === "self");
        assert.equal(acctSelf?.href, groupUrl, "acct: JRD self link");

        const actor = await ctx.lookupObject(self.href);
        assert.ok(actor instanceof Group, `lookupObject gave ${actor?.constructor?.name}, not Group`);
        s.group = actor;
        assert.equal(actor.id?.href, groupUrl);
        assert.equal(actor.manuallyApprovesFollowers, true, "manuallyApprovesFollowers");
        assert.equal(actor.preferredUsername, GROUP);
        assert.equal(actor.inboxId?.href, `${groupUrl}/inbox`);
        assert.equal(actor.endpoints?.sharedInbox?.href, `${demesh.baseUrl}/inbox`);
        assert.equal(actor.followersId?.href, followersUrl);
        const key = await actor.getPublicKey();
        assert.ok(key?.id, "the group has a publicKey");
      },
    },

    {
      name: "follow → pending → approve",
      fn: async () => {
        const mark = A.mark();
        const f = await follow(A, "alice");
        const pending = await waitFor("alice in `request list`", async () =>
          (await requestList()).find((r) => r.actor === A.actorUri("alice").href),
        );
        assert.equal(pending.follow_id, f.id.href, "request's follow_id");
        assert.equal(pending.account.replace(/^@/, ""), A.acct("alice"), "request's account");
        assert.equal(pending.group, GROUP);
        assert.ok(!hasActor(await memberList(), A, "alice"), "alice is a member before approval");
        assert.equal(A.since(mark).filter((r) => r.activity instanceof Accept).length, 0, "Accept before approval");

        await demesh.cli("member", "approve", GROUP, A.acct("alice"));
        const got = await arrival(A, mark, "the group's Accept", fromGroup(Accept));
        assert.equal(got.activity.objectId?.href, f.id.href, "Accept's object is alice's Follow");
        assert.ok(hasActor(await memberList(), A, "alice"), "alice in `member list`");
        assert.ok(!(await requestList()).some((r) => r.actor === A.actorUri("alice").href), "still pending");
      },
    },

    {
      name: "reject",
      fn: async () => {
        const mark = A.mark();
        const f = await follow(A, "dave");
        await waitFor("dave in `request list`", async () =>
          (await requestList()).some((r) => r.actor === A.actorUri("dave").href),
        );
        await demesh.cli("member", "reject", GROUP, A.acct("dave"));
        const got = await arrival(A, mark, "the group's Reject", fromGroup(Reject));
        assert.equal(got.activity.objectId?.href, f.id.href, "Reject's object is dave's Follow");
        assert.ok(!hasActor(await memberList(), A, "dave"), "dave in `member list`");
        assert.ok(!(await requestList()).some((r) => r.actor === A.actorUri("dave").href), "dave still pending");
        assert.ok(!A.since(mark).some(fromGroup(Accept)), "dave got an Accept");
      },
    },

    {
      name: "post",
      fn: async () => {
        // bob joins through a pre-approval: his Follow is accepted at once.
        await demesh.cli("member", "allow", GROUP, B.acct("bob"));
        const bm = B.mark();
        const f = await follow(B, "bob");
        const acc = await arrival(B, bm, "the group's Accept for bob", fromGroup(Accept));
        assert.equal(acc.activity.objectId?.href, f.id.href);

        const before = (await postList()).length;
        const mA = A.mark();
        const mB = B.mark();
        const text = `hello club ${Date.now()}`;
        const original = await post(A, "alice", text);

        const got = await arrival(B, mB, "the group's Create", fromGroup(Create));
        const create = got.activity;
        assert.deepEqual(create.toIds.map(String), [followersUrl], "Create `to`");
        assert.deepEqual(create.ccIds.map(String), [], "Create `cc`");
        const note = await noteOf(got);
        assert.ok(note.id?.href.startsWith(`${groupUrl}/posts/`), `group note id ${note.id}`);
        assert.notEqual(note.id?.href, original.id.href);
        assert.equal(note.attributionId?.href, groupUrl, "note attributedTo");
        assert.deepEqual(note.toIds.map(String), [followersUrl], "note `to`");
        const content = contentOf(note);
        assert.ok(
          content.startsWith(`<p><a href="${A.actorUri("alice").href}"`),
          `content does not start with a link to alice: ${content}`,
        );
        assert.ok(content.includes(A.acct("alice")), `content does not name alice: ${content}`);
        assert.ok(content.includes(text), `content lost the text: ${content}`);
        assert.ok(note.contextIds.length === 1, "note has a context");

        // alice's server is a member server too.
        const atA = await arrival(A, mA, "the group's Create", (r) => fromGroup(Create)(r) && r.id === got.id);
        assert.ok(atA);
        // One delivery per member server, to the shared inbox each advertises.
        for (const peer of [A, B]) {
          const posts = peer.postsOf(got.id);
          assert.deepEqual(
            posts.map((p) => `${p.path} ${p.status}`),
            ["/inbox 202"],
            `deliveries of the Create to peer ${peer.name}`,
          );
        }

        const posts = await postList();
        assert.equal(posts.length, before + 1, "`post list` grew by one");
        const row = posts.find((p) => p.note === note.id.href);
        assert.ok(row, "`post list` has the group note");
        assert.equal(row.original, original.id.href, "post list `original`");
        assert.equal(row.author, A.actorUri("alice").href, "post list `author`");
        assert.equal(row.in_reply_to, null, "post list `in_reply_to`");
        assert.equal(row.deleted, false, "post list `deleted`");
        s.posts.first = { original, note, create, number: row.number };
      },
    },

    {
      name: "reply",
      fn: async () => {
        const parent = s.posts.first;
        assert.ok(parent, "no parent post (post scenario failed)");
        const mA = A.mark();
        const mB = B.mark();
        const text = `a reply ${Date.now()}`;
        const original = await post(B, "bob", text, { inReplyTo: parent.note.id.href });
        // (alice's reply notice, a direct message, may come first.)
        const got = await arrival(A, mA, "the group's Create of the reply", (r) =>
          fromGroup(Create)(r) && r.activity.toIds.some((t) => t.href === followersUrl),
        );
        const note = await noteOf(got);
        assert.ok(note.id?.href.startsWith(`${groupUrl}/posts/`));
        assert.equal(note.replyTargetId?.href, parent.note.id.href, "inReplyTo is the group's copy");
        assert.deepEqual(
          note.contextIds.map(String),
          parent.note.contextIds.map(String),
          "same context as the parent",
        );
        assert.deepEqual(got.activity.toIds.map(String), [followersUrl]);
        assert.ok(contentOf(note).includes(B.actorUri("bob").href), "reply credits bob");
        assert.ok(contentOf(note).includes(text));
        const row = (await postList()).find((p) => p.note === note.id.href);
        assert.ok(row, "`post list` has the reply");
        assert.equal(row.in_reply_to, parent.number, "post list `in_reply_to` is the parent's number");
        // Issue #23: the copy mentions nobody; alice (the parent's author)
        // is told by a direct message from the group, bob is not.
        for await (const tag of note.getTags()) {
          assert.ok(!(tag instanceof Mention), `the reply's copy carries a Mention: ${tag.href}`);
        }
        const notice = await arrival(A, mA, "alice's reply notice", (r) =>
          fromGroup(Create)(r) && r.activity.toIds.some((t) => t.href === A.actorUri("alice").href),
        );
        const noticeText = contentOf(await noteOf(notice));
        assert.ok(noticeText.includes("replied to your post") && noticeText.includes(note.id.href), noticeText);
        assert.ok(
          !B.since(mB).some((r) => fromGroup(Create)(r) && r.activity.toIds.some((t) => t.href === B.actorUri("bob").href)),
          "the replier got a notice",
        );
        s.posts.reply = { original, note };
      },
    },

    {
      name: "edit and delete",
      fn: async () => {
        const first = s.posts.first;
        assert.ok(first, "no post to edit (post scenario failed)");
        const groupNoteId = first.note.id.href;

        // Edit.
        let mB = B.mark();
        const edited = `edited text ${Date.now()}`;
        const note = memberNote(A, "alice", edited, {
          id: first.original.id,
          updated: Temporal.Now.instant(),
        });
        await A.send(
          "alice",
          await group(),
          new Update({ id: A.newId("activities"), actor: A.actorUri("alice"), tos: note.toIds, object: note }),
        );
        const upd = await arrival(B, mB, "the group's Update", fromGroup(Update));
        const unote = await noteOf(upd);
        assert.equal(unote.id?.href, groupNoteId, "Update keeps the group note id");
        assert.ok(contentOf(unote).includes(edited), `edited content missing: ${contentOf(unote)}`);
        assert.ok(unote.updated, "Update's note has `updated`");
        const published = first.note.published;
        assert.ok(
          published && Temporal.Instant.compare(unote.updated, published) > 0,
          `updated ${unote.updated} is not after published ${published}`,
        );
        assert.deepEqual(upd.activity.toIds.map(String), [followersUrl]);

        // Delete.
        mB = B.mark();
        await A.send(
          "alice",
          await group(),
          new Delete({
            id: A.newId("activities"),
            actor: A.actorUri("alice"),
            tos: note.toIds,
            object: new Tombstone({ id: first.original.id }),
          }),
        );
        const del = await arrival(B, mB, "the group's Delete", fromGroup(Delete));
        assert.equal(del.activity.objectId?.href, groupNoteId, "Delete's object is the group note");
        const row = (await postList()).find((p) => p.note === groupNoteId);
        assert.ok(row?.deleted, "`post list` marks the post deleted");
      },
    },

    {
      name: "remove",
      fn: async () => {
        const bobFollow = s.follows["B:bob"];
        assert.ok(bobFollow, "bob never followed (post scenario failed)");
        let mB = B.mark();
        await demesh.cli("member", "remove", GROUP, B.acct("bob"));
        const rej = await arrival(B, mB, "the group's Reject", fromGroup(Reject));
        assert.equal(rej.activity.objectId?.href, bobFollow.id.href, "Reject's object is bob's Follow");
        // Then the group's Block of bob (servers that ignore a Reject of an
        // accepted follow drop it on a Block), and only after that its
        // Undo: a removal is no ban.
        const blk = await arrival(B, mB, "the group's Block", fromGroup(Block));
        assert.equal(blk.activity.objectId?.href, String(B.actorUri("bob")), "the Block's object is bob");
        const undo = await arrival(B, mB, "the group's Undo{Block}", fromGroup(Undo));
        assert.equal(undo.activity.objectId?.href, blk.activity.id?.href, "the Undo's object is the Block");
        const order = [rej, blk, undo].map((r) => B.since(mB).indexOf(r));
        assert.deepEqual(order, [...order].sort((a, b) => a - b), "Reject, Block, Undo arrive in that order");
        assert.ok(!hasActor(await memberList(), B, "bob"), "bob still in `member list`");

        const mA = A.mark();
        mB = B.mark();
        const text = `after bob left ${Date.now()}`;
        const original = await post(A, "alice", text);
        const got = await arrival(A, mA, "the group's Create", fromGroup(Create));
        const note = await noteOf(got);
        assert.ok(contentOf(note).includes(text));
        await assertQuiet([B], [mB], "after `member remove`");
        s.posts.afterRemove = { original, note };
      },
    },

    {
      name: "non-member",
      fn: async () => {
        const before = (await postList()).length;
        const marks = [A.mark(), B.mark(), C.mark()];
        await post(C, "mallory", `let me in ${Date.now()}`);
        await assertQuiet([A, B, C], marks, "after a stranger's post");
        assert.equal((await postList()).length, before, "`post list` grew");
      },
    },

    {
      name: "signed fetch",
      fn: async () => {
        const target = s.posts.afterRemove ?? s.posts.reply;
        assert.ok(target, "no live group note to fetch (earlier scenarios failed)");
        const url = target.note.id.href;

        const ctxA = A.context();
        const asAlice = await ctxA.getDocumentLoader({ identifier: "alice" });
        const got = await ctxA.lookupObject(url, { documentLoader: asAlice });
        assert.ok(got instanceof Note, `member's signed GET gave ${got?.constructor?.name ?? got}`);
        assert.equal(got.id?.href, url);
        assert.equal(got.attributionId?.href, groupUrl);

        const ctxC = C.context();
        const asMallory = await ctxC.getDocumentLoader({ identifier: "mallory" });
        const denied = await ctxC.lookupObject(url, { documentLoader: asMallory }).catch((e) => e);
        assert.ok(
          denied === null || denied instanceof Error,
          `stranger's signed GET returned ${denied?.constructor?.name}`,
        );

        // And a plain GET with no signature at all: 404.
        const res = await fetch(url, { headers: { accept: "application/activity+json" } });
        assert.equal(res.status, 404, "unsigned GET of a group note");
      },
    },

    {
      name: "rfc9421 first knock",
      note: "an RFC 9421-only signed POST: 401 here means demesh verifies draft-cavage only",
      fn: async () => {
        const who = "erin";
        const f = new Follow({
          id: A.newId("follows"),
          actor: A.actorUri(who),
          object: new URL(groupUrl),
        });
        const body = JSON.stringify(await f.toJsonLd({ format: "compact" }));
        const { privateKey, keyId } = await A.keyPair(who);
        const unsigned = new Request(`${groupUrl}/inbox`, {
          method: "POST",
          headers: { "content-type": "application/activity+json", accept: "application/activity+json" },
          body,
        });
        const signed = await signRequest(unsigned, privateKey, keyId, { spec: "rfc9421" });
        assert.ok(signed.headers.has("signature-input"), "RFC 9421 Signature-Input header");
        assert.ok(!/keyId=/.test(signed.headers.get("signature") ?? ""), "no draft-cavage Signature");

        // The same signature over another body must not pass (Content-Digest),
        // so the 202 below means "verified", not "accepts anything".
        const tampered = await fetch(
          new Request(signed.url, {
            method: "POST",
            headers: signed.headers,
            body: body.replace(f.id.href, A.newId("follows").href),
          }),
        );
        assert.equal(tampered.status, 401, "a tampered RFC 9421-signed POST was not refused with 401");

        const res = await fetch(signed);
        const text = await res.text();
        assert.equal(res.status, 202, `demesh answered ${res.status}: ${text.slice(0, 300)}`);
        const pending = await waitFor("erin in `request list`", async () =>
          (await requestList()).find((r) => r.actor === A.actorUri(who).href),
        );
        assert.equal(pending.follow_id, f.id.href);
      },
    },

    ...moderationScenarios({
      demesh, A, C, s, GROUP, groupUrl, followersUrl, handle,
      h: { group, follow, arrival, fromGroup, assertQuiet, memberList, hasActor },
    }),

    {
      // Last: it ends the group.
      name: "group delete",
      note: "Fedify must verify the group's Delete although the actor now answers 410",
      fn: async () => {
        const mA = A.mark();
        await demesh.cli("group", "delete", GROUP, "--yes");
        const del = await arrival(A, mA, "the group's Delete", fromGroup(Delete));
        assert.equal(del.activity.objectId?.href, groupUrl, "Delete's object is the group itself");
        const res = await fetch(groupUrl, { headers: { accept: "application/activity+json" } });
        assert.equal(res.status, 410, "the deleted group's actor");
      },
    },
  ];
}
