// Issue #12 scenarios: moderating from the app. Run after "rfc9421 first
// knock" (alice is a member, erin has a pending request, mallory is a
// stranger) and before "group delete".

import assert from "node:assert/strict";
import { Accept, Create, Flag, Mention, Note } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";

/**
 * @param {object} env  demesh, peers A and C, the shared state `s`, the
 *   group's ids, and helpers from scenarios.mjs (h)
 */
export function moderationScenarios({ demesh, A, C, s, h, GROUP, groupUrl, followersUrl, handle }) {
  /** The group's direct notes to `peer`'s `who` since `mark`. */
  const dmsTo = (peer, who, mark) =>
    peer.since(mark).filter(
      (r) =>
        h.fromGroup(Create)(r) &&
        JSON.stringify([r.json?.object?.to].flat()) === JSON.stringify([peer.actorUri(who).href]),
    );

  /** A "mentioned people only" post to the group, as Mastodon renders
   *  "@club approve @user@host": mentions as h-cards with Mention tags. */
  async function command(peer, who, words, mentioned = []) {
    let html = `<span class="h-card"><a href="${groupUrl}" class="u-url mention">@<span>${GROUP}</span></a></span>`;
    const tags = [new Mention({ href: new URL(groupUrl), name: `@${handle}` })];
    for (const w of words.split(" ")) {
      const m = mentioned.find((x) => `@${x.acct}` === w);
      if (m) {
        html += ` <span class="h-card"><a href="${m.uri}" class="u-url mention">@<span>${m.acct.split("@")[0]}</span></a></span>`;
        tags.push(new Mention({ href: new URL(m.uri), name: w }));
      } else {
        html += ` ${w}`;
      }
    }
    const note = new Note({
      id: peer.newId("notes"),
      attribution: peer.actorUri(who),
      tos: [new URL(groupUrl), new URL(followersUrl)],
      content: `<p>${html}</p>`,
      tags,
      published: Temporal.Now.instant(),
    });
    const create = new Create({ id: peer.newId("activities"), actor: peer.actorUri(who), tos: note.toIds, object: note });
    await peer.send(who, await h.group(), create);
    return note;
  }

  const audit = () => demesh.cliJson("audit", "--group", GROUP);
  const dmText = (r) => String(r.json?.object?.content ?? "").replace(/<[^>]*>/g, "");

  return [
    {
      name: "moderator: request notice, approve by direct message",
      fn: async () => {
        await demesh.cli("member", "promote", GROUP, A.acct("alice"));
        const members = await h.memberList();
        assert.equal(members.find((m) => m.actor === A.actorUri("alice").href)?.role, "moderator");

        const mA = A.mark();
        const mC = C.mark();
        const f = await h.follow(C, "mallory");
        const notice = await h.arrival(A, mA, "the request notice to alice", (r) =>
          dmsTo(A, "alice", mA).includes(r) && dmText(r).includes("New request to join"),
        );
        const n = notice.json.object;
        assert.ok(dmText(notice).includes(C.acct("mallory")), `notice names mallory: ${dmText(notice)}`);
        assert.deepEqual([notice.json.to].flat(), [A.actorUri("alice").href], "notice `to` is alice alone");
        assert.deepEqual([n.cc ?? []].flat(), [], "notice has no cc");
        const mentions = [n.tag].flat().filter((t) => t?.type === "Mention");
        assert.deepEqual(mentions.map((t) => t.href), [A.actorUri("alice").href], "Mention of alice only");
        assert.ok(!C.since(mC).some((r) => h.fromGroup(Create)(r)), "the requester got the notice");

        const mallory = { acct: C.acct("mallory"), uri: C.actorUri("mallory").href };
        const mA2 = A.mark();
        await command(A, "alice", `approve @${mallory.acct}`, [mallory]);
        const acc = await h.arrival(C, mC, "the group's Accept for mallory", h.fromGroup(Accept));
        assert.equal(acc.activity.objectId?.href, f.id.href, "Accept's object is mallory's Follow");
        const answer = await h.arrival(A, mA2, "alice's answer", (r) =>
          dmsTo(A, "alice", mA2).includes(r) && dmText(r).includes("approved"),
        );
        assert.ok(answer);
        assert.ok(h.hasActor(await h.memberList(), C, "mallory"), "mallory in `member list`");
        // The command is not a post: no group post reached anyone.
        assert.ok(!A.since(mA2).some((r) => h.fromGroup(Create)(r) && !dmsTo(A, "alice", mA2).includes(r)), "command republished");
        const row = (await audit()).find((e) => e.actor === A.actorUri("alice").href);
        assert.equal(row?.outcome, "ok", `audit row: ${JSON.stringify(row)}`);
        assert.equal(row.command, `approve ${mallory.uri}`);
      },
    },

    {
      name: "moderator: a member's command does nothing",
      fn: async () => {
        const erin = { acct: A.acct("erin"), uri: A.actorUri("erin").href };
        const mA = A.mark();
        const mC = C.mark();
        await command(C, "mallory", `approve @${erin.acct}`, [erin]);
        const refusal = await h.arrival(C, mC, "mallory's refusal", (r) =>
          dmsTo(C, "mallory", mC).includes(r) && dmText(r).includes("Only moderators"),
        );
        assert.ok(refusal);
        await h.assertQuiet([A], [mA], "after a member's command");
        assert.ok(
          (await demesh.cliJson("request", "list", "--group", GROUP)).some((r) => r.actor === erin.uri),
          "erin is no longer pending",
        );
        const last = (await audit()).at(-1);
        assert.equal(last.outcome, "refused");
        assert.equal(last.actor, C.actorUri("mallory").href);
      },
    },

    {
      name: "moderator: a report reaches the moderators and `report list`",
      fn: async () => {
        const target = s.posts.afterRemove?.note?.id?.href;
        assert.ok(target, "no group note to report (earlier scenarios failed)");
        const mA = A.mark();
        const flag = new Flag({
          id: C.newId("reports"),
          actor: C.actorUri("mallory"),
          objects: [new URL(groupUrl), new URL(target)],
          content: "this is spam",
        });
        await C.send("mallory", await h.group(), flag);
        const dm = await h.arrival(A, mA, "the report to alice", (r) =>
          dmsTo(A, "alice", mA).includes(r) && dmText(r).includes("Report #"),
        );
        const text = dmText(dm);
        assert.ok(text.includes(`@${A.acct("alice")}`), `the post mapped to its author: ${text}`);
        assert.ok(text.includes("this is spam"), `the comment: ${text}`);
        const reports = await demesh.cliJson("report", "list", "--group", GROUP);
        const r = reports.find((x) => x.posts.some((p) => p.note === target));
        assert.ok(r, `report list: ${JSON.stringify(reports)}`);
        assert.equal(r.comment, "this is spam");
        assert.equal(r.posts[0].author, A.actorUri("alice").href);
        assert.equal(r.resolved, null);
      },
    },
  ];
}
