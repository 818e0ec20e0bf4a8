fn main() -> anyhow::Result<()> {
    let (private, _) = demesh::keys::generate_rsa_pem()?;
    let key = demesh::keys::private_key(&private)?;
    let url = url::Url::parse("http://127.0.0.1:1234/inbox")?;
    let body = vec![b'x'; 1500];
    let t = std::time::Instant::now();
    for _ in 0..2000 {
        demesh::signatures::sign_request("POST", &url, Some(&body), "http://x/groups/a#main-key", &key)?;
    }
    println!("sign_request: {:.0}/s", 2000.0 / t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    for _ in 0..2000 {
        let mut s = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key)?;
        s.update(b"hello")?;
        s.sign_to_vec()?;
    }
    println!("raw Signer: {:.0}/s", 2000.0 / t.elapsed().as_secs_f64());
    let (_, public) = demesh::keys::generate_rsa_pem()?;
    let t = std::time::Instant::now();
    for _ in 0..2000 {
        openssl::pkey::PKey::public_key_from_pem(public.as_bytes())?;
    }
    println!("PEM public parse: {:.0}/s", 2000.0 / t.elapsed().as_secs_f64());
    Ok(())
}
#[allow(dead_code)]
fn unused() {}
