// A shared counter (as Curator's DistributedAtomicLong without its lock
// fallback): the value is the decimal text of node PATH; every change is a
// compare-and-set on the node's data version (setData with the version just
// read), retried after BadVersion, so concurrent adds never lose an update.
//
// If the connection breaks during the conditional set, its outcome is
// unknown: the counter re-reads, and counts the set as applied when the
// version moved by exactly one to the value it wrote. A session that ends
// throws keeper_error(session_expired). PATH's missing parents are created
// as containers, PATH itself as a persistent node.
#pragma once

#include <cstdint>
#include <string>

namespace troupe::keeper {
class client;
}

namespace troupe::keeper::recipes {

class shared_counter {
public:
  /// Creates PATH with `initial` unless it exists (then its value stays).
  shared_counter(client& c, std::string path, int64_t initial = 0);

  int64_t get();
  /// Adds `delta`; returns the new value.
  int64_t add(int64_t delta);
  int64_t increment() { return add(1); }
  int64_t decrement() { return add(-1); }
  /// Sets `value` if the counter is `expected` now; false otherwise.
  bool compare_and_set(int64_t expected, int64_t value);

private:
  // One compare-and-set attempt: true if it was applied.
  bool try_set(int64_t value, int32_t version);

  client& c_;
  std::string path_;
};

} // namespace troupe::keeper::recipes
