use super::*;

#[test]
fn keeps_unreserved_and_encodes_the_rest() {
    assert_eq!(encode("AZaz09*-._"), "AZaz09*-._");
    assert_eq!(encode("a b"), "a+b");
    assert_eq!(encode(":+%/=&?~"), "%3A%2B%25%2F%3D%26%3F%7E");
    assert_eq!(encode("é"), "%C3%A9");
    assert_eq!(encode("😀"), "%F0%9F%98%80");
}

#[test]
fn serializes_pairs_in_order_with_repeats() {
    let body = serialize([
        ("grant_type", "client_credentials"),
        ("resource", "https://a.example/"),
        ("resource", "urn:b"),
    ]);
    assert_eq!(
        body,
        "grant_type=client_credentials&resource=https%3A%2F%2Fa.example%2F&resource=urn%3Ab"
    );
}

#[test]
fn empty_input_gives_empty_output() {
    assert_eq!(serialize(std::iter::empty()), "");
    assert_eq!(encode(""), "");
}
