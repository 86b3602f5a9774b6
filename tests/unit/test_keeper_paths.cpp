// Unit tests of Keeper's error codes, path rules and create modes against
// ZooKeeper 3.8 (KeeperException.Code, PathUtils, CreateMode, EphemeralType).
#include "troupe/keeper/create_mode.hpp"
#include "troupe/keeper/errors.hpp"
#include "troupe/keeper/paths.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tk = troupe::keeper;
using tk::error;

TEST(keeper_errors, numeric_values_match_zookeeper) {
  EXPECT_EQ(static_cast<int>(error::ok), 0);
  EXPECT_EQ(static_cast<int>(error::system_error), -1);
  EXPECT_EQ(static_cast<int>(error::runtime_inconsistency), -2);
  EXPECT_EQ(static_cast<int>(error::data_inconsistency), -3);
  EXPECT_EQ(static_cast<int>(error::connection_loss), -4);
  EXPECT_EQ(static_cast<int>(error::marshalling_error), -5);
  EXPECT_EQ(static_cast<int>(error::unimplemented), -6);
  EXPECT_EQ(static_cast<int>(error::operation_timeout), -7);
  EXPECT_EQ(static_cast<int>(error::bad_arguments), -8);
  EXPECT_EQ(static_cast<int>(error::unknown_session), -12);
  EXPECT_EQ(static_cast<int>(error::new_config_no_quorum), -13);
  EXPECT_EQ(static_cast<int>(error::reconfig_in_progress), -14);
  EXPECT_EQ(static_cast<int>(error::api_error), -100);
  EXPECT_EQ(static_cast<int>(error::no_node), -101);
  EXPECT_EQ(static_cast<int>(error::no_auth), -102);
  EXPECT_EQ(static_cast<int>(error::bad_version), -103);
  EXPECT_EQ(static_cast<int>(error::no_children_for_ephemerals), -108);
  EXPECT_EQ(static_cast<int>(error::node_exists), -110);
  EXPECT_EQ(static_cast<int>(error::not_empty), -111);
  EXPECT_EQ(static_cast<int>(error::session_expired), -112);
  EXPECT_EQ(static_cast<int>(error::invalid_callback), -113);
  EXPECT_EQ(static_cast<int>(error::invalid_acl), -114);
  EXPECT_EQ(static_cast<int>(error::auth_failed), -115);
  EXPECT_EQ(static_cast<int>(error::session_moved), -118);
  EXPECT_EQ(static_cast<int>(error::not_readonly), -119);
  EXPECT_EQ(static_cast<int>(error::ephemeral_on_local_session), -120);
  EXPECT_EQ(static_cast<int>(error::no_watcher), -121);
  EXPECT_EQ(static_cast<int>(error::request_timeout), -122);
  EXPECT_EQ(static_cast<int>(error::reconfig_disabled), -123);
  EXPECT_EQ(static_cast<int>(error::session_closed_require_sasl_auth), -124);
  EXPECT_EQ(static_cast<int>(error::quota_exceeded), -125);
  EXPECT_EQ(static_cast<int>(error::throttled_op), -127);
}

TEST(keeper_errors, names_are_zookeepers) {
  EXPECT_STREQ(tk::error_name(error::ok), "Ok");
  EXPECT_STREQ(tk::error_name(error::no_node), "NoNode");
  EXPECT_STREQ(tk::error_name(error::node_exists), "NodeExists");
  EXPECT_STREQ(tk::error_name(error::bad_version), "BadVersion");
  EXPECT_STREQ(tk::error_name(error::not_empty), "NotEmpty");
  EXPECT_STREQ(tk::error_name(error::invalid_acl), "InvalidACL");
  EXPECT_STREQ(tk::error_name(error::api_error), "APIError");
  EXPECT_STREQ(tk::error_name(error::no_children_for_ephemerals), "NoChildrenForEphemerals");
  EXPECT_STREQ(tk::error_name(error::runtime_inconsistency), "RuntimeInconsistency");
  EXPECT_STREQ(tk::error_name(error::throttled_op), "ThrottledOp");
  EXPECT_STREQ(tk::error_name(static_cast<error>(-126)), "Unknown");
}

TEST(keeper_errors, from_int_knows_defined_codes_only) {
  bool known = false;
  EXPECT_EQ(tk::error_from_int(-101, &known), error::no_node);
  EXPECT_TRUE(known);
  EXPECT_EQ(tk::error_from_int(-126, &known), error::system_error);
  EXPECT_FALSE(known);
  EXPECT_EQ(tk::error_from_int(0, &known), error::ok);
  EXPECT_TRUE(known);
}

namespace {

bool valid(const std::string& p, bool sequential = false) {
  return static_cast<bool>(tk::validate_path(p, sequential));
}

} // namespace

TEST(keeper_paths, accepts_well_formed_paths) {
  for (const char* p : {"/", "/a", "/a/b/c", "/a.b", "/...", "/.a", "/a.", "/a..", "/..a",
                        "/with space", "/dash-and_underscore", "/zookeeper/quota"})
    EXPECT_TRUE(valid(p)) << p;
  EXPECT_TRUE(valid("/\xC3\xBC\x6E\xC3\xAF"));  // "/ünï"
  EXPECT_TRUE(valid("/\xE4\xB8\xAD\xE6\x96\x87")); // CJK, below U+D800
  EXPECT_TRUE(valid("/\xEF\xBF\xAF"));           // U+FFEF, just below the banned block
}

TEST(keeper_paths, rejects_malformed_paths_with_bad_arguments) {
  for (const char* p : {"", "a", "a/b", "/a/", "//", "/a//b", "/.", "/..", "/a/.", "/a/..",
                        "/a/../b", "/./a", "/a/./b"}) {
    auto check = tk::validate_path(p);
    EXPECT_EQ(check.err, error::bad_arguments) << p;
    EXPECT_FALSE(check.reason.empty()) << p;
  }
}

TEST(keeper_paths, rejects_null_and_control_characters) {
  EXPECT_FALSE(valid(std::string("/a\0b", 4)));
  EXPECT_FALSE(valid("/a\x01"));
  EXPECT_FALSE(valid("/a\x1f"));
  EXPECT_FALSE(valid("/a\x7f"));
  EXPECT_FALSE(valid("/a\xC2\x85")); // U+0085, in U+007F-U+009F
  EXPECT_TRUE(valid("/a\xC2\xA0"));  // U+00A0 is fine
  EXPECT_TRUE(valid("/a\x20"));
}

TEST(keeper_paths, rejects_zookeepers_disallowed_unicode_ranges) {
  EXPECT_FALSE(valid("/\xEE\x80\x80"));     // U+E000 (private use, in D800-F8FF)
  EXPECT_FALSE(valid("/\xEF\xA3\xBF"));     // U+F8FF
  EXPECT_TRUE(valid("/\xEF\xA4\x80"));      // U+F900
  EXPECT_FALSE(valid("/\xEF\xBF\xB0"));     // U+FFF0
  EXPECT_FALSE(valid("/\xEF\xBF\xBF"));     // U+FFFF
  EXPECT_FALSE(valid("/\xF0\x9F\x98\x80")); // U+1F600: a surrogate pair in Java
}

TEST(keeper_paths, rejects_malformed_utf8) {
  EXPECT_FALSE(valid("/\xC3"));             // truncated
  EXPECT_FALSE(valid("/\xC0\xAF"));         // overlong '/'
  EXPECT_FALSE(valid("/\xED\xA0\x80"));     // encoded surrogate
  EXPECT_FALSE(valid("/\x80"));             // lone continuation byte
  EXPECT_FALSE(valid("/\xF4\x90\x80\x80")); // above U+10FFFF
}

TEST(keeper_paths, reason_names_the_first_problem) {
  EXPECT_NE(tk::validate_path("a").reason.find("start"), std::string::npos);
  EXPECT_NE(tk::validate_path("/a/").reason.find("end"), std::string::npos);
  EXPECT_NE(tk::validate_path("/a//b").reason.find("empty"), std::string::npos);
  EXPECT_NE(tk::validate_path("/a/../b").reason.find("relative"), std::string::npos);
  EXPECT_NE(tk::validate_path("/a/..//b").reason.find("relative"), std::string::npos);
  EXPECT_TRUE(tk::validate_path("/ok").reason.empty());
}

TEST(keeper_paths, sequential_prefix_may_end_with_slash) {
  EXPECT_TRUE(valid("/queue/", true));
  EXPECT_TRUE(valid("/", true));
  EXPECT_TRUE(valid("/queue/job-", true));
  EXPECT_FALSE(valid("/queue//", true));
  EXPECT_FALSE(valid("/queue/.", false));
  EXPECT_TRUE(valid("/queue/.", true)); // ".1" is a fine name
  EXPECT_FALSE(valid("queue", true));
}

TEST(keeper_paths, parent_and_name) {
  EXPECT_EQ(tk::parent_path("/a/b/c"), "/a/b");
  EXPECT_EQ(tk::parent_path("/a"), "/");
  EXPECT_EQ(tk::parent_path("/"), "");
  EXPECT_EQ(tk::node_name("/a/b/c"), "c");
  EXPECT_EQ(tk::node_name("/a"), "a");
  EXPECT_EQ(tk::node_name("/"), "");
}

TEST(keeper_create_mode, flags_match_zookeeper) {
  using tk::create_mode;
  EXPECT_EQ(static_cast<int>(create_mode::persistent), 0);
  EXPECT_EQ(static_cast<int>(create_mode::ephemeral), 1);
  EXPECT_EQ(static_cast<int>(create_mode::persistent_sequential), 2);
  EXPECT_EQ(static_cast<int>(create_mode::ephemeral_sequential), 3);
  EXPECT_EQ(static_cast<int>(create_mode::container), 4);
  EXPECT_EQ(static_cast<int>(create_mode::persistent_with_ttl), 5);
  EXPECT_EQ(static_cast<int>(create_mode::persistent_sequential_with_ttl), 6);
  for (int f = 0; f <= 6; ++f)
    EXPECT_EQ(static_cast<int>(*tk::create_mode_from_flag(f)), f);
  EXPECT_FALSE(tk::create_mode_from_flag(-1));
  EXPECT_FALSE(tk::create_mode_from_flag(7));
}

TEST(keeper_create_mode, mode_predicates) {
  using tk::create_mode;
  EXPECT_TRUE(tk::is_ephemeral(create_mode::ephemeral));
  EXPECT_TRUE(tk::is_ephemeral(create_mode::ephemeral_sequential));
  EXPECT_FALSE(tk::is_ephemeral(create_mode::container));
  EXPECT_TRUE(tk::is_sequential(create_mode::persistent_sequential));
  EXPECT_TRUE(tk::is_sequential(create_mode::ephemeral_sequential));
  EXPECT_TRUE(tk::is_sequential(create_mode::persistent_sequential_with_ttl));
  EXPECT_FALSE(tk::is_sequential(create_mode::persistent_with_ttl));
  EXPECT_TRUE(tk::is_container(create_mode::container));
  EXPECT_TRUE(tk::is_ttl(create_mode::persistent_with_ttl));
  EXPECT_TRUE(tk::is_ttl(create_mode::persistent_sequential_with_ttl));
  EXPECT_FALSE(tk::is_ttl(create_mode::persistent));
}

TEST(keeper_create_mode, ephemeral_owner_encodings) {
  using tk::ephemeral_type;
  EXPECT_EQ(tk::container_ephemeral_owner, static_cast<int64_t>(0x8000000000000000ull));
  EXPECT_EQ(tk::ephemeral_type_of(0), ephemeral_type::persistent);
  EXPECT_EQ(tk::ephemeral_type_of(0x1234), ephemeral_type::ephemeral);
  EXPECT_EQ(tk::ephemeral_type_of(tk::container_ephemeral_owner), ephemeral_type::container);
  // ZooKeeper's documented example: a 1 ms TTL is 0xff00000000000001.
  EXPECT_EQ(*tk::ttl_ephemeral_owner(1), static_cast<int64_t>(0xff00000000000001ull));
  EXPECT_EQ(tk::ephemeral_type_of(*tk::ttl_ephemeral_owner(1)), ephemeral_type::ttl);
  EXPECT_EQ(tk::ttl_of_owner(*tk::ttl_ephemeral_owner(60000)), 60000);
  EXPECT_EQ(tk::ttl_of_owner(*tk::ttl_ephemeral_owner(tk::max_ttl_ms)), tk::max_ttl_ms);
  EXPECT_EQ(tk::max_ttl_ms, 0xFFFFFFFFFFll);
  EXPECT_FALSE(tk::ttl_ephemeral_owner(0));
  EXPECT_FALSE(tk::ttl_ephemeral_owner(-1));
  EXPECT_FALSE(tk::ttl_ephemeral_owner(tk::max_ttl_ms + 1));
  EXPECT_EQ(tk::ttl_of_owner(0x1234), 0);
  // Extended bits with a non-TTL feature id are not TTL nodes.
  EXPECT_EQ(tk::ephemeral_type_of(static_cast<int64_t>(0xff00010000000001ull)),
            ephemeral_type::ephemeral);
}

TEST(keeper_create_mode, valid_ephemeral_sessions) {
  EXPECT_TRUE(tk::valid_ephemeral_session(0x100000001ll));
  EXPECT_FALSE(tk::valid_ephemeral_session(0));
  EXPECT_FALSE(tk::valid_ephemeral_session(tk::container_ephemeral_owner));
  EXPECT_FALSE(tk::valid_ephemeral_session(static_cast<int64_t>(0xff00000000000005ull)));
}
