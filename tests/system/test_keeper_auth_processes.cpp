// Keeper's authentication against three `troupe keeper` processes on
// loopback: the super digest, ip ACLs matched against the address the member
// sees the client connect from, a digest identity that survives kill -9 of
// the client's member, and refused credentials.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "keeper_ensemble.hpp"
#include "process_fixture.hpp"
#include "troupe/keeper/acl.hpp"

using namespace std::chrono_literals;
namespace keeper = troupe::keeper;
using ensemble = troupe::test::keeper_ensemble;

namespace {

template <class F>
keeper::error code(F&& fn) {
  try {
    fn();
  } catch (const keeper::keeper_error& err) {
    return err.code();
  }
  return keeper::error::ok;
}

// Kills -9 the member `c` is on; true once `c` is connected to another one.
bool kill_its_member_and_wait_for_the_move(ensemble& e, keeper::client& c) {
  auto before = c.member(); // "m<N>"
  if (before.size() != 2)
    return false;
  e.kill9(static_cast<size_t>(before[1] - '1'));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto now = c.member();
    if (!now.empty() && now != before)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

} // namespace

TEST(KeeperAuthProcesses, TheSuperDigestPassesEveryAcl) {
  auto root = keeper::digest_id("root", "toor");
  ensemble e{{"--super-digest", root}};
  ASSERT_TRUE(e.started);
  auto alice = e.client();
  alice->add_auth("digest", "alice:secret");
  alice->create("/alice", "a", keeper::create_mode::persistent, keeper::creator_all_acl());
  alice->create("/alice/inner", "i", keeper::create_mode::persistent, keeper::creator_all_acl());

  auto guesser = e.client();
  guesser->add_auth("digest", "root:guess");
  EXPECT_EQ(code([&] { guesser->get("/alice"); }), keeper::error::no_auth);

  auto super = e.client();
  super->add_auth("digest", "root:toor");
  EXPECT_EQ(super->get("/alice"), "a");
  super->set("/alice", "by root");
  EXPECT_EQ(super->children("/alice"), std::vector<std::string>{"inner"});
  super->set_acl("/alice/inner", keeper::read_acl_unsafe());
  EXPECT_EQ(guesser->get("/alice/inner"), "i"); // root opened it to everybody
  super->remove("/alice/inner");
  EXPECT_EQ(alice->get("/alice"), "by root");
}

TEST(KeeperAuthProcesses, IpAclsMatchTheAddressTheClientConnectsFrom) {
  ensemble e;
  ASSERT_TRUE(e.started);
  auto c = e.client(); // connects over 127.0.0.1
  c->create("/exact", "x", keeper::create_mode::persistent, {{keeper::perms::all, "ip", "127.0.0.1"}});
  c->create("/net", "n", keeper::create_mode::persistent, {{keeper::perms::all, "ip", "127.0.0.0/8"}});
  c->create("/elsewhere", "z", keeper::create_mode::persistent, {{keeper::perms::all, "ip", "10.0.0.0/8"}});
  c->create("/v6", "6", keeper::create_mode::persistent, {{keeper::perms::all, "ip", "::1"}});
  EXPECT_EQ(c->get("/exact"), "x");
  c->set("/exact", "x2");
  EXPECT_EQ(c->get("/net"), "n");
  EXPECT_EQ(code([&] { c->get("/elsewhere"); }), keeper::error::no_auth);
  EXPECT_EQ(code([&] { c->set("/elsewhere", "no"); }), keeper::error::no_auth);
  EXPECT_EQ(code([&] { c->get("/v6"); }), keeper::error::no_auth); // the client is on IPv4
  // The address is the connection's on every member the client moves to.
  ASSERT_TRUE(kill_its_member_and_wait_for_the_move(e, *c));
  EXPECT_EQ(c->get("/exact"), "x2");
  EXPECT_EQ(code([&] { c->get("/elsewhere"); }), keeper::error::no_auth);
}

TEST(KeeperAuthProcesses, ADigestIdentitySurvivesKill9OfTheClientsMember) {
  ensemble e;
  ASSERT_TRUE(e.started);
  auto c = e.client(4000ms);
  c->add_auth("digest", "alice:secret");
  c->create("/mine", "v0", keeper::create_mode::persistent,
            {{keeper::perms::all, "digest", keeper::digest_id("alice", "secret")}});
  auto id = c->session_id();
  ASSERT_TRUE(kill_its_member_and_wait_for_the_move(e, *c));
  EXPECT_EQ(c->session_id(), id);
  c->set("/mine", "v1"); // the new member proved alice again
  EXPECT_EQ(c->get("/mine"), "v1");
  auto other = e.client();
  EXPECT_EQ(code([&] { other->set("/mine", "intruder"); }), keeper::error::no_auth);
}

TEST(KeeperAuthProcesses, RefusedCredentialsEndTheClientAndBadSuperDigestsAreRefused) {
  ensemble e;
  ASSERT_TRUE(e.started);
  auto c = e.client();
  c->create("/still", "here");
  EXPECT_EQ(code([&] { c->add_auth("sasl", "bob:pw"); }), keeper::error::auth_failed);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (c->state() != keeper::session_state::auth_failed && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(c->state(), keeper::session_state::auth_failed);
  EXPECT_EQ(code([&] { c->get("/still"); }), keeper::error::auth_failed);
  auto other = e.client();
  EXPECT_EQ(other->get("/still"), "here"); // the members keep serving

  for (auto bad : {"root:toor", "root:", "nohash", "root:AAAA"}) {
    auto [rc, out] = troupe::test::run_shell(std::string{TROUPE_BINARY} +
                                             " keeper --id 1 --members 1=127.0.0.1:1 --data-dir /tmp/unused"
                                             " --client-port 1 --super-digest '" + bad + "'");
    EXPECT_EQ(rc, 2) << bad << ": " << out;
    EXPECT_NE(out.find("--super-digest must be USER:HASH"), std::string::npos) << bad << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << bad << ": " << out;
    EXPECT_EQ(out.find(bad), std::string::npos) << "the value is not echoed: " << out;
  }
}
