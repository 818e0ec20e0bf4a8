//! WebFinger `resource` parsing on arbitrary strings.
#![no_main]

use demesh::config::{Config, FileConfig, Overrides};
use demesh::routes::webfinger::{parse_resource, Resource};
use demesh::urls::Urls;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let over = Overrides { base_url: Some("https://relay.example:8443".into()), ..Overrides::default() };
    let Ok(config) = Config::resolve(&over, FileConfig::default()) else { return };
    let urls = Urls::new(&config);
    if let Ok(Resource::Group(name)) = parse_resource(&config, &urls, raw) {
        // A group name never carries a path or a domain of its own.
        assert!(!name.contains('/') && !name.contains('@'), "{raw:?} -> {name:?}");
    }
});
