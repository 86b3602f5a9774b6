// SHA-1 and base64 as OpenSSL computes them behind Keeper's own API: the
// edges where OpenSSL's primitives differ from what ZooKeeper's digest scheme
// needs (lenient decoding, padding counted as bytes) and the digest itself.
#include "troupe/keeper/acl.hpp"
#include "troupe/keeper/base64.hpp"
#include "troupe/keeper/sha1.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tk = troupe::keeper;

TEST(keeper_sha1_openssl, digest_bytes_and_hex_agree) {
  auto d = tk::sha1_of("user:password");
  EXPECT_EQ(tk::to_hex(d), "b6952aff83e7e40eb87d567243480e27c656aa46");
  EXPECT_EQ(d[0], 0xb6);
  EXPECT_EQ(d[19], 0x46);
  // Binary input: NUL bytes are hashed, not taken as the end.
  EXPECT_EQ(tk::to_hex(tk::sha1_of(std::string(3, '\0'))), "29e2dcfbb16f63bb0254df7585a15bb6fb5e927d");
}

TEST(keeper_sha1_openssl, hashers_are_independent_and_movable) {
  tk::sha1 a;
  tk::sha1 b;
  a.update("user:");
  b.update("abc");
  a.update("password");
  auto moved = std::move(a);
  EXPECT_EQ(tk::to_hex(moved.finish()), "b6952aff83e7e40eb87d567243480e27c656aa46");
  EXPECT_EQ(tk::to_hex(b.finish()), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(keeper_base64_openssl, padding_is_not_decoded_as_bytes) {
  EXPECT_EQ(*tk::base64_decode("Zg=="), "f");
  EXPECT_EQ(*tk::base64_decode("Zm8="), "fo");
  EXPECT_EQ(*tk::base64_decode("Zm9v"), "foo");
  EXPECT_EQ(*tk::base64_decode(""), "");
  EXPECT_EQ(*tk::base64_decode("AAAA"), std::string(3, '\0'));
}

TEST(keeper_base64_openssl, whitespace_and_excess_padding_are_refused) {
  // OpenSSL's decoder alone would accept the first two.
  EXPECT_FALSE(tk::base64_decode("Zm9v    "));
  EXPECT_FALSE(tk::base64_decode("  Zm9v  "));
  EXPECT_FALSE(tk::base64_decode("Zm9\nv"));
  EXPECT_FALSE(tk::base64_decode("===="));
  EXPECT_FALSE(tk::base64_decode("Z==="));
  EXPECT_FALSE(tk::base64_decode("Zm9v-_=="));
}

TEST(keeper_digest_openssl, user_password_becomes_user_base64_sha1) {
  // python3: base64.b64encode(hashlib.sha1(b"user:password").digest())
  EXPECT_EQ(tk::digest_id("user", "password"), "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=");
  EXPECT_EQ(tk::digest_from_credentials("user:password"), "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=");
  EXPECT_EQ(tk::base64_encode(std::string(reinterpret_cast<const char*>(tk::sha1_of("").data()), 20)),
            "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
}
