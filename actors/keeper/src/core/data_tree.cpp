// data_tree: construction, the primitives that keep byte counts
// and session/container/TTL indexes in step with the node map, and
// introspection. Operations live in tree_writes.cpp, tree_multi.cpp,
// tree_reads.cpp and tree_snapshot.cpp.
#include "troupe/keeper/data_tree.hpp"

#include <cassert>

#include "troupe/keeper/paths.hpp"

namespace troupe::keeper {

namespace {

// FNV-1a over a canonical encoding, then a splitmix64 finalizer so that the
// tree digest (a wrapping sum of node digests: order-free) is not dominated by
// FNV's weak high bits.
struct hasher {
  uint64_t h = 0xcbf29ce484222325ull;
  void byte(uint8_t b) { h = (h ^ b) * 0x100000001b3ull; }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  void str(std::string_view s) {
    u64(s.size());
    for (char c : s)
      byte(static_cast<uint8_t>(c));
  }
  uint64_t finish() const {
    uint64_t x = h;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
  }
};

} // namespace

data_tree::data_tree(tree_config config) : config_(config) { reset_to_system_nodes(); }

void data_tree::clear() {
  nodes_.clear();
  children_.clear();
  ephemerals_.clear();
  containers_.clear();
  ttls_.clear();
  data_bytes_ = path_bytes_ = 0;
  last_zxid_ = 0;
}

void data_tree::reset_to_system_nodes() {
  clear();
  // ZooKeeper's DataTree constructor: root, /zookeeper and /zookeeper/quota
  // with zeroed stats and the open ACL; /zookeeper/config readable by anyone
  // and, because ZooKeeper sets its ACL with version -1, aversion -1. They
  // are linked without a create, so parents' cversions stay 0 and clients
  // see cversion = 0 * 2 - num_children (-1 for "/", -2 for "/zookeeper").
  znode root;
  root.acls = open_acl_unsafe();
  insert_node("/", root);
  insert_node("/zookeeper", root);
  insert_node("/zookeeper/quota", root);
  znode config_node;
  config_node.acls = read_acl_unsafe();
  config_node.st.aversion = -1;
  insert_node("/zookeeper/config", config_node);
}

data_tree::node_map::iterator data_tree::find(std::string_view path) { return nodes_.find(path); }

data_tree::node_map::const_iterator data_tree::find(std::string_view path) const {
  return nodes_.find(path);
}

uint64_t data_tree::node_digest(std::string_view path, const znode& node) {
  hasher h;
  h.str(path);
  h.str(node.data);
  h.u64(node.acls.size());
  for (const auto& a : node.acls) {
    h.u64(static_cast<uint32_t>(a.perms));
    h.str(a.scheme);
    h.str(a.id);
  }
  const auto& s = node.st;
  for (int64_t v : {s.czxid, s.mzxid, s.ctime, s.mtime, s.ephemeral_owner, s.pzxid})
    h.u64(static_cast<uint64_t>(v));
  for (int32_t v : {s.version, s.cversion, s.aversion})
    h.u64(static_cast<uint32_t>(v));
  return h.finish();
}

void data_tree::account(const std::string& path, const znode& node, bool add) {
  data_bytes_ = add ? data_bytes_ + node.data.size() : data_bytes_ - node.data.size();
  path_bytes_ = add ? path_bytes_ + path.size() : path_bytes_ - path.size();
  int64_t owner = node.st.ephemeral_owner;
  switch (ephemeral_type_of(owner)) {
    case ephemeral_type::persistent:
      break;
    case ephemeral_type::container:
      if (add)
        containers_.insert(path);
      else
        containers_.erase(path);
      break;
    case ephemeral_type::ttl:
      if (add)
        ttls_.insert(path);
      else
        ttls_.erase(path);
      break;
    case ephemeral_type::ephemeral:
      if (add) {
        ephemerals_[owner].insert(path);
      } else if (auto it = ephemerals_.find(owner); it != ephemerals_.end()) {
        it->second.erase(path);
        if (it->second.empty())
          ephemerals_.erase(it);
      }
      break;
  }
}

void data_tree::insert_node(const std::string& path, znode node) {
  auto parent = parent_path(path);
  if (!parent.empty()) {
    assert(find(parent) != nodes_.end());
    auto p = children_.find(parent);
    if (p == children_.end())
      p = children_.emplace(std::string(parent), child_set{}).first;
    p->second.emplace(node_name(path));
  }
  account(path, node, true);
  nodes_.emplace(path, std::move(node));
}

data_tree::znode data_tree::extract_node(std::string path) {
  auto it = find(path);
  assert(it != nodes_.end());
  znode node = nodes_.extract(it);
  auto parent = parent_path(path);
  if (!parent.empty()) {
    auto p = children_.find(parent);
    assert(p != children_.end());
    if (auto child = p->second.find(node_name(path)); child != p->second.end())
      p->second.erase(child);
    if (p->second.empty())
      children_.erase(p);
  }
  account(path, node, false);
  return node;
}

void data_tree::set_stat(node_map::iterator it, const stat_persisted& st) {
  nodes_.mutate(it).st = st;
}

void data_tree::set_content(node_map::iterator it, std::string data, const stat_persisted& st) {
  auto& node = nodes_.mutate(it);
  data_bytes_ = data_bytes_ - node.data.size() + data.size();
  node.data = std::move(data);
  node.st = st;
}

void data_tree::set_acls(node_map::iterator it, acl_list acls, const stat_persisted& st) {
  auto& node = nodes_.mutate(it);
  node.acls = std::move(acls);
  node.st = st;
}

stat data_tree::client_stat(std::string_view path, const znode& node) const {
  // ZooKeeper's DataNode.copyStat: cversion becomes creates + deletes, and
  // container/TTL encodings are hidden from clients.
  const auto& p = node.st;
  stat s;
  s.czxid = p.czxid;
  s.mzxid = p.mzxid;
  s.ctime = p.ctime;
  s.mtime = p.mtime;
  s.version = p.version;
  s.aversion = p.aversion;
  s.pzxid = p.pzxid;
  auto children = children_.find(path);
  s.num_children = children == children_.end() ? 0 : static_cast<int32_t>(children->second.size());
  s.cversion = wrapping_add(wrapping_add(p.cversion, p.cversion), -s.num_children);
  s.ephemeral_owner =
    ephemeral_type_of(p.ephemeral_owner) == ephemeral_type::ephemeral ? p.ephemeral_owner : 0;
  s.data_length = static_cast<int32_t>(node.data.size());
  return s;
}

template <class Nodes>
uint64_t data_tree::digest_of(const Nodes& nodes) {
  uint64_t sum = 0;
  nodes.for_each([&](const std::string& path, const znode& node) { sum += node_digest(path, node); });
  return sum;
}

uint64_t data_tree::digest() const { return digest_of(nodes_); }

uint64_t data_tree::image::digest() const { return digest_of(nodes_); }

std::optional<stat_persisted> data_tree::persisted_stat(std::string_view path) const {
  auto it = find(path);
  if (it == nodes_.end())
    return std::nullopt;
  return it->second.st;
}

std::vector<int64_t> data_tree::sessions_with_ephemerals() const {
  std::vector<int64_t> out;
  out.reserve(ephemerals_.size());
  for (const auto& entry : ephemerals_)
    out.push_back(entry.first);
  return out;
}

void data_tree::note_zxid(const txn_context& ctx) {
  if (ctx.zxid > last_zxid_)
    last_zxid_ = ctx.zxid;
}

} // namespace troupe::keeper
