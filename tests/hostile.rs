//! Hostile and malformed requests, table-driven: each gets its exact
//! status, and afterwards the database still holds everything it held,
//! nothing refused was stored, and nothing new was republished or sent.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, club, Club};
use common::fake_remote::FakeRemote;
use common::{count_rows, Backend};
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

type Headers = Vec<(String, String)>;

struct Case {
    name: String,
    path: String,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    want: u16,
}

fn case(
    name: &str,
    path: &str,
    body: impl Into<Vec<u8>>,
    headers: Vec<(String, String)>,
    want: u16,
) -> Case {
    Case {
        name: name.into(),
        path: path.into(),
        body: body.into(),
        headers,
        want,
    }
}

/// What must not change: (posts, removed posts, members, sent activities).
fn state(c: &Club) -> [i64; 4] {
    let url = &c.s.db_url;
    let removed =
        c.s.cli(&["post", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["deleted"] == true)
            .count() as i64;
    [
        count_rows(url, "posts"),
        removed,
        count_rows(url, "memberships"),
        count_rows(url, "outgoing_activities"),
    ]
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn cases(c: &Club, m: &FakeRemote, alice_note: &str, alice_original: &str) -> Vec<Case> {
    let inbox = c.s.url("/inbox");
    let group = c.group.clone();
    let mal = m.actor_id("mallory");
    let alice = c.a.actor_id("alice");
    let carol = c.a.actor_id("carol");
    let signed = |srv: &FakeRemote, who: &str, url: &str, body: &[u8]| {
        srv.signed_headers(who, url, body, None)
    };
    let follow = m.follow("mallory", &group, 7).to_string();
    let mut v = vec![
        case("empty body", "/inbox", "", vec![], 400),
        case("broken JSON", "/inbox", "{\"type\":", vec![], 400),
        case("null", "/inbox", "null", vec![], 400),
        case("array", "/inbox", "[]", vec![], 400),
        case("string", "/inbox", "\"Follow\"", vec![], 400),
        case("number", "/inbox", "42", vec![], 400),
        case("deep arrays", "/inbox", nested(10_000), vec![], 400),
        case("deep objects", "/inbox", format!("{}1{}", "{\"a\":".repeat(300), "}".repeat(300)), vec![], 400),
        case("invalid UTF-8", "/inbox", vec![b'{', 0xff, 0xfe, b'}'], vec![], 400),
        case("byte order mark", "/inbox", format!("\u{feff}{follow}"), vec![], 400),
        case("no type", "/inbox", json!({"id": format!("{mal}#1"), "actor": mal}).to_string(), vec![], 400),
        case("type is a number", "/inbox", json!({"id": format!("{mal}#1"), "type": 1, "actor": mal}).to_string(), vec![], 400),
        case("no id", "/inbox", json!({"type": "Follow", "actor": mal}).to_string(), vec![], 400),
        case("id is an object", "/inbox", json!({"id": {}, "type": "Follow", "actor": mal}).to_string(), vec![], 400),
        case("no actor", "/inbox", json!({"id": format!("{mal}#1"), "type": "Follow"}).to_string(), vec![], 400),
        case("actor is a number", "/inbox", json!({"id": format!("{mal}#1"), "type": "Follow", "actor": 5}).to_string(), vec![], 400),
        case("actor not a URL", "/inbox", json!({"id": "mallory#1", "type": "Follow", "actor": "mallory"}).to_string(), vec![], 400),
        case("actor object without id", "/inbox", json!({"id": format!("{mal}#1"), "type": "Follow", "actor": {"name": "x"}}).to_string(), vec![], 400),
        case("id on another host", "/inbox", json!({"id": "https://victim.example/1", "type": "Follow", "actor": mal}).to_string(), vec![], 400),
        case("2 MiB body", "/inbox", json!({"id": format!("{mal}#big"), "type": "Note", "actor": mal, "content": "x".repeat(2 << 20)}).to_string(), vec![], 413),
        case("huge content", "/inbox", json!({"id": format!("{mal}#c"), "type": "Create", "actor": mal, "object": {"content": "x".repeat(200_000)}}).to_string(), vec![], 422),
        case("1001 recipients", "/inbox", json!({"id": format!("{mal}#r"), "type": "Create", "actor": mal, "to": vec![mal.clone(); 1001]}).to_string(), vec![], 422),
        case("300 tags", "/inbox", json!({"id": format!("{mal}#t"), "type": "Create", "actor": mal, "object": {"tag": vec![json!({"type": "Hashtag"}); 300]}}).to_string(), vec![], 422),
        case("40 attachments", "/inbox", json!({"id": format!("{mal}#a"), "type": "Create", "actor": mal, "object": {"attachment": vec![json!({}); 40]}}).to_string(), vec![], 422),
        case("unsigned", "/inbox", follow.clone(), vec![], 401),
        case("signature garbage", "/inbox", follow.clone(), vec![("signature".into(), "abc".into())], 401),
        case("signature without keyId", "/inbox", follow.clone(), vec![("signature".into(), "signature=\"AAAA\",headers=\"(request-target)\"".into())], 401),
        case("RFC 9421 garbage", "/inbox", follow.clone(), vec![("signature-input".into(), "sig1=(".into()), ("signature".into(), "sig1=:x:".into())], 401),
        case("RFC 9421 old created", "/inbox", follow.clone(), vec![
            ("signature-input".into(), format!("sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1000;keyid=\"{mal}#main-key\"")),
            ("signature".into(), "sig1=:AAAA:".into())], 401),
    ];
    // Properly signed by mallory, then spoiled one way or another.
    let body = follow.as_bytes();
    let mut spoil = |name: &str, f: &dyn Fn(&mut Headers)| {
        let mut h = signed(m, "mallory", &inbox, body);
        f(&mut h);
        v.push(case(name, "/inbox", body.to_vec(), h, 401));
    };
    let set = |h: &mut Vec<(String, String)>, k: &str, val: String| {
        h.retain(|(n, _)| n != k);
        h.push((k.to_string(), val));
    };
    spoil("digest of another body", &|h| {
        set(
            h,
            "digest",
            "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
        )
    });
    spoil("no digest header", &|h| h.retain(|(n, _)| n != "digest"));
    spoil("sha-512 digest only", &|h| {
        set(h, "digest", "SHA-512=AAAA".into())
    });
    spoil("date two hours old", &|h| {
        set(
            h,
            "date",
            httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(7200)),
        )
    });
    spoil("date two hours ahead", &|h| {
        set(
            h,
            "date",
            httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(7200)),
        )
    });
    spoil("unparsable date", &|h| set(h, "date", "yesterday".into()));
    spoil("signature bytes not base64", &|h| {
        let sig = h.iter().find(|(n, _)| n == "signature").unwrap().1.clone();
        let broken = sig.split("signature=\"").next().unwrap().to_string() + "signature=\"!!!\"";
        set(h, "signature", broken);
    });
    spoil("signature bytes flipped", &|h| {
        let sig = h.iter().find(|(n, _)| n == "signature").unwrap().1.clone();
        set(
            h,
            "signature",
            sig.replacen("signature=\"", "signature=\"AAAA", 1),
        );
    });
    spoil("keyId of a missing actor", &|h| {
        let sig = h.iter().find(|(n, _)| n == "signature").unwrap().1.clone();
        set(
            h,
            "signature",
            sig.replace("/users/mallory#main-key", "/users/nobody#main-key"),
        );
    });
    spoil("keyId not a URL", &|h| {
        let sig = h.iter().find(|(n, _)| n == "signature").unwrap().1.clone();
        set(
            h,
            "signature",
            sig.replace(&format!("{mal}#main-key"), "mallory"),
        );
    });
    // Signed without (request-target): the signature could be replayed anywhere.
    let date = httpdate::fmt_http_date(SystemTime::now());
    let digest = signed(m, "mallory", &inbox, body)
        .into_iter()
        .find(|(n, _)| n == "digest")
        .unwrap()
        .1;
    let host = c.s.domain();
    let sig = m.sign_string(
        "mallory",
        &format!("host: {host}\ndate: {date}\ndigest: {digest}"),
    );
    v.push(case("no (request-target) signed", "/inbox", body.to_vec(), vec![
        ("date".into(), date.clone()), ("digest".into(), digest.clone()),
        ("signature".into(), format!("keyId=\"{mal}#main-key\",algorithm=\"rsa-sha256\",headers=\"host date digest\",signature=\"{sig}\""))], 401));
    // Forgeries: someone else's key, someone else's request.
    let forged = json!({"id": format!("{alice}#forged"), "type": "Undo", "actor": alice,
                        "object": {"type": "Follow", "actor": alice, "object": group}})
    .to_string();
    v.push(case(
        "actor forged (signed by mallory)",
        "/inbox",
        forged.clone(),
        signed(m, "mallory", &inbox, forged.as_bytes()),
        401,
    ));
    v.push(case(
        "alice's key on mallory's activity",
        "/inbox",
        follow.clone(),
        signed(&c.a, "alice", &inbox, body),
        401,
    ));
    v.push(case(
        "replayed from another path",
        "/inbox",
        follow.clone(),
        signed(m, "mallory", &c.s.url("/groups/club/inbox"), body),
        401,
    ));
    let other = m.follow("mallory", &group, 8).to_string();
    v.push(case(
        "replayed with another body",
        "/inbox",
        other,
        signed(m, "mallory", &inbox, body),
        401,
    ));
    let stolen = json!({"id": format!("{mal}#c2"), "type": "Create", "actor": mal,
        "object": {"id": format!("{}/statuses/x", c.a.base), "type": "Note", "attributedTo": alice, "content": "mine now"}}).to_string();
    v.push(case(
        "object attributed to another server",
        "/inbox",
        stolen.clone(),
        signed(m, "mallory", &inbox, stolen.as_bytes()),
        403,
    ));
    let upd = json!({"id": format!("{mal}#u"), "type": "Update", "actor": mal,
        "object": {"id": alice_original, "type": "Note", "attributedTo": alice, "content": "defaced"}}).to_string();
    v.push(case(
        "Update of alice's post by mallory",
        "/inbox",
        upd.clone(),
        signed(m, "mallory", &inbox, upd.as_bytes()),
        403,
    ));
    v.push(case(
        "Follow to a missing group inbox",
        "/groups/nope/inbox",
        follow.clone(),
        signed(m, "mallory", &c.s.url("/groups/nope/inbox"), body),
        404,
    ));
    v.push(case(
        "non-ASCII group name",
        "/groups/cl%C3%BCb/inbox",
        follow.clone(),
        vec![],
        404,
    ));
    v.push(case(
        "encoded slash in a group name",
        "/groups/a%2Fb/inbox",
        follow.clone(),
        vec![],
        404,
    ));
    v.push(case(
        "NUL in a group name",
        "/groups/a%00b/inbox",
        follow.clone(),
        vec![],
        404,
    ));
    // Too many header fields (actix allows 96): 431 without a connection
    // race (a head over 128 KiB may be reset before the answer is read).
    let many: Vec<(String, String)> = (0..120)
        .map(|i| (format!("x-h{i}"), "1".to_string()))
        .collect();
    v.push(case(
        "too many headers",
        "/inbox",
        follow.clone(),
        many,
        431,
    ));
    v.push(case(
        "NUL in the activity id",
        "/inbox",
        json!({"id": format!("{mal}#\u{0}"), "type": "Follow", "actor": mal}).to_string(),
        vec![],
        400,
    ));
    // Accepted (well-signed, well-formed) but without effect; checked at the end.
    let accepted: Vec<(&str, &FakeRemote, &str, Value)> = vec![
        (
            "Delete of alice's post by mallory",
            m,
            "mallory",
            json!({"id": format!("{mal}#d"), "type": "Delete", "actor": mal, "object": alice_original}),
        ),
        (
            "Delete of the group note by mallory",
            m,
            "mallory",
            json!({"id": format!("{mal}#d2"), "type": "Delete", "actor": mal, "object": alice_note}),
        ),
        (
            "Delete of alice's post by carol (same server)",
            &c.a,
            "carol",
            json!({"id": format!("{carol}#d"), "type": "Delete", "actor": carol, "object": {"id": alice_original, "type": "Tombstone"}}),
        ),
        (
            "Update of alice's post by carol",
            &c.a,
            "carol",
            json!({"id": format!("{carol}#u"), "type": "Update", "actor": carol,
                "object": {"id": alice_original, "type": "Note", "attributedTo": alice, "content": "defaced"}}),
        ),
        (
            "Create claiming alice as author",
            &c.a,
            "carol",
            json!({"id": format!("{carol}#c"), "type": "Create", "actor": carol, "to": [group],
                "object": {"id": format!("{carol}/s/1"), "type": "Note", "attributedTo": alice, "content": "as alice"}}),
        ),
        (
            "Create with an object id elsewhere",
            &c.a,
            "carol",
            json!({"id": format!("{carol}#c3"), "type": "Create", "actor": carol, "to": [group],
                "object": {"id": "https://elsewhere.example/n/1", "type": "Note", "attributedTo": carol, "content": "x"}}),
        ),
        (
            "Create with a bare object id",
            &c.a,
            "carol",
            json!({"id": format!("{carol}#c4"), "type": "Create", "actor": carol, "to": [group], "object": format!("{carol}/s/2")}),
        ),
        (
            "Follow of a missing group",
            m,
            "mallory",
            json!({"id": format!("{mal}#f9"), "type": "Follow", "actor": mal, "object": c.s.url("/groups/nope")}),
        ),
        (
            "Follow of something else",
            m,
            "mallory",
            json!({"id": format!("{mal}#f10"), "type": "Follow", "actor": mal, "object": "https://elsewhere.example/u"}),
        ),
        (
            "Undo of alice's Follow by carol",
            &c.a,
            "carol",
            json!({"id": format!("{carol}#undo"), "type": "Undo", "actor": carol,
                "object": {"type": "Follow", "actor": alice, "object": group}}),
        ),
        (
            "non-member post",
            m,
            "mallory",
            json!({"id": format!("{mal}#c5"), "type": "Create", "actor": mal, "to": [group],
                "object": {"id": format!("{mal}/s/5"), "type": "Note", "attributedTo": mal, "content": "let me in"}}),
        ),
        (
            "Accept sent to the group",
            m,
            "mallory",
            json!({"id": format!("{mal}#acc"), "type": "Accept", "actor": mal, "object": format!("{mal}#f1")}),
        ),
        (
            "unknown type",
            m,
            "mallory",
            json!({"id": format!("{mal}#z"), "type": "Zap", "actor": mal}),
        ),
        (
            "Delete of an actor by someone else",
            m,
            "mallory",
            json!({"id": format!("{mal}#del"), "type": "Delete", "actor": mal, "object": alice}),
        ),
    ];
    for (name, srv, who, activity) in accepted {
        let b = activity.to_string();
        let h = signed(srv, who, &inbox, b.as_bytes());
        v.push(case(name, "/inbox", b, h, 202));
    }
    v
}

async fn hostile_requests_get_their_status_and_change_nothing(backend: Backend) {
    let c = club(backend).await;
    let (original, note) = alice_posts(&c, "1").await;
    let m = FakeRemote::start();
    m.account("mallory");
    let follow = m.follow("mallory", &c.group, 1);
    assert_eq!(
        m.post("mallory", &c.s.url("/inbox"), &follow).await,
        202,
        "mallory asks to join"
    );
    common::wait::settled(&c.s).await;
    let before = state(&c);
    let (a0, b0) = (c.a.received().len(), c.b.received().len());
    let all = cases(&c, &m, &note, &original);
    assert!(all.len() >= 60, "only {} cases", all.len());
    // One connection per case: a refused request may close its connection,
    // and a pooled client would send the next case down a dead one.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    for case in all {
        let inbox_rows = count_rows(&c.s.db_url, "inbox_activities");
        let mut req = http
            .post(c.s.url(&case.path))
            .header("content-type", "application/activity+json")
            .body(case.body);
        for (k, val) in &case.headers {
            req = req.header(k.as_str(), val.as_str());
        }
        let status = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name))
            .status()
            .as_u16();
        assert_eq!(status, case.want, "{}", case.name);
        if status != 202 {
            assert_eq!(
                count_rows(&c.s.db_url, "inbox_activities"),
                inbox_rows,
                "{}: refused but stored",
                case.name
            );
        }
    }
    // Once the workers have processed what was accepted.
    common::wait::settled(&c.s).await;
    assert_eq!(
        state(&c),
        before,
        "posts, removals, members and sent activities unchanged"
    );
    assert_eq!(
        (c.a.received().len(), c.b.received().len()),
        (a0, b0),
        "nothing sent to members"
    );
    let requests = c.s.cli(&["request", "list", "--json"]).json();
    assert_eq!(
        requests.as_array().unwrap().len(),
        1,
        "mallory still only pending"
    );
    c.s.stop().await;
}

/// A member sending more than 60 activities a minute is told to slow down (429 with
/// Retry-After); what was refused is not stored, so the sender's retry
/// later is what counts, and nothing is lost.
async fn posting_too_fast_gets_429(backend: Backend) {
    let c = club(backend).await;
    // Signed first, sent all at once: the bucket (60 a minute, refilling
    // one a second) is then measured, not the speed of this machine.
    let requests: Vec<(String, reqwest::RequestBuilder)> = (0..75)
        .map(|n| {
            let post = c.a.fixture(
                "mastodon_direct.json",
                "alice",
                &c.group,
                &format!("9{n:02}"),
                "",
            );
            let body = post.to_string();
            let headers =
                c.a.signed_headers("alice", &c.s.url("/inbox"), body.as_bytes(), None);
            let mut req = common::http().post(c.s.url("/inbox")).body(body);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            (post["id"].as_str().unwrap().to_string(), req)
        })
        .collect();
    let sent = futures_util::future::join_all(requests.into_iter().map(|(id, req)| async move {
        let res = req.send().await.unwrap();
        let retry = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        (id, res.status().as_u16(), retry)
    }))
    .await;
    let accepted = sent.iter().filter(|(_, s, _)| *s == 202).count();
    let refused: Vec<_> = sent.iter().filter(|(_, s, _)| *s == 429).collect();
    assert_eq!(accepted + refused.len(), 75, "only 202 or 429: {sent:?}");
    // alice's Follow used one token of her 60.
    assert!((59..66).contains(&accepted), "{accepted} accepted");
    for (id, _, retry) in &refused {
        assert!(
            retry.is_some_and(|r| (1..=60).contains(&r)),
            "Retry-After {retry:?}"
        );
        let id = id.clone();
        let stored =
            c.s.db
                .call(move |db| db.incoming_by_activity_id(&id))
                .await
                .unwrap();
        assert!(stored.is_none(), "a refused post is not stored");
    }
    c.s.stop().await;
}

/// Operators can change the limits (DEMESH_ACCOUNT_RATE_LIMIT,
/// DEMESH_SERVER_RATE_LIMIT; 0 turns one off).
async fn configured_rate_limits_apply(backend: Backend) {
    let db = common::TestDb::new(backend);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let s = common::TestServer::start_configured(&db, listener, |c| {
        c.account_rate_limit = 3;
        c.server_rate_limit = 0;
    })
    .await;
    s.cli(&["group", "create", "club"]).ok();
    let remote = FakeRemote::start();
    let mut statuses = Vec::new();
    for name in ["zed", "yan"] {
        remote.account(name);
        for n in 0..5 {
            let follow = remote.follow(name, &s.url("/groups/club"), n);
            statuses.push(remote.post(name, &s.url("/inbox"), &follow).await);
        }
    }
    // Three a minute per account; the server as a whole is not limited.
    assert_eq!(
        statuses,
        [202, 202, 202, 429, 429, 202, 202, 202, 429, 429],
        "{statuses:?}"
    );
    s.stop().await;
}

backend_tests!(
    hostile_requests_get_their_status_and_change_nothing,
    posting_too_fast_gets_429,
    configured_rate_limits_apply
);
