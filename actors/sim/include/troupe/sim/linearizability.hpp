// Consistency checkers for histories of znode operations, for simulation tests.
//
// check_history() decides whether a concurrent history of create / set /
// remove / read on znodes is linearizable. Linearizability is compositional,
// so the history is split by path and every znode is checked on its own
// against a sequential register {exists, value, version}. The search is Wing
// & Gong's backtracking over a time-ordered list of call/return entries, with
// Lowe's memoization of (linearized set, model state) configurations already
// explored (G. Lowe, "Testing for linearizability", 2017; the same idea as the
// Porcupine checker). A step budget turns pathological searches into a
// "gave up" verdict instead of a hung test.
//
// check_sequential_reads() checks what ZooKeeper promises for plain
// (non-synced) reads: each read returns the committed state as of the zxid the
// server reported, a session's reported zxids never go backwards, and a
// session reads its own acknowledged writes.
//
// Pure C++17 standard library: no CAF, no protobuf.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace troupe::sim {

/// A znode as the register model sees it. `version` is ZooKeeper's data
/// version: 0 at create, +1 per successful setData. When !exists, value and
/// version are meaningless (they compare equal regardless).
struct znode_state {
  bool exists = false;
  std::string value;
  int32_t version = 0;

  static znode_state absent() { return {}; }
  static znode_state present(std::string value, int32_t version = 0) {
    return {true, std::move(value), version};
  }
};

bool operator==(const znode_state& a, const znode_state& b);
inline bool operator!=(const znode_state& a, const znode_state& b) { return !(a == b); }
std::string to_string(const znode_state& s);

/// Outcome of a completed operation. For reads: ok (data and version in
/// result_value / result_version) or no_node.
enum class znode_result { ok, node_exists, no_node, bad_version, not_empty };

/// One operation of a history.
///   create(value)        -> ok | node_exists | no_node (parent missing: no
///                           constraint on this znode)
///   set(value, expected) -> ok (result_version = new version) | bad_version | no_node
///   remove(expected)     -> ok | bad_version | no_node | not_empty
///   read()               -> ok (result_value, result_version) | no_node
/// expected_version == -1 means "any version". An op with `unknown` set (the
/// client timed out or lost its connection) may have taken effect at any time
/// after `invoke`, or never; its response and result fields are ignored.
struct znode_op {
  enum kind_t { create, set, remove, read };

  kind_t kind = read;
  std::string path;
  int client = 0;
  std::string value;             // create / set: the data written
  int32_t expected_version = -1; // set / remove
  int64_t invoke = 0;            // virtual time (ns) the request was sent
  int64_t response = 0;          // virtual time (ns) the reply arrived
  bool unknown = false;
  znode_result result = znode_result::ok;
  int32_t result_version = 0;    // set ok: the new version; read ok: version read
  std::string result_value;      // read ok: the data read
};

std::string to_string(const znode_op& op);

struct check_options {
  /// Search steps allowed per znode (per search run); beyond it the verdict is
  /// gave_up. One step is one visit to a call or return entry.
  uint64_t max_steps = 10'000'000;
  /// On a violation, find the shortest failing prefix and describe it.
  bool explain = true;
};

struct check_result {
  enum verdict_t { linearizable, not_linearizable, gave_up };

  verdict_t verdict = linearizable;
  std::string path;        // the znode that failed or exhausted the budget
  std::string explanation; // human-readable; empty when linearizable
  uint64_t steps = 0;      // total search steps over all znodes (not explanations)

  bool ok() const { return verdict == linearizable; }
};

/// Checks `history` (any order; ops are numbered #i by their index in it) for
/// linearizability, znode by znode. `initial` gives each znode's state before
/// the history (absent by default). Throws std::invalid_argument if a completed
/// op responds before it was invoked.
check_result check_history(const std::vector<znode_op>& history,
                           const std::map<std::string, znode_state>& initial = {},
                           const check_options& options = {});

/// Records a history as a simulated client sends requests and gets replies.
/// An op that is invoked but never completed stays unknown, so a history taken
/// mid-flight (or at the end of a run) is already in the right shape.
class history_recorder {
public:
  /// Returns the op id (its index in ops()).
  int invoke(int client, znode_op::kind_t kind, std::string path, int64_t now,
             std::string value = {}, int32_t expected_version = -1);
  /// `version`: set ok -> new version, read ok -> version read; `value`: read ok -> data.
  void complete(int id, znode_result result, int64_t now, int32_t version = 0,
                std::string value = {});
  /// Marks an op as timed out / connection lost (the default until completed).
  void unknown(int id);

  const std::vector<znode_op>& ops() const { return ops_; }

private:
  znode_op& at(int id);
  std::vector<znode_op> ops_;
  std::vector<bool> settled_;
};

// ---- Sequential consistency of plain reads ---------------------------------

/// One committed write to a znode: its zxid and the znode's state after it.
struct committed_write {
  int64_t zxid = 0;
  znode_state after;
};

/// One event of a session, in the order the session saw the replies.
struct session_event {
  enum kind_t { read, own_write };

  kind_t kind = read;
  std::string path;
  int64_t zxid = 0;  // read: the zxid the server reported; own_write: the write's zxid
  znode_state seen;  // read only: the state returned
};

/// Checks plain reads against the committed writes (per path, increasing
/// zxid; `initial` as in check_history) and returns one line per violation:
///  (1) a read reporting zxid z returns the state after the last committed
///      write to its path with zxid <= z (the initial state if none);
///  (2) within a session, the zxids reported by reads never decrease;
///  (3) within a session, a read after the session's own acknowledged write
///      (own_write, zxid z) reports a zxid >= z, whatever the path.
/// Throws std::invalid_argument if a committed history is not in zxid order.
std::vector<std::string>
check_sequential_reads(const std::map<std::string, std::vector<committed_write>>& committed,
                       const std::map<int64_t, std::vector<session_event>>& sessions,
                       const std::map<std::string, znode_state>& initial = {});

} // namespace troupe::sim
