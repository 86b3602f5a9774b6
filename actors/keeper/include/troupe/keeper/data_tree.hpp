// Keeper's data tree: ZooKeeper's DataTree as a pure, deterministic value.
//
// Every write validates and applies in one step, given a txn_context (zxid,
// time, session) chosen by whoever orders transactions; replicas that apply
// the same writes with the same contexts hold identical trees, digests and
// snapshot bytes. No clocks, no I/O, no unordered iteration: nodes live in an
// ordered map keyed by path, children in ordered sets.
//
// Snapshots do not stop writes for long: capture() freezes the tree in
// O(nodes / 256) (the node map is copy-on-write, see cow_map.hpp) and the
// returned image serializes on any thread while the tree keeps changing.
//
// Semantics follow ZooKeeper 3.8 (PrepRequestProcessor + DataTree +
// FinalRequestProcessor), including its check order and error codes. Where
// Keeper deliberately differs it says so below and in the .cpp comments:
//   - paths are fully validated first (bad_arguments), as ZooKeeper's client
//     does before sending; the server alone would report no_node for some
//     malformed paths ("/missing/./x");
//   - data larger than config().max_data_size is bad_arguments (ZooKeeper
//     drops the connection when a packet exceeds jute.maxbuffer);
//   - TTL nodes are enabled by default (ZooKeeper: extendedTypesEnabled off);
//   - remove_container re-checks a TTL node's expiry at the txn's time;
//   - quotas are not implemented (never quota_exceeded).
// A fresh tree holds ZooKeeper's system nodes: "/", "/zookeeper",
// "/zookeeper/quota" and "/zookeeper/config" (world-readable only, aversion
// -1), none of which can be deleted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/keeper/acl.hpp"
#include "troupe/keeper/cow_map.hpp"
#include "troupe/keeper/create_mode.hpp"
#include "troupe/keeper/errors.hpp"
#include "troupe/keeper/ops.hpp"
#include "troupe/keeper/stat.hpp"
#include "troupe/keeper/watch_event.hpp"

namespace troupe::keeper {

struct tree_config {
  // Largest data of one znode (create, set_data); ZooKeeper's jute.maxbuffer
  // is about 1 MB and caps whole packets.
  std::size_t max_data_size = 1048576;
  // TTL create modes; off -> unimplemented, as ZooKeeper without
  // zookeeper.extendedTypesEnabled.
  bool extended_types_enabled = true;
};

class data_tree {
  struct znode;

public:
  class image;

  explicit data_tree(tree_config config = {});

  // --- Writes. Each takes the txn's context and the caller's identities. ---

  // Creates a znode. ttl_ms must be no_ttl (negative) unless mode is a TTL
  // mode, where 0 < ttl_ms <= max_ttl_ms. Sequential modes append the
  // parent's create counter as %010d. Fires NodeCreated(path) then
  // NodeChildrenChanged(parent).
  write_result create(std::string_view path, std::string data, const acl_list& acls,
                      create_mode mode, int64_t ttl_ms, const txn_context& ctx,
                      const identities& ids = {});
  // Deletes a childless znode; version -1 matches any. Needs DELETE on the
  // parent. Fires NodeDeleted(path) then NodeChildrenChanged(parent).
  write_result remove(std::string_view path, int32_t version, const txn_context& ctx,
                      const identities& ids = {});
  // Replaces data; needs WRITE. Fires NodeDataChanged(path).
  write_result set_data(std::string_view path, std::string data, int32_t version,
                        const txn_context& ctx, const identities& ids = {});
  // Replaces the ACL; version is checked against aversion; needs ADMIN.
  // Fires nothing (ZooKeeper has no ACL watch).
  write_result set_acl(std::string_view path, const acl_list& acls, int32_t version,
                       const txn_context& ctx, const identities& ids = {});
  // Atomic batch of create/remove/set_data/check sharing ctx (one zxid).
  multi_result multi(const std::vector<op>& ops, const txn_context& ctx,
                     const identities& ids = {});
  // Deletes every ephemeral of the session (sorted by path).
  close_result close_session(int64_t session_id, const txn_context& ctx);
  // The leader's delete of an expired container or TTL node (ZooKeeper's
  // deleteContainer): no ACL or version check; not_empty if it has children,
  // bad_version if the node is neither a container nor a TTL node or, for a
  // TTL node, if it has not expired at ctx.time_ms.
  write_result remove_container(std::string_view path, const txn_context& ctx);

  // Containers that had a child and have none now, then TTL nodes without
  // children whose now_ms - mtime > ttl; each group sorted by path. The
  // leader proposes remove_container for each.
  std::vector<std::string> containers_and_ttls_to_delete(int64_t now_ms) const;

  // --- Reads (ZooKeeper's permission rules). ---

  data_result get_data(std::string_view path, const identities& ids = {}) const; // READ
  stat_result exists(std::string_view path) const;                               // no check
  children_result get_children(std::string_view path, const identities& ids = {}) const; // READ
  // READ or ADMIN; without ADMIN digest hashes come back as "user:x".
  acl_result get_acl(std::string_view path, const identities& ids = {}) const;
  // Number of descendants (for "/": every node but the root). READ.
  count_result get_all_children_number(std::string_view path, const identities& ids = {}) const;
  // The session's ephemerals whose path starts with prefix (a plain string
  // prefix, as ZooKeeper; "" or "/" for all), sorted. No permission check.
  std::vector<std::string> get_ephemerals(int64_t session_id, std::string_view prefix = "/") const;
  // The check op outside a multi: no_node, no_auth (READ), bad_version, ok.
  error check_version(std::string_view path, int32_t version, const identities& ids = {}) const;

  // --- Introspection. ---

  std::size_t node_count() const { return nodes_.size(); } // including the system nodes
  uint64_t data_bytes() const { return data_bytes_; }      // sum of data lengths
  // ZooKeeper's approximateDataSize: sum over nodes of path + data length.
  uint64_t approximate_data_size() const { return path_bytes_ + data_bytes_; }
  // 64-bit digest of the whole tree (paths, data, ACLs, persisted stats):
  // equal trees have equal digests on any replica. O(n), computed when asked
  // (snapshots, tests): kept incrementally it cost ~7% of a write's CPU.
  uint64_t digest() const;
  // Highest zxid of any write applied (failed writes count, as ZooKeeper's
  // lastProcessedZxid).
  int64_t last_zxid() const { return last_zxid_; }
  std::optional<stat_persisted> persisted_stat(std::string_view path) const;
  std::vector<int64_t> sessions_with_ephemerals() const;
  const tree_config& config() const { return config_; }

  // --- Snapshots: exact round trip, including counters and last_zxid. ---

  // The tree as it is now, frozen: later writes to this tree do not show in
  // it. Cheap (it shares every node); serialize it on any one thread.
  image capture() const;
  std::string snapshot() const; // capture().serialize()
  // Replaces this tree with a snapshot's. On error (marshalling_error for a
  // malformed snapshot, data_inconsistency for a digest mismatch) the tree is
  // left unchanged.
  error restore(std::string_view bytes);

private:
  // What a snapshot holds of a node. Children are an index beside the map
  // (children_), rebuilt on restore: a parent with a million children is
  // then copied on write as cheaply as any node.
  struct znode {
    std::string data;
    acl_list acls;
    stat_persisted st;
  };
  using node_map = cow_map<znode>;
  using child_set = std::set<std::string, std::less<>>;

  // What multi needs to undo one step of an op (see tree_writes.cpp).
  struct undo_entry {
    enum kind_t { created, removed, stat_changed, data_changed } kind;
    std::string path;
    znode saved; // removed: the node; stat_changed/data_changed: old st (+data)
  };
  using undo_log = std::vector<undo_entry>;

  op_result do_create(std::string_view path, std::string data, const acl_list& acls,
                      create_mode mode, int64_t ttl_ms, const txn_context& ctx,
                      const identities& ids, undo_log* undo, watch_events& events);
  op_result do_remove(std::string_view path, int32_t version, const txn_context& ctx,
                      const identities& ids, undo_log* undo, watch_events& events);
  op_result do_set_data(std::string_view path, std::string data, int32_t version,
                        const txn_context& ctx, const identities& ids, undo_log* undo,
                        watch_events& events);
  // Unlinks a validated, childless node; updates the parent like a delete.
  // Takes the path by value: callers often pass the map's own key.
  void unlink(std::string path, const txn_context& ctx, undo_log* undo,
              watch_events& events);
  void rollback(undo_log& undo);
  void note_zxid(const txn_context& ctx);

  // Primitives keeping digest, byte counts and indexes in step.
  void insert_node(const std::string& path, znode node);
  znode extract_node(std::string path);
  void set_stat(node_map::iterator it, const stat_persisted& st);
  void set_content(node_map::iterator it, std::string data, const stat_persisted& st);
  void set_acls(node_map::iterator it, acl_list acls, const stat_persisted& st);
  void account(const std::string& path, const znode& node, bool add);

  node_map::iterator find(std::string_view path);
  node_map::const_iterator find(std::string_view path) const;
  /// The node at `path` if the path is valid, the node exists and `ids` hold
  /// one of the `perm` bits; otherwise nullptr with `err` set, checked in
  /// ZooKeeper's order (path, existence, permission).
  const znode* readable(std::string_view path, int32_t perm, const identities& ids, error& err) const;
  stat client_stat(std::string_view path, const znode& node) const;
  bool has_children(std::string_view path) const { return children_.count(path) > 0; }
  static uint64_t node_digest(std::string_view path, const znode& node);
  template <class Nodes>
  static uint64_t digest_of(const Nodes& nodes);
  void clear();
  void reset_to_system_nodes();

  tree_config config_;
  node_map nodes_;
  std::map<std::string, child_set, std::less<>> children_; // parent -> names (non-empty sets only)
  std::map<int64_t, std::set<std::string>> ephemerals_; // session -> paths
  std::set<std::string> containers_;
  std::set<std::string> ttls_;
  uint64_t data_bytes_ = 0;
  uint64_t path_bytes_ = 0;
  int64_t last_zxid_ = 0;
};

/// A data_tree frozen by capture(): serializes to exactly the bytes
/// data_tree::snapshot() gave at capture time. Reading it does not touch the
/// live tree, so another thread may do it while the tree changes.
class data_tree::image {
public:
  std::string serialize() const;
  uint64_t digest() const;
  std::size_t node_count() const { return nodes_.size(); }

private:
  friend class data_tree;
  node_map::frozen nodes_;
  int64_t last_zxid_ = 0;
};

} // namespace troupe::keeper
