// When a follower snapshots: after N commands once the log has outgrown half
// the last snapshot, or after the byte cap whatever the state's size.
#include <gtest/gtest.h>

#include "troupe/log/snapshot_policy.hpp"

using troupe::rlog::snapshot_policy;
namespace wire = troupe::wire;

namespace {

wire::LogEntry commands(uint32_t n, size_t bytes) {
  wire::LogEntry e;
  e.set_kind(n == 1 ? wire::ENTRY_COMMAND : wire::ENTRY_COMMANDS);
  e.set_count(n == 1 ? 0 : n);
  e.set_data(std::string(bytes, 'x'));
  return e;
}

} // namespace

TEST(SnapshotPolicy, CountsCommandsNotEntries) {
  snapshot_policy p{100, 1u << 30};
  p.applied(commands(60, 600));
  EXPECT_FALSE(p.due());
  wire::LogEntry start; // an epoch start carries no command
  start.set_kind(wire::ENTRY_EPOCH_START);
  p.applied(start);
  EXPECT_EQ(p.commands(), 60u);
  p.applied(commands(1, 10));
  p.applied(commands(39, 390));
  EXPECT_TRUE(p.due());
  p.taken(1000);
  EXPECT_FALSE(p.due());
  EXPECT_EQ(p.commands(), 0u);
}

TEST(SnapshotPolicy, ALargeStateWaitsUntilTheLogOutgrowsHalfOfIt) {
  snapshot_policy p{100, 1u << 30};
  p.taken(1'000'000); // the last snapshot: 1 MB
  p.applied(commands(200, 100'000));
  EXPECT_FALSE(p.due()) << "100 kB of log does not pay for a 1 MB snapshot";
  p.applied(commands(200, 400'000));
  EXPECT_TRUE(p.due());
}

TEST(SnapshotPolicy, TheByteCapBoundsTheLogFewCommandsOrMany) {
  snapshot_policy p{1'000'000, 4096};
  p.taken(1000);
  p.applied(commands(10, 4000));
  EXPECT_FALSE(p.due());
  p.applied(commands(1, 100));
  EXPECT_TRUE(p.due()) << "4 kB of log, far fewer commands than 1M";
  // A state larger than the cap: the log may grow to the state's size.
  p.taken(10'000);
  p.applied(commands(5, 9000));
  EXPECT_FALSE(p.due());
  p.applied(commands(5, 1000));
  EXPECT_TRUE(p.due());
}

TEST(SnapshotPolicy, CountsFromTheCaptureAndSizesWhenWritten) {
  // The follower captures, goes on applying while the snapshot is written,
  // and learns its size afterwards: the log applied meanwhile counts toward
  // the next one, and the new size sets the next threshold.
  snapshot_policy p{100, 1u << 30};
  p.applied(commands(100, 1000));
  ASSERT_TRUE(p.due());
  p.captured();
  EXPECT_EQ(p.commands(), 0u);
  p.applied(commands(30, 300)); // applied while the snapshot is written
  p.written(1'000'000);
  EXPECT_EQ(p.commands(), 30u);
  p.applied(commands(100, 100'000));
  EXPECT_FALSE(p.due()) << "the 1 MB snapshot just written sets the threshold";
  p.applied(commands(1, 400'000));
  EXPECT_TRUE(p.due());
}
