// A znode's metadata, as ZooKeeper keeps it (stat_persisted) and as clients
// see it (stat). Field names and widths follow ZooKeeper's jute records.
#pragma once

#include <cstdint>
#include <tuple>

namespace troupe::keeper {

// What a client sees (ZooKeeper's Stat), in ZooKeeper's field order.
//   czxid/mzxid/pzxid: zxid that created the node / last changed its data /
//     last changed its children (a new node's pzxid is its czxid);
//   ctime/mtime: txn times in ms; version: data changes; cversion: child
//     changes (creates + deletes); aversion: ACL changes;
//   ephemeral_owner: owning session of an ephemeral node, 0 otherwise (also
//     0 for container and TTL nodes, whose encodings stay server-side).
struct stat {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t ctime = 0;
  int64_t mtime = 0;
  int32_t version = 0;
  int32_t cversion = 0;
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;
  int32_t data_length = 0;
  int32_t num_children = 0;
  int64_t pzxid = 0;

  auto fields() const {
    return std::tie(czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeral_owner,
                    data_length, num_children, pzxid);
  }
  friend bool operator==(const stat& a, const stat& b) { return a.fields() == b.fields(); }
  friend bool operator!=(const stat& a, const stat& b) { return !(a == b); }
};

// What the tree stores (ZooKeeper's StatPersisted). Two differences from
// stat, both ZooKeeper's:
//   - cversion counts child *creates* only; it is also the sequential-name
//     counter. Clients see cversion * 2 - num_children, which equals
//     creates + deletes because every child not present was deleted.
//   - ephemeral_owner holds the raw encoding: a session id, or
//     0x8000000000000000 for a container, or 0xFF00..|ttl for a TTL node.
struct stat_persisted {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t ctime = 0;
  int64_t mtime = 0;
  int32_t version = 0;
  int32_t cversion = 0;
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;
  int64_t pzxid = 0;

  auto fields() const {
    return std::tie(czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeral_owner, pzxid);
  }
  friend bool operator==(const stat_persisted& a, const stat_persisted& b) { return a.fields() == b.fields(); }
  friend bool operator!=(const stat_persisted& a, const stat_persisted& b) { return !(a == b); }
};

// Java int arithmetic (wraps on overflow) without signed-overflow UB.
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

} // namespace troupe::keeper
