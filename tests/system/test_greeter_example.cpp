// The greeter example as two real processes: the caller finds the greeter
// through the directory, greets it, and persists every answered greeting.
#include <gtest/gtest.h>

#include <csignal>

#include "process_fixture.hpp"
#include "troupe/persistence/kv_store.hpp"

using namespace std::chrono_literals;

TEST(GreeterExample, TwoProcessesGreetAndPersist) {
  auto dir = std::string{"/tmp/troupe-greeter-"} + std::to_string(::getpid());
  auto pb = troupe::runtime::pick_free_port();
  auto pa = troupe::runtime::pick_free_port();
  troupe::runtime::child_process b{
    TROUPE_GREETER_BINARY,
    {"--node", "b", "--port", std::to_string(pb), "--data-dir", dir + "/b", "--role", "greeter",
     "--log-level", "warn"}};
  ASSERT_TRUE(b.wait_for_line("listening ", 10s));
  troupe::runtime::child_process a{
    TROUPE_GREETER_BINARY,
    {"--node", "a", "--port", std::to_string(pa), "--data-dir", dir + "/a", "--role", "caller",
     "--peer", "b=127.0.0.1:" + std::to_string(pb), "--target", "b", "--interval", "20ms",
     "--log-level", "warn"}};
  ASSERT_TRUE(a.wait_for_line("listening ", 10s));
  // Let it greet for a while, then stop both cleanly (their stores unlock).
  b.wait(500ms); // the greeter keeps running; this only paces the test
  a.signal(SIGTERM);
  ASSERT_EQ(a.wait(10s), std::optional<int>{0});
  b.signal(SIGTERM);
  ASSERT_EQ(b.wait(10s), std::optional<int>{0});
  auto caller = troupe::persistence::open_leveldb_store(dir + "/a/caller");
  auto greeter = troupe::persistence::open_leveldb_store(dir + "/b/greeter");
  auto answered = std::stoull(caller->get("answered").value_or("0"));
  auto greeted = std::stoull(greeter->get("greeted").value_or("0"));
  EXPECT_GT(answered, 5u);
  EXPECT_GE(greeted, answered); // synced before each answer
  caller.reset();
  greeter.reset();
  troupe::test::run_shell("rm -rf " + dir);
}
