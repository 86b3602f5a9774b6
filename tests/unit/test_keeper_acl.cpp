// Unit tests of Keeper's ACL machinery: SHA-1 and base64 against published
// test vectors, ZooKeeper's digest ids, check/fixup rules and the ip scheme.
#include "troupe/keeper/acl.hpp"
#include "troupe/keeper/base64.hpp"
#include "troupe/keeper/sha1.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tk = troupe::keeper;
using tk::acl;
using tk::auth_id;
using tk::error;
namespace perms = tk::perms;

TEST(keeper_sha1, fips_180_test_vectors) {
  EXPECT_EQ(tk::to_hex(tk::sha1_of("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(tk::to_hex(tk::sha1_of("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(tk::to_hex(tk::sha1_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(tk::to_hex(tk::sha1_of("The quick brown fox jumps over the lazy dog")),
            "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

TEST(keeper_sha1, one_million_a_incrementally) {
  tk::sha1 h;
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i)
    h.update(chunk);
  EXPECT_EQ(tk::to_hex(h.finish()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(keeper_sha1, padding_boundaries) {
  // Lengths around the 56- and 64-byte padding edges (values from OpenSSL).
  EXPECT_EQ(tk::to_hex(tk::sha1_of(std::string(55, 'a'))),
            "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  EXPECT_EQ(tk::to_hex(tk::sha1_of(std::string(56, 'a'))),
            "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  EXPECT_EQ(tk::to_hex(tk::sha1_of(std::string(63, 'a'))),
            "03f09f5b158a7a8cdad920bddc29b81c18a551f5");
  EXPECT_EQ(tk::to_hex(tk::sha1_of(std::string(64, 'a'))),
            "0098ba824b5c16427bd7a1122a5a442a25ec644d");
  EXPECT_EQ(tk::to_hex(tk::sha1_of(std::string(65, 'a'))),
            "11655326c708d70319be2610e8a57d9a5b959d3b");
  // Split updates give the same digest as one update.
  tk::sha1 h;
  h.update(std::string(30, 'a'));
  h.update(std::string(35, 'a'));
  EXPECT_EQ(h.finish(), tk::sha1_of(std::string(65, 'a')));
}

TEST(keeper_base64, rfc4648_test_vectors) {
  EXPECT_EQ(tk::base64_encode(""), "");
  EXPECT_EQ(tk::base64_encode("f"), "Zg==");
  EXPECT_EQ(tk::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(tk::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(tk::base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(tk::base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(tk::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(tk::base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(keeper_base64, decode_round_trip_and_rejects_garbage) {
  for (const char* s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"})
    EXPECT_EQ(*tk::base64_decode(tk::base64_encode(s)), s);
  std::string binary;
  for (int i = 0; i < 256; ++i)
    binary += static_cast<char>(i);
  EXPECT_EQ(*tk::base64_decode(tk::base64_encode(binary)), binary);
  EXPECT_FALSE(tk::base64_decode("Zm9"));
  EXPECT_FALSE(tk::base64_decode("Zm=v"));
  EXPECT_FALSE(tk::base64_decode("Zm9v!A=="));
  EXPECT_FALSE(tk::base64_decode("Zg==Zg=="));
}

TEST(keeper_digest, matches_zookeepers_generate_digest) {
  // DigestAuthenticationProvider.generateDigest("super:admin") is widely
  // published as super:xQJmxLMiHGwaqBvst5y6rkB6HQs= (the usual superDigest
  // example); the others were cross-checked with OpenSSL's SHA-1 + base64.
  EXPECT_EQ(tk::digest_id("super", "admin"), "super:xQJmxLMiHGwaqBvst5y6rkB6HQs=");
  EXPECT_EQ(tk::digest_id("super", "superpw"), "super:g9oN2HttPfn8MMWJZ2r45Np/LIA=");
  EXPECT_EQ(tk::digest_id("bob", "pw"), "bob:ikIaKsbtGweaHnb/jKn7OHqbunM=");
  EXPECT_EQ(tk::digest_from_credentials("super:admin"), tk::digest_id("super", "admin"));
  // The password may itself contain ':'; the user is what precedes the first.
  EXPECT_EQ(tk::digest_from_credentials("u:p:q"), tk::digest_id("u", "p:q"));
}

TEST(keeper_acl, well_known_lists) {
  EXPECT_EQ(tk::open_acl_unsafe(), (tk::acl_list{{31, "world", "anyone"}}));
  EXPECT_EQ(tk::read_acl_unsafe(), (tk::acl_list{{1, "world", "anyone"}}));
  EXPECT_EQ(tk::creator_all_acl(), (tk::acl_list{{31, "auth", ""}}));
  EXPECT_EQ(perms::read | perms::write | perms::create | perms::remove | perms::admin, 31);
  EXPECT_EQ(perms::remove, 8);
  EXPECT_EQ(perms::admin, 16);
}

TEST(keeper_acl, world_anyone_matches_everybody) {
  tk::acl_list acls{{perms::read, "world", "anyone"}};
  EXPECT_TRUE(tk::check_acl(acls, perms::read, {}));
  EXPECT_FALSE(tk::check_acl(acls, perms::write, {}));
  EXPECT_TRUE(tk::check_acl(acls, perms::read, {{"digest", "x:y"}}));
}

TEST(keeper_acl, digest_matches_exact_id_only) {
  auto alice = tk::digest_id("alice", "secret");
  tk::acl_list acls{{perms::read | perms::write, "digest", alice}};
  EXPECT_TRUE(tk::check_acl(acls, perms::write, {{"digest", alice}}));
  EXPECT_FALSE(tk::check_acl(acls, perms::write, {{"digest", tk::digest_id("alice", "wrong")}}));
  EXPECT_FALSE(tk::check_acl(acls, perms::write, {{"ip", "127.0.0.1"}}));
  EXPECT_FALSE(tk::check_acl(acls, perms::admin, {{"digest", alice}}));
  EXPECT_FALSE(tk::check_acl(acls, perms::read, {}));
}

TEST(keeper_acl, super_and_empty_lists_pass) {
  tk::acl_list acls{{perms::read, "digest", tk::digest_id("a", "b")}};
  EXPECT_TRUE(tk::check_acl(acls, perms::admin, {{"super", ""}}));
  EXPECT_TRUE(tk::check_acl({}, perms::admin, {}));
}

TEST(keeper_acl, ip_scheme_ipv4_prefixes) {
  EXPECT_TRUE(tk::ip_matches("10.1.2.3", "10.0.0.0/8"));
  EXPECT_FALSE(tk::ip_matches("11.1.2.3", "10.0.0.0/8"));
  EXPECT_TRUE(tk::ip_matches("192.168.1.77", "192.168.1.64/26"));
  EXPECT_FALSE(tk::ip_matches("192.168.1.128", "192.168.1.64/26"));
  EXPECT_TRUE(tk::ip_matches("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(tk::ip_matches("127.0.0.2", "127.0.0.1"));
  EXPECT_TRUE(tk::ip_matches("8.8.8.8", "0.0.0.0/0"));
  EXPECT_FALSE(tk::ip_matches("not-an-ip", "0.0.0.0/0"));
  tk::acl_list acls{{perms::read, "ip", "10.0.0.0/8"}};
  EXPECT_TRUE(tk::check_acl(acls, perms::read, {{"ip", "10.9.9.9"}}));
  EXPECT_FALSE(tk::check_acl(acls, perms::read, {{"ip", "172.16.0.1"}}));
}

TEST(keeper_acl, ip_scheme_ipv6_prefixes) {
  EXPECT_TRUE(tk::ip_matches("2001:db8::1", "2001:db8::/32"));
  EXPECT_TRUE(tk::ip_matches("2001:db8:ffff::1", "2001:db8::/32"));
  EXPECT_FALSE(tk::ip_matches("2001:db9::1", "2001:db8::/32"));
  EXPECT_TRUE(tk::ip_matches("fe80::1:2", "fe80::/10"));
  EXPECT_TRUE(tk::ip_matches("febf::1", "fe80::/10"));
  EXPECT_FALSE(tk::ip_matches("fec0::1", "fe80::/10"));
  EXPECT_TRUE(tk::ip_matches("::1", "::1"));
  EXPECT_TRUE(tk::ip_matches("0:0:0:0:0:0:0:1", "::1/128"));
  EXPECT_FALSE(tk::ip_matches("::2", "::1"));
  EXPECT_TRUE(tk::ip_matches("2001:db8::7", "2001:db8::4/126"));
  EXPECT_FALSE(tk::ip_matches("2001:db8::8", "2001:db8::4/126"));
  EXPECT_TRUE(tk::ip_matches("1234::", "::/0"));
}

TEST(keeper_acl, ip_families_do_not_mix_except_mapped_ipv4) {
  EXPECT_FALSE(tk::ip_matches("::1", "127.0.0.1"));
  EXPECT_FALSE(tk::ip_matches("127.0.0.1", "::1"));
  EXPECT_FALSE(tk::ip_matches("10.0.0.1", "::/0"));
  // What a dual-stack socket reports for an IPv4 peer is that IPv4 address.
  EXPECT_TRUE(tk::ip_matches("::ffff:127.0.0.1", "127.0.0.1"));
  EXPECT_TRUE(tk::ip_matches("::ffff:10.1.2.3", "10.0.0.0/8"));
  EXPECT_FALSE(tk::ip_matches("::ffff:11.1.2.3", "10.0.0.0/8"));
}

TEST(keeper_acl, client_ip_identity_is_canonical) {
  EXPECT_EQ(tk::client_ip_identity("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(tk::client_ip_identity("::ffff:192.168.0.9"), "192.168.0.9");
  EXPECT_EQ(tk::client_ip_identity("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(tk::client_ip_identity("localhost"), "");
  EXPECT_EQ(tk::client_ip_identity(""), "");
  tk::acl_list acls{{perms::write, "ip", "127.0.0.1"}};
  EXPECT_TRUE(tk::check_acl(acls, perms::write, {{"ip", tk::client_ip_identity("::ffff:127.0.0.1")}}));
  EXPECT_FALSE(tk::check_acl(acls, perms::write, {{"ip", tk::client_ip_identity("10.0.0.1")}}));
}

TEST(keeper_auth, digest_credentials_prove_the_digest_identity) {
  auto r = tk::authenticate("digest", "alice:secret", "");
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.proven, (tk::identities{{"digest", tk::digest_id("alice", "secret")}}));
  // The password may contain ':' (only the user part stops at the first one).
  auto colons = tk::authenticate("digest", "bob:a:b", "");
  ASSERT_EQ(colons.err, error::ok);
  EXPECT_EQ(colons.proven, (tk::identities{{"digest", tk::digest_id("bob", "a:b")}}));
}

TEST(keeper_auth, bad_schemes_and_credentials_fail_and_prove_nothing) {
  const std::vector<std::pair<std::string, std::string>> refused{
    {"digest", "nocolon"}, {"digest", ":pw"}, {"sasl", "bob:pw"}, {"ip", "127.0.0.1"}, {"super", "x:y"}, {"", ""}};
  for (auto& [scheme, creds] : refused) {
    auto r = tk::authenticate(scheme, creds, tk::digest_id("root", "pw"));
    EXPECT_EQ(r.err, error::auth_failed) << scheme << " " << creds;
    EXPECT_TRUE(r.proven.empty()) << scheme << " " << creds;
  }
}

TEST(keeper_auth, super_digest_passes_every_check) {
  auto super = tk::digest_id("root", "toor");
  ASSERT_TRUE(tk::valid_super_digest(super));
  auto r = tk::authenticate("digest", "root:toor", super);
  ASSERT_EQ(r.err, error::ok);
  EXPECT_EQ(r.proven, (tk::identities{{"super", ""}, {"digest", super}}));
  tk::acl_list only_alice{{perms::read, "digest", tk::digest_id("alice", "pw")}};
  EXPECT_TRUE(tk::check_acl(only_alice, perms::admin, r.proven));
  tk::acl_list only_ip{{perms::all, "ip", "10.0.0.0/8"}};
  EXPECT_TRUE(tk::check_acl(only_ip, perms::write, r.proven));
  // The wrong password, or no super digest configured: an ordinary identity.
  auto wrong = tk::authenticate("digest", "root:guess", super);
  ASSERT_EQ(wrong.err, error::ok);
  EXPECT_EQ(wrong.proven, (tk::identities{{"digest", tk::digest_id("root", "guess")}}));
  EXPECT_FALSE(tk::check_acl(only_alice, perms::read, wrong.proven));
  auto unset = tk::authenticate("digest", "root:toor", "");
  EXPECT_FALSE(tk::check_acl(only_alice, perms::read, unset.proven));
}

TEST(keeper_auth, super_digest_shape) {
  EXPECT_TRUE(tk::valid_super_digest(tk::digest_id("super", "secret")));
  EXPECT_TRUE(tk::valid_super_digest("super:D/InIHSb7yEEbrWz8b9l71RjZJU="));
  EXPECT_FALSE(tk::valid_super_digest("super:secret"));       // a password, not a hash
  EXPECT_FALSE(tk::valid_super_digest("super:"));
  EXPECT_FALSE(tk::valid_super_digest(":D/InIHSb7yEEbrWz8b9l71RjZJU="));
  EXPECT_FALSE(tk::valid_super_digest("D/InIHSb7yEEbrWz8b9l71RjZJU="));
  EXPECT_FALSE(tk::valid_super_digest("super:AAAA"));         // base64, but not 20 bytes
  EXPECT_FALSE(tk::valid_super_digest("super:D/InIHSb7yEEbrWz8b9l71RjZJU"));
}

TEST(keeper_acl, id_validation) {
  EXPECT_TRUE(tk::valid_acl_id("world", "anyone"));
  EXPECT_FALSE(tk::valid_acl_id("world", "someone"));
  EXPECT_TRUE(tk::valid_acl_id("digest", "user:hash"));
  EXPECT_FALSE(tk::valid_acl_id("digest", "userhash"));
  EXPECT_FALSE(tk::valid_acl_id("digest", "user:"));
  EXPECT_FALSE(tk::valid_acl_id("digest", "a:b:c"));
  EXPECT_TRUE(tk::valid_acl_id("ip", "10.0.0.1"));
  EXPECT_TRUE(tk::valid_acl_id("ip", "10.0.0.0/8"));
  EXPECT_FALSE(tk::valid_acl_id("ip", "10.0.0.0/33"));
  EXPECT_FALSE(tk::valid_acl_id("ip", "10.0.0"));
  EXPECT_FALSE(tk::valid_acl_id("ip", "256.0.0.1"));
  EXPECT_TRUE(tk::valid_acl_id("ip", "::1"));
  EXPECT_TRUE(tk::valid_acl_id("ip", "2001:db8::/32"));
  EXPECT_FALSE(tk::valid_acl_id("ip", "2001:db8::/129"));
  EXPECT_FALSE(tk::valid_acl_id("ip", "2001:db8:::1"));
  EXPECT_FALSE(tk::valid_acl_id("ip", "10.0.0.0/"));
  EXPECT_FALSE(tk::valid_acl_id("sasl", "bob"));
  EXPECT_FALSE(tk::valid_acl_id("nonsense", "x"));
}

TEST(keeper_acl, fixup_rejects_empty_and_unknown) {
  EXPECT_EQ(tk::fixup_acl({}, {}).err, error::invalid_acl);
  EXPECT_EQ(tk::fixup_acl({{31, "nonsense", "x"}}, {}).err, error::invalid_acl);
  EXPECT_EQ(tk::fixup_acl({{31, "world", "everyone"}}, {}).err, error::invalid_acl);
  EXPECT_EQ(tk::fixup_acl({{31, "digest", "nocolon"}}, {}).err, error::invalid_acl);
  EXPECT_EQ(tk::fixup_acl({{31, "world", "anyone"}, {1, "bogus", ""}}, {}).err,
            error::invalid_acl);
}

TEST(keeper_acl, fixup_removes_duplicates_and_expands_auth) {
  auto fixed = tk::fixup_acl({{31, "world", "anyone"}, {31, "world", "anyone"}}, {});
  ASSERT_EQ(fixed.err, error::ok);
  EXPECT_EQ(fixed.acls, tk::open_acl_unsafe());

  auto alice = tk::digest_id("alice", "pw");
  auto bob = tk::digest_id("bob", "pw");
  tk::identities ids{{"ip", "127.0.0.1"}, {"digest", alice}, {"digest", bob}};
  auto expanded = tk::fixup_acl(tk::creator_all_acl(), ids);
  ASSERT_EQ(expanded.err, error::ok);
  EXPECT_EQ(expanded.acls,
            (tk::acl_list{{31, "digest", alice}, {31, "digest", bob}})); // ip is not "authenticated"

  EXPECT_EQ(tk::fixup_acl(tk::creator_all_acl(), {{"ip", "127.0.0.1"}}).err, error::invalid_acl);
  EXPECT_EQ(tk::fixup_acl(tk::creator_all_acl(), {}).err, error::invalid_acl);
}

TEST(keeper_acl, redaction_hides_digest_hashes) {
  tk::acl_list acls{{31, "digest", "alice:abc="}, {1, "world", "anyone"}, {1, "ip", "10.0.0.1"}};
  auto shown = tk::redact_digests(acls);
  EXPECT_EQ(shown, (tk::acl_list{{31, "digest", "alice:x"}, {1, "world", "anyone"},
                                 {1, "ip", "10.0.0.1"}}));
}
