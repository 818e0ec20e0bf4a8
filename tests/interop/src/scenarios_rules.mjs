// Interop scenarios of issue #13 (joining and posting rules), run before
// the last scenario ("group delete"). Fedify peers show: a Follow carrying
// an invite code as FEP-bebd `instrument` is accepted at once and the new
// member gets the welcome; Mastodon 4.5/4.6 QuoteRequest and
// FeatureRequest are answered with a Reject that Fedify verifies.

import assert from "node:assert/strict";
import { signRequest } from "@fedify/fedify";
import { Accept, Create, Note, Reject } from "@fedify/vocab";
import { waitFor } from "./runner.mjs";

const GROUP = "club";

export function rulesScenarios({ demesh, A, C }) {
  const groupUrl = demesh.groupUrl(GROUP);

  /** POSTs raw JSON to the group inbox, signed by `who` on `peer`: Fedify's
   *  vocabulary has no InviteCode or QuoteRequest to build them with. */
  async function sendRaw(peer, who, doc) {
    const { privateKey, keyId } = await peer.keyPair(who);
    const unsigned = new Request(`${groupUrl}/inbox`, {
      method: "POST",
      headers: { "content-type": "application/activity+json", accept: "application/activity+json" },
      body: JSON.stringify(doc),
    });
    const signed = await signRequest(unsigned, privateKey, keyId, { spec: "draft-cavage-http-signatures-12" });
    const res = await fetch(signed);
    assert.equal(res.status, 202, `demesh answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }

  const fromGroup = (Type) => (r) => r.activity instanceof Type && r.activity.actorId?.href === groupUrl;

  function arrival(peer, mark, what, pred) {
    return waitFor(`${what} at peer ${peer.name}`, () => peer.since(mark).find(pred), {
      timeoutMs: 10_000,
      describe: () => peer.describeReceived(mark) + `\n--- demesh log tail ---\n${demesh.tail(15)}`,
    });
  }

  return [
    {
      name: "invite code as Follow instrument (FEP-bebd) → Accept and welcome",
      fn: async () => {
        await demesh.cli("group", "set", GROUP, "welcome", "on");
        await demesh.cli("group", "set", GROUP, "rules", "Be kind.");
        const invite = await demesh.cliJson("invite", "create", GROUP, "--uses", "1");
        const mark = A.mark();
        const followId = A.newId("follows").href;
        await sendRaw(A, "dave", {
          "@context": "https://www.w3.org/ns/activitystreams",
          id: followId,
          type: "Follow",
          actor: A.actorUri("dave").href,
          object: groupUrl,
          instrument: { type: "InviteCode", id: invite.link },
        });
        const accept = await arrival(A, mark, "the group's Accept", fromGroup(Accept));
        assert.equal(accept.activity.objectId?.href, followId, "Accept's object is dave's Follow");
        const welcome = await arrival(A, mark, "the welcome", (r) =>
          fromGroup(Create)(r) && r.activity.toIds.some((t) => t.href === A.actorUri("dave").href),
        );
        const note = await welcome.activity.getObject();
        assert.ok(note instanceof Note, "the welcome is a Note");
        const text = String(note.content ?? "");
        assert.ok(text.includes("Be kind.") && text.includes("Mentioned people only"), text);
        const [left] = await demesh.cliJson("invite", "list", GROUP);
        assert.equal(left.uses_left, 0, "the code was used once");
        await demesh.cli("group", "set", GROUP, "welcome", "off");
      },
    },
    {
      name: "QuoteRequest and FeatureRequest → Reject",
      fn: async () => {
        const actorDoc = await (await fetch(groupUrl, { headers: { accept: "application/activity+json" } })).json();
        assert.deepEqual(actorDoc.interactionPolicy?.canFeature?.automaticApproval, [groupUrl]);
        const posts = await demesh.cliJson("post", "list", GROUP);
        assert.ok(posts.length > 0, "no group post to quote (earlier scenarios failed)");
        for (const [type, object] of [["QuoteRequest", posts[0].note], ["FeatureRequest", groupUrl]]) {
          const mark = C.mark();
          const id = C.newId("requests").href;
          await sendRaw(C, "mallory", {
            "@context": "https://www.w3.org/ns/activitystreams",
            id,
            type,
            actor: C.actorUri("mallory").href,
            object,
          });
          const reject = await arrival(C, mark, `the Reject of the ${type}`, fromGroup(Reject));
          assert.equal(reject.activity.objectId?.href, id, `Reject's object is the ${type}`);
        }
      },
    },
  ];
}
