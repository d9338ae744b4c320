use super::*;

fn names(text: &str) -> Vec<String> {
    parse_object(text)
        .unwrap()
        .into_iter()
        .map(|m| m.name.into_owned())
        .collect()
}

#[test]
fn reads_top_level_members_in_order() {
    assert_eq!(
        names(r#" {"b":1, "a":[1,{"x":null}], "c":"s"} "#),
        ["b", "a", "c"]
    );
    let m = parse_object(r#"{"n":-1.5e+3,"t":true,"f":false,"z":null,"o":{},"a":[]}"#).unwrap();
    let kinds: Vec<Kind> = m.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Number,
            Kind::Bool,
            Kind::Bool,
            Kind::Null,
            Kind::Object,
            Kind::Array
        ]
    );
    assert_eq!(m[0].raw, "-1.5e+3");
}

#[test]
fn decodes_strings_and_names() {
    let m = parse_object(r#"{"a\u0062":"x\n\"\\\/\u00e9\ud83d\ude00"}"#).unwrap();
    assert_eq!(m[0].name, "ab");
    assert_eq!(m[0].as_str().unwrap(), "x\n\"\\/é😀");
    assert_eq!(parse_object(r#"{"k":1}"#).unwrap()[0].as_str(), None);
}

#[test]
fn refuses_duplicate_top_level_names_even_when_escaped() {
    assert_eq!(
        parse_object(r#"{"a":1,"\u0061":2}"#),
        Err(JsonError::DuplicateKey("a".into()))
    );
    // Nested duplicates are left to JSON.parse: only top-level claims matter here.
    assert!(parse_object(r#"{"a":{"b":1,"b":2}}"#).is_ok());
}

#[test]
fn names_the_first_duplicate_in_document_order() {
    assert_eq!(
        parse_object(r#"{"z":1,"b":1,"a":1,"b":2,"z":2,"a":2}"#),
        Err(JsonError::DuplicateKey("b".into()))
    );
    assert_eq!(
        parse_object(r#"{"a":1,"a":2,"a":3}"#),
        Err(JsonError::DuplicateKey("a".into()))
    );
}

/// `{"name(0)":0,"name(1)":0,...}` with `members` members.
fn object_of(name: &impl Fn(usize) -> String, members: usize) -> String {
    let body: Vec<String> = (0..members).map(|n| format!("\"{}\":0", name(n))).collect();
    format!("{{{}}}", body.join(","))
}

/// One check of `members` distinct members: they parse, and `name(7)`
/// repeated at the end is named. Returns how long it took.
fn timed_check(name: &impl Fn(usize) -> String, members: usize) -> std::time::Duration {
    let text = object_of(name, members);
    let mut repeated = text[..text.len() - 1].to_string();
    repeated.push_str(&format!(",\"{}\":1}}", name(7)));
    let started = std::time::Instant::now();
    assert_eq!(parse_object(&text).map(|m| m.len()), Ok(members));
    assert_eq!(
        parse_object(&repeated),
        Err(JsonError::DuplicateKey(name(7)))
    );
    started.elapsed()
}

/// The timing tests take turns, so that one doesn't slow the other down.
static ONE_TIMING_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Fills 256 KiB (the response cap) with members named `name(0)`,
/// `name(1)`, ..., and times the duplicate search against parsing the same
/// 256 KiB as one member, which reads every byte once too. The search's
/// n log n name comparisons came to 70–190× that parse on the 2-core test
/// machine, loaded or not; comparing every pair took 12 s here, over 10,000×.
/// A ratio of two timings taken in turns in the same run, each the fastest
/// of five, rather than a bound in seconds: neither a debug build nor a busy
/// machine moves it near the limit.
fn a_full_response_of_members(name: impl Fn(usize) -> String) {
    let _turn = ONE_TIMING_AT_A_TIME.lock();
    let mut members = 0;
    while object_of(&name, members + 1024).len() < 256 * 1024 - 64 {
        members += 1024;
    }
    let one_member = format!(
        "{{\"a\":\"{}\"}}",
        "x".repeat(object_of(&name, members).len() - 8)
    );
    let (mut baseline, mut full) = (std::time::Duration::MAX, std::time::Duration::MAX);
    for _ in 0..5 {
        let started = std::time::Instant::now();
        assert_eq!(parse_object(&one_member).map(|m| m.len()), Ok(1));
        baseline = baseline.min(started.elapsed());
        full = full.min(timed_check(&name, members));
    }
    let ratio = full.as_secs_f64() / baseline.as_secs_f64().max(1e-9);
    assert!(
        ratio < 2000.0,
        "{members} members took {ratio:.0}× the time of one 256 KiB member ({full:?} against {baseline:?}): is the duplicate search comparing every pair?"
    );
}

#[test]
fn many_distinct_names_take_linearithmic_time() {
    // 30,000 short names. Comparing every pair took 12 s here.
    a_full_response_of_members(|n| format!("{n:x}"));
}

#[test]
fn crafted_fingerprint_collisions_stay_linearithmic_and_exact() {
    // Names of one length that share their first and last eight bytes all
    // have one fingerprint; only a full comparison tells them apart.
    a_full_response_of_members(|n| format!("aaaaaaaa{n:06x}zzzzzzzz"));
}

#[test]
fn duplicates_are_found_on_both_sides_of_the_table_limit() {
    for members in [2, 31, 32, 33, 64, 200] {
        let names: Vec<String> = (0..members).map(|i| format!("claim{i}")).collect();
        let mut text = names
            .iter()
            .map(|n| format!("\"{n}\":1"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(parse_object(&format!("{{{text}}}")).is_ok(), "{members}");
        text.push_str(&format!(",\"{}\":2", names[members / 2]));
        assert_eq!(
            parse_object(&format!("{{{text}}}")),
            Err(JsonError::DuplicateKey(names[members / 2].clone())),
            "{members}"
        );
    }
}

#[test]
fn refuses_non_objects() {
    for text in ["[]", "\"x\"", "1", "null", "true", " [1] "] {
        assert_eq!(parse_object(text), Err(JsonError::NotAnObject), "{text}");
    }
}

#[test]
fn refuses_broken_grammar() {
    for text in [
        "",
        "{",
        "}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{,}",
        "{\"a\":1}x",
        "{\"a\":1}{}",
        "{'a':1}",
        "{a:1}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.1}",
        "{\"a\":1e}",
        "{\"a\":-}",
        "{\"a\":+1}",
        "{\"a\":tru}",
        "{\"a\":nul}",
        "{\"a\":\"\u{1}\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12G4\"}",
        "{\"a\":[1,]}",
        "{\"a\":[1 2]}",
        "{\"a\":\"x}",
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
        "\u{feff}{}",
    ] {
        assert!(
            matches!(parse_object(text), Err(JsonError::Syntax(_))),
            "{text:?} should be a syntax error, got {:?}",
            parse_object(text)
        );
    }
}

#[test]
fn limits_depth_without_overflowing_the_stack() {
    let deep = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH),
        "]".repeat(MAX_DEPTH)
    );
    assert_eq!(parse_object(&deep), Err(JsonError::TooDeep));
    let ok = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    assert!(parse_object(&ok).is_ok());
    let huge = "[".repeat(100_000);
    assert_eq!(parse_object(&huge), Err(JsonError::TooDeep));
}

#[test]
fn unescape_refuses_lone_surrogates() {
    assert_eq!(unescape(r"\ud800"), None);
    assert_eq!(unescape(r"\udc00"), None);
    assert_eq!(unescape(r"\ud800\u0041"), None);
    assert_eq!(unescape("plain").unwrap(), "plain");
}

#[test]
fn reads_arrays_element_by_element() {
    let e = parse_array(r#" ["a", 1, {"x":[2]}, null] "#).unwrap();
    let kinds: Vec<Kind> = e.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        [Kind::String, Kind::Number, Kind::Object, Kind::Null]
    );
    assert_eq!(e[2].1, r#"{"x":[2]}"#);
    assert!(parse_array("[]").unwrap().is_empty());
    for bad in ["", "[", "[1,]", "[1] 2", "{}", "[1 2]"] {
        assert!(parse_array(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn word_scan_finds_the_first_special_byte_at_every_offset() {
    for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
        for at in 0..8 {
            let mut word = *b"abcdefgh";
            word[at] = special;
            // Later special bytes must not move the first one.
            if at < 7 {
                word[7] = b'"';
            }
            let stops = attention(u64::from_le_bytes(word));
            assert_eq!(
                stops.trailing_zeros() / 8,
                at as u32,
                "{special:#x} at {at}"
            );
        }
    }
    assert_eq!(attention(u64::from_le_bytes(*b"abcdefgh")), 0);
    // UTF-8 continuation and lead bytes (high bit set) are plain.
    assert_eq!(
        attention(u64::from_le_bytes([
            0xce, 0xb1, 0xe4, 0xb8, 0xad, 0xf0, 0x9f, 0x98
        ])),
        0
    );
}

#[test]
fn strings_longer_than_a_word_are_read_exactly() {
    let m = parse_object(r#"{"k":"0123456789abcdef\"xyz0123456789\\end","n":1}"#).unwrap();
    assert_eq!(
        m[0].as_str().unwrap(),
        "0123456789abcdef\"xyz0123456789\\end"
    );
    assert!(parse_object("{\"k\":\"0123456789abcdef\u{1}0123456789\"}").is_err());
}
