// Real processes on loopback: a protobuf message crossing processes, and a
// peer that is killed (down detected), hung (heartbeat), and restarted
// (link re-established).
#include <gtest/gtest.h>

#include <csignal>

#include "process_fixture.hpp"
#include "troupe/messages/wire.hpp"
#include "caf/all.hpp"

using namespace std::chrono_literals;
using troupe::address;
using troupe::runtime::pick_free_port;
namespace test = troupe::test;

namespace {

/// A `troupe node` n1 and a node in the test that subscribed to echo@n1 and
/// has had one echo answered.
struct PeerLinksToN1 : ::testing::Test {
  uint16_t port = pick_free_port();
  std::unique_ptr<troupe::runtime::child_process> n1;
  test::event_queue events;
  std::unique_ptr<troupe::runtime::node> me;

  void SetUp() override {
    n1 = test::start_troupe_node("n1", port, {});
    ASSERT_TRUE(n1);
    me = test::test_node({{"n1", "127.0.0.1", port}});
    test::observe(*me, address{"n1", "echo"}, events);
    ASSERT_TRUE(events.wait_for("up echo@n1", 5s));
    auto reply = events.wait_for("reply", 5s);
    ASSERT_TRUE(reply);
    // A protobuf message went to another process and came back.
    ASSERT_EQ(*reply, "reply echo@n1 n1 hello");
  }
};

} // namespace

TEST_F(PeerLinksToN1, ProtobufEchoCrossesProcesses) {
  EXPECT_TRUE(n1->running());
}

TEST(PeerLinks, TwoTroupeProcessesHeartbeatEachOther) {
  auto p1 = pick_free_port(), p2 = pick_free_port();
  auto n1 = test::start_troupe_node("n1", p1, {"n2=127.0.0.1:" + std::to_string(p2)}, "100ms");
  auto n2 = test::start_troupe_node("n2", p2, {"n1=127.0.0.1:" + std::to_string(p1)}, "100ms");
  ASSERT_TRUE(n1 && n2);
  // Ask n1's directory (a role like any other) for its status until it reports
  // n2 up with a measured heartbeat round trip.
  auto me = test::test_node({{"n1", "127.0.0.1", p1}});
  caf::scoped_actor self{me->system()};
  troupe::subscribe(self.ptr(), me->directory(), address{"n1", "directory"});
  caf::actor dir;
  self->receive([&](const troupe::role_up& up) { dir = up.handle; },
                caf::after(5s) >> [] {});
  ASSERT_TRUE(dir);
  bool n2_up = false;
  for (int attempt = 0; attempt < 50 && !n2_up; ++attempt) {
    self->request(dir, 2s, troupe::wire::StatusRequest{})
      .receive(
        [&](const troupe::wire::NodeStatus& st) {
          EXPECT_EQ(st.node(), "n1");
          for (auto& p : st.peers())
            if (p.node() == "n2" && p.state() == "up" && p.rtt_us() > 0)
              n2_up = true;
        },
        [](caf::error&) {});
    if (!n2_up)
      self->receive(caf::after(100ms) >> [] {}); // poll interval between status queries
  }
  EXPECT_TRUE(n2_up);
}

TEST_F(PeerLinksToN1, KilledPeerIsDetectedAndRestartedPeerRejoins) {
  n1->signal(SIGKILL);
  auto down = events.wait_for("down echo@n1", 3s);
  ASSERT_TRUE(down);
  EXPECT_NE(down->find("connection lost"), std::string::npos) << *down;
  n1.reset();
  auto again = test::start_troupe_node("n1", port, {});
  ASSERT_TRUE(again);
  ASSERT_TRUE(events.wait_for("up echo@n1", 5s));
  auto reply = events.wait_for("reply", 5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, "reply echo@n1 n1 hello");
}

TEST_F(PeerLinksToN1, HungPeerIsDetectedByHeartbeatAndRecovers) {
  n1->signal(SIGSTOP);
  auto down = events.wait_for("down echo@n1", 3s);
  ASSERT_TRUE(down);
  EXPECT_NE(down->find("heartbeat timeout"), std::string::npos) << *down;
  n1->signal(SIGCONT);
  ASSERT_TRUE(events.wait_for("up echo@n1", 5s));
  EXPECT_TRUE(events.wait_for("reply echo@n1 n1 hello", 5s));
}
