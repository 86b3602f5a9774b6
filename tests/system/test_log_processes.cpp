// The replicated log as three `troupe log` processes on loopback: appends
// through a follower in the test, the leader killed with kill -9 in the middle
// and restarted, then all three killed and restarted. No acknowledged append
// may be lost, and the log must keep going.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <set>

#include "caf/all.hpp"

#include "process_fixture.hpp"
#include "../support/temp_dir.hpp"
#include "troupe/log/digest_machine.hpp"
#include "troupe/log/follower_status.hpp"
#include "troupe/log/replicated_log.hpp"

using namespace std::chrono_literals;
namespace rlog = troupe::rlog;

namespace {

struct log_group {
  troupe::test::temp_dir dir;
  std::map<int, uint16_t> ports;
  std::map<int, std::unique_ptr<troupe::runtime::child_process>> members;
  std::string spec;

  log_group() {
    for (int i = 1; i <= 3; ++i) {
      ports[i] = troupe::runtime::pick_free_port();
      spec += (i > 1 ? "," : "") + std::to_string(i) + "=127.0.0.1:" + std::to_string(ports[i]);
    }
    for (int i = 1; i <= 3; ++i)
      start(i);
  }

  void start(int i) {
    members[i] = std::make_unique<troupe::runtime::child_process>(
      TROUPE_BINARY, std::vector<std::string>{"log", "--id", std::to_string(i), "--members", spec,
                                              "--data-dir", dir.sub("m" + std::to_string(i)),
                                              "--log-level", "warn", "--snapshot-every", "500"});
    ASSERT_TRUE(members[i]->wait_for_line("listening ", 10s));
  }

  void kill9(int i) {
    members[i]->signal(SIGKILL);
    members[i]->wait(5s);
  }
};

// The test's client: a node peering with the members, running a follower.
struct client {
  std::unique_ptr<troupe::runtime::node> node;
  caf::actor follower;
  rlog::digest_machine* machine = nullptr;

  explicit client(const log_group& g) {
    troupe::runtime::node_config cfg;
    cfg.name = "client";
    cfg.log_level = troupe::log::level::warn;
    for (auto& [i, port] : g.ports)
      cfg.peers.push_back({"m" + std::to_string(i), "127.0.0.1", port});
    node = std::make_unique<troupe::runtime::node>(
      cfg, [](caf::actor_system_config& c) { rlog::register_log_types(c); });
    rlog::group_config gc;
    gc.group = "log";
    gc.members = {{1, "m1"}, {2, "m2"}, {3, "m3"}};
    auto m = std::make_unique<rlog::digest_machine>();
    machine = m.get();
    follower = rlog::spawn_follower(*node, gc, "test", std::move(m));
  }

  /// Proposes `cmd`; returns its zxid, or nullopt if not acknowledged in time.
  std::optional<uint64_t> propose(const std::string& cmd) {
    caf::scoped_actor self{node->system()};
    std::optional<uint64_t> zxid;
    self->request(follower, 2s, rlog::atoms::propose::value, cmd)
      .receive([&](const std::string& r) { zxid = std::stoull(r); }, [](caf::error&) {});
    return zxid;
  }

  /// Read barrier: returns once the follower applied everything committed.
  bool sync() {
    caf::scoped_actor self{node->system()};
    bool ok = false;
    self->request(follower, 5s, rlog::atoms::sync::value)
      .receive([&](uint64_t) { ok = true; }, [](caf::error&) {});
    return ok;
  }

  std::string leader() {
    caf::scoped_actor self{node->system()};
    std::string status;
    self->request(follower, 2s, rlog::atoms::status::value)
      .receive([&](const std::string& s) { status = s; }, [](caf::error&) {});
    auto s = rlog::parse_follower_status(status);
    return s ? s->leader_node : "";
  }
};

} // namespace

TEST(LogProcesses, LeaderKill9AndFullRestartLoseNoAcknowledgedAppend) {
  log_group g;
  client c{g};
  std::set<uint64_t> acked;
  auto append_some = [&](int n, const std::string& tag) {
    int ok = 0;
    for (int i = 0; i < n; ++i)
      if (auto z = c.propose(tag + std::to_string(i))) {
        EXPECT_TRUE(acked.insert(*z).second) << "zxid handed out twice";
        ++ok;
      }
    return ok;
  };
  EXPECT_EQ(append_some(200, "a"), 200);
  auto leader = c.leader();
  ASSERT_EQ(leader.size(), 2u) << leader;
  int leader_id = leader[1] - '0';
  g.kill9(leader_id);
  // Appends resume under a new leader (some may time out around the kill).
  EXPECT_GE(append_some(200, "b"), 150);
  EXPECT_NE(c.leader(), leader);
  g.start(leader_id);
  EXPECT_GE(append_some(100, "c"), 95);
  for (int i = 1; i <= 3; ++i)
    g.kill9(i);
  for (int i = 1; i <= 3; ++i)
    g.start(i);
  EXPECT_GE(append_some(100, "d"), 90);
  ASSERT_TRUE(c.sync());
  // Everything acknowledged was applied (the follower saw the whole log).
  EXPECT_GE(c.machine->count(), acked.size());
  EXPECT_GE(acked.size(), 500u);
}

namespace {

std::pair<int, std::string> run_log(const std::string& args) {
  return troupe::test::run_shell(std::string{TROUPE_BINARY} + " log " + args);
}

size_t line_count(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

} // namespace

TEST(LogProcesses, BadDataDirectoriesAndFlagsAreRefusedClearly) {
  troupe::test::temp_dir dir;
  auto p1 = troupe::runtime::pick_free_port(), p2 = troupe::runtime::pick_free_port(),
       p3 = troupe::runtime::pick_free_port();
  auto members = "1=127.0.0.1:" + std::to_string(p1) + ",2=127.0.0.1:" + std::to_string(p2) +
                 ",3=127.0.0.1:" + std::to_string(p3);
  auto member1 = "--id 1 --log-level warn --members " + members + " --data-dir ";

  struct bad {
    std::string args;
    int rc;
    std::string says;
  };
  std::vector<bad> cases{
    {"--id 1 --members 1=h", 2, "required"},
    {"--id 1 --members 1=127.0.0.1:1,2=127.0.0.1:2 --data-dir " + dir.sub("a"), 2, "1, 3, 5 or 7 members"},
    {"--id 9 --log-level warn --members " + members + " --data-dir " + dir.sub("a"), 2, "not in --members"},
    {"--id 1 --members 1=127.0.0.1:1,1=127.0.0.1:2,3=127.0.0.1:3 --data-dir " + dir.sub("a"), 2, "given twice"},
  };
  // A directory holding someone else's files is not taken over.
  troupe::test::run_shell("mkdir -p " + dir.sub("foreign/log.log") + " && echo hi > " +
                          dir.sub("foreign/log.log/notes.txt"));
  cases.push_back({member1 + dir.sub("foreign"), 1, "does not contain a troupe store"});
  for (auto& c : cases) {
    auto [rc, out] = run_log(c.args);
    EXPECT_EQ(rc, c.rc) << c.args << ": " << out;
    EXPECT_NE(out.find(c.says), std::string::npos) << c.args << ": " << out;
    EXPECT_EQ(line_count(out), 1u) << out;
  }
  EXPECT_EQ(troupe::test::run_shell("cat " + dir.sub("foreign/log.log/notes.txt")).second, "hi\n");

  // A store made by a 3-member group refuses another membership.
  {
    troupe::runtime::child_process m{TROUPE_BINARY,
                                     {"log", "--id", "1", "--members", members, "--data-dir",
                                      dir.sub("good"), "--log-level", "warn"}};
    ASSERT_TRUE(m.wait_for_line("listening ", 10s));
    m.signal(SIGTERM);
    ASSERT_EQ(m.wait(10s), std::optional<int>{0});
  }
  auto five = members + ",4=127.0.0.1:1,5=127.0.0.1:2";
  auto [rc, out] = run_log("--id 1 --log-level warn --members " + five + " --data-dir " + dir.sub("good"));
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("holds log log {1,2,3} but this member is configured for log {1,2,3,4,5}"),
            std::string::npos) << out;

  // A damaged store is reported, not silently replaced.
  troupe::test::run_shell("printf garbage > " + dir.sub("good/log.log/CURRENT"));
  std::tie(rc, out) = run_log(member1 + dir.sub("good"));
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("corrupted"), std::string::npos) << out;
  EXPECT_EQ(line_count(out), 1u) << out;
}
