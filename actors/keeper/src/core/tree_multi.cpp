// data_tree: multi, session close and the container/TTL reaper's scan.
#include "troupe/keeper/data_tree.hpp"

namespace troupe::keeper {

multi_result data_tree::multi(const std::vector<op>& ops, const txn_context& ctx,
                              const identities& ids) {
  note_zxid(ctx);
  multi_result m;
  m.results.reserve(ops.size());
  undo_log undo;
  watch_events events;
  // Ops run in order against the tree as changed by the ops before them (as
  // ZooKeeper's outstanding changes do), all with the same zxid and time.
  for (const auto& o : ops) {
    op_result r;
    switch (o.type) {
      case op_type::create:
        r = do_create(o.path, o.data, o.acls, o.mode, o.ttl_ms, ctx, ids, &undo, events);
        break;
      case op_type::remove:
        r = do_remove(o.path, o.version, ctx, ids, &undo, events);
        break;
      case op_type::set_data:
        r = do_set_data(o.path, o.data, o.version, ctx, ids, &undo, events);
        break;
      case op_type::check:
        r.type = op_type::check;
        r.err = check_version(o.path, o.version, ids);
        break;
    }
    m.results.push_back(std::move(r));
    if (m.results.back().err != error::ok)
      break;
  }
  if (m.results.size() == ops.size() && (ops.empty() || m.results.back().err == error::ok)) {
    m.events = std::move(events);
    return m;
  }
  // Failure: undo everything, then report as ZooKeeper's DataTree does for a
  // multi containing an error txn: ok (and nothing else) for the ops before
  // the failing one, its own error for it, runtime_inconsistency after it.
  rollback(undo);
  std::size_t failed = m.results.size() - 1;
  m.err = m.results[failed].err;
  for (std::size_t i = 0; i < failed; ++i) {
    op_result cleared;
    cleared.type = m.results[i].type;
    m.results[i] = std::move(cleared);
  }
  m.results[failed].path.clear();
  m.results[failed].st = {};
  for (std::size_t i = failed + 1; i < ops.size(); ++i) {
    op_result later;
    later.type = ops[i].type;
    later.err = error::runtime_inconsistency;
    m.results.push_back(std::move(later));
  }
  return m;
}

close_result data_tree::close_session(int64_t session_id, const txn_context& ctx) {
  note_zxid(ctx);
  close_result out;
  auto it = ephemerals_.find(session_id);
  if (it == ephemerals_.end())
    return out;
  // Copy first: unlinking edits the index. Ephemerals have no children, so
  // any order works; path order keeps replicas' event streams identical.
  std::vector<std::string> paths(it->second.begin(), it->second.end());
  for (auto& path : paths) {
    unlink(path, ctx, nullptr, out.events);
    out.deleted.push_back(std::move(path));
  }
  return out;
}

std::vector<std::string> data_tree::containers_and_ttls_to_delete(int64_t now_ms) const {
  std::vector<std::string> out;
  // ZooKeeper's ContainerManager: a container qualifies once it has had a
  // child (cversion > 0, so a fresh one is not reaped before use) and has
  // none left.
  for (const auto& path : containers_) {
    const auto& node = find(path)->second;
    if (node.st.cversion > 0 && !has_children(path))
      out.push_back(path);
  }
  // A TTL node qualifies when childless and not modified for longer than
  // its TTL.
  for (const auto& path : ttls_) {
    const auto& node = find(path)->second;
    if (has_children(path))
      continue;
    int64_t ttl = ttl_of_owner(node.st.ephemeral_owner);
    int64_t mtime = node.st.mtime;
    if (ttl != 0 && now_ms > mtime
        && static_cast<uint64_t>(now_ms) - static_cast<uint64_t>(mtime)
             > static_cast<uint64_t>(ttl))
      out.push_back(path);
  }
  return out;
}

} // namespace troupe::keeper
