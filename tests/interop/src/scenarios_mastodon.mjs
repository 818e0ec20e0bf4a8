// Interop scenarios of issue #23 (Mastodon fidelity), run after "remove"
// (bob is a former member) and before "group delete". A reply written the
// way a Mastodon app writes one (addressed to the group and to every
// account the answered copy mentions) does not reach the former member;
// the group's answer to a member's message replies to it (`inReplyTo`);
// a browser opening a copy's address gets a page, not JSON.
// (The reply notice itself is checked in the "reply" scenario.)

import assert from "node:assert/strict";
import { Create, Mention, Note } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { sleep, waitFor } from "./runner.mjs";

const GROUP = "club";
const QUIET_MS = 2500;

export function mastodonScenarios({ demesh, A, B }) {
  const groupUrl = demesh.groupUrl(GROUP);
  const followersUrl = `${groupUrl}/followers`;

  const fromGroup = (Type) => (r) => r.activity instanceof Type && r.activity.actorId?.href === groupUrl;
  const toAccount = (peer, who) => (r) =>
    fromGroup(Create)(r) && r.activity.toIds.some((t) => t.href === peer.actorUri(who).href);

  function arrival(peer, mark, what, pred) {
    return waitFor(`${what} at peer ${peer.name}`, () => peer.since(mark).find(pred), {
      timeoutMs: 10_000,
      describe: () => peer.describeReceived(mark) + `\n--- demesh log tail ---\n${demesh.tail(15)}`,
    });
  }

  /** alice's app: a "mentioned people only" reply to `parent` (a group
   *  copy), addressed to the group and to every account `parent` mentions,
   *  as Mastodon's reply box pre-fills them. Sent to each addressee. */
  async function replyFromApp(parent, text) {
    const group = await A.context().lookupObject(groupUrl);
    const mentioned = [];
    for await (const tag of parent.getTags()) {
      if (tag instanceof Mention && tag.href && tag.href.href !== groupUrl) mentioned.push(tag.href);
    }
    const note = new Note({
      id: A.newId("notes"),
      attribution: A.actorUri("alice"),
      tos: [new URL(groupUrl), new URL(followersUrl), ...mentioned],
      replyTarget: parent.id,
      content: `<p>@${GROUP} ${text}</p>`,
      tags: [new Mention({ href: new URL(groupUrl), name: `@${GROUP}@${demesh.host}` })],
      published: Temporal.Now.instant(),
    });
    const create = new Create({ id: A.newId("activities"), actor: A.actorUri("alice"), tos: note.toIds, object: note });
    await A.send("alice", group, create);
    for (const href of mentioned) {
      const account = await A.context().lookupObject(href);
      await A.send("alice", account, create);
    }
    return { note, mentioned };
  }

  /** A group copy of one of bob's posts, as alice's server fetches it. */
  async function bobsCopy() {
    const row = (await demesh.cliJson("post", "list", GROUP)).find(
      (p) => p.author === B.actorUri("bob").href && !p.deleted,
    );
    assert.ok(row, "no live copy of bob's reply (the reply scenario failed)");
    const ctx = A.context();
    const loader = await ctx.getDocumentLoader({ identifier: "alice" });
    const copy = await ctx.lookupObject(row.note, { documentLoader: loader });
    assert.ok(copy instanceof Note, `cannot fetch ${row.note} as alice`);
    return copy;
  }

  return [
    {
      name: "a member's reply to a copy does not reach a former member",
      fn: async () => {
        const members = await demesh.cliJson("member", "list", GROUP);
        assert.ok(!members.some((m) => m.actor === B.actorUri("bob").href), "bob is still a member");
        const copy = await bobsCopy();
        const mA = A.mark();
        const mB = B.mark();
        const text = `answering bob's old reply ${Date.now()}`;
        const { note, mentioned } = await replyFromApp(copy, text);
        assert.deepEqual(mentioned.map(String), [], "the copy mentions someone, so the app addresses them");
        const got = await arrival(A, mA, "the group's Create of alice's reply", (r) =>
          fromGroup(Create)(r) && r.activity.toIds.some((t) => t.href === followersUrl),
        );
        const gnote = await got.activity.getObject();
        assert.equal(gnote.replyTargetId?.href, copy.id.href, "the reply's copy answers bob's copy");
        assert.ok(String(gnote.content).includes(text));
        await sleep(QUIET_MS);
        assert.deepEqual(B.postsSince(mB).map((r) => `${r.path} ${r.type}`), [], "bob's server got something");
        assert.ok(!A.since(mA).some(toAccount(A, "alice")), "the replier was told of her own reply");
        assert.ok(note);
      },
    },
    {
      name: "the group's answer to a member's message replies to it",
      fn: async () => {
        const { code } = await demesh.cliJson("invite", "create", GROUP);
        const group = await A.context().lookupObject(groupUrl);
        const mA = A.mark();
        const note = new Note({
          id: A.newId("notes"),
          attribution: A.actorUri("alice"),
          tos: [new URL(groupUrl), new URL(followersUrl)],
          content: `<p>@${GROUP} the code is ${code}</p>`,
          tags: [new Mention({ href: new URL(groupUrl), name: `@${GROUP}@${demesh.host}` })],
          published: Temporal.Now.instant(),
        });
        await A.send("alice", group, new Create({ id: A.newId("activities"), actor: A.actorUri("alice"), tos: note.toIds, object: note }));
        const refusal = await arrival(A, mA, "the group's refusal to alice", toAccount(A, "alice"));
        const dm = await refusal.activity.getObject();
        assert.ok(String(dm.content).includes("invite codes"), String(dm.content));
        assert.equal(dm.replyTargetId?.href, note.id.href, "the refusal's inReplyTo is alice's post");
        await demesh.cli("invite", "revoke", GROUP, "--", code); // a code may start with "-"
      },
    },
    {
      name: "a browser opening a copy's address gets a page",
      fn: async () => {
        const [row] = await demesh.cliJson("post", "list", GROUP);
        assert.ok(row, "no group post");
        for (const method of ["GET", "HEAD"]) {
          const res = await fetch(row.note, { method, headers: { accept: "text/html,application/xhtml+xml" } });
          const body = await res.text();
          assert.equal(res.status, 404, `${method} status`);
          assert.ok(res.headers.get("content-type")?.startsWith("text/html"), `${method} ${res.headers.get("content-type")}`);
          if (method === "GET") {
            assert.ok(body.includes("private group") && body.includes(`href="${groupUrl}"`), body);
            assert.ok(!body.includes(A.actorUri("alice").href) && !body.includes(B.actorUri("bob").href), body);
          } else {
            assert.equal(body, "", "HEAD has no body");
          }
        }
      },
    },
  ];
}
