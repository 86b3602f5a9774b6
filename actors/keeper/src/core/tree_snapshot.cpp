// data_tree snapshots: a self-contained binary image of the tree.
//
//   "KEEPSNAP" u32 format(=1) i64 last_zxid u64 node_count
//   node_count x { str path, str data, u32 n_acl, n_acl x {i32 perms,
//                  str scheme, str id}, i64 czxid, i64 mzxid, i64 ctime,
//                  i64 mtime, i32 version, i32 cversion, i32 aversion,
//                  i64 ephemeral_owner, i64 pzxid }
//   u64 digest
// Integers little-endian, str = u32 length + bytes. Nodes are written in
// path order, which puts every parent before its children, so restore can
// rebuild child sets by inserting in order. The persisted stat (internal
// cversion = sequence counter, raw ephemeral_owner) round-trips exactly; the
// trailing digest guards against corruption.
//
// capture() freezes the node map (copy-on-write, O(nodes / 256)); the image
// writes these bytes on whichever thread calls serialize(), reading only
// leaves the live tree no longer writes.
#include "byte_io.hpp"
#include "troupe/keeper/data_tree.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper {

namespace {

constexpr std::string_view magic = "KEEPSNAP";
constexpr uint32_t format_version = 1;

} // namespace

data_tree::image data_tree::capture() const {
  image im;
  im.nodes_ = nodes_.freeze();
  im.last_zxid_ = last_zxid_;
  return im;
}

std::string data_tree::snapshot() const { return capture().serialize(); }

std::string data_tree::image::serialize() const {
  detail::byte_writer w;
  w.raw(magic);
  w.u32(format_version);
  w.i64(last_zxid_);
  w.u64(nodes_.size());
  nodes_.for_each([&](const std::string& path, const znode& node) {
    w.str(path);
    w.str(node.data);
    w.u32(static_cast<uint32_t>(node.acls.size()));
    for (const auto& a : node.acls) {
      w.i32(a.perms);
      w.str(a.scheme);
      w.str(a.id);
    }
    const auto& s = node.st;
    w.i64(s.czxid);
    w.i64(s.mzxid);
    w.i64(s.ctime);
    w.i64(s.mtime);
    w.i32(s.version);
    w.i32(s.cversion);
    w.i32(s.aversion);
    w.i64(s.ephemeral_owner);
    w.i64(s.pzxid);
  });
  w.u64(digest());
  return w.take();
}

error data_tree::restore(std::string_view bytes) {
  detail::byte_reader r(bytes);
  if (r.raw(magic.size()) != magic || r.u32() != format_version)
    return error::marshalling_error;
  data_tree fresh(config_);
  fresh.clear();
  fresh.last_zxid_ = r.i64();
  uint64_t count = r.u64();
  if (!r.ok() || count == 0)
    return error::marshalling_error;
  for (uint64_t i = 0; i < count; ++i) {
    std::string path = r.str();
    znode node;
    node.data = r.str();
    uint32_t n_acl = r.u32();
    for (uint32_t k = 0; k < n_acl && r.ok(); ++k) {
      acl a;
      a.perms = r.i32();
      a.scheme = r.str();
      a.id = r.str();
      node.acls.push_back(std::move(a));
    }
    auto& s = node.st;
    s.czxid = r.i64();
    s.mzxid = r.i64();
    s.ctime = r.i64();
    s.mtime = r.i64();
    s.version = r.i32();
    s.cversion = r.i32();
    s.aversion = r.i32();
    s.ephemeral_owner = r.i64();
    s.pzxid = r.i64();
    if (!r.ok() || !validate_path(path))
      return error::marshalling_error;
    // The root first; afterwards each node's parent already present and the
    // node itself new.
    if ((i == 0) != (path == "/"))
      return error::marshalling_error;
    if (i > 0 && (fresh.find(parent_path(path)) == fresh.nodes_.end()
                  || fresh.find(path) != fresh.nodes_.end()))
      return error::marshalling_error;
    fresh.insert_node(path, std::move(node));
  }
  uint64_t stored_digest = r.u64();
  if (!r.ok() || !r.at_end())
    return error::marshalling_error;
  if (stored_digest != fresh.digest())
    return error::data_inconsistency;
  *this = std::move(fresh);
  return error::ok;
}

} // namespace troupe::keeper
