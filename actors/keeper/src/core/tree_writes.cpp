// data_tree writes: create, remove, set_data, set_acl, remove_container.
//
// Each do_* validates in ZooKeeper's order (PrepRequestProcessor) and then
// applies (DataTree), so a failing op changes nothing. Inside a multi the
// caller passes an undo log; every mutation records how to revert it, and a
// failing multi replays the log backwards (see rollback below).
#include <cstdio>

#include "troupe/keeper/data_tree.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper {

namespace {

// ZooKeeper refuses to delete these (DataTree.isSpecialPath).
bool special_path(std::string_view path) {
  return path == "/" || path == "/zookeeper" || path == "/zookeeper/quota"
         || path == "/zookeeper/config";
}

bool version_matches(int32_t expected, int32_t actual) {
  return expected == -1 || expected == actual;
}

} // namespace

op_result data_tree::do_create(std::string_view path, std::string data, const acl_list& acls,
                               create_mode mode, int64_t ttl_ms, const txn_context& ctx,
                               const identities& ids, undo_log* undo, watch_events& events) {
  op_result r;
  r.type = op_type::create;
  auto fail = [&r](error e) {
    r.err = e;
    return r;
  };
  // Mode and TTL first (ZooKeeper's validateCreateRequest): a TTL only with a
  // TTL mode, and a TTL mode only with a TTL in (0, max_ttl_ms].
  if (is_ttl(mode)) {
    if (!config_.extended_types_enabled)
      return fail(error::unimplemented);
    if (!ttl_ephemeral_owner(ttl_ms))
      return fail(error::bad_arguments);
  } else if (ttl_ms >= 0) {
    return fail(error::bad_arguments);
  }
  if (is_ephemeral(mode) && !valid_ephemeral_session(ctx.session_id))
    return fail(error::bad_arguments);
  bool sequential = is_sequential(mode);
  if (!validate_path(path, sequential))
    return fail(error::bad_arguments);
  if (data.size() > config_.max_data_size)
    return fail(error::bad_arguments);
  auto fixed = fixup_acl(acls, ids);
  if (fixed.err != error::ok)
    return fail(fixed.err);
  // The parent is everything before the last '/' of the client's path ("/"
  // for top-level names; also for "/" itself, which then already exists).
  auto slash = path.rfind('/');
  std::string parent_name(slash == 0 ? std::string_view("/") : path.substr(0, slash));
  auto parent = find(parent_name);
  if (parent == nodes_.end())
    return fail(error::no_node);
  if (!check_acl(parent->second.acls, perms::create, ids))
    return fail(error::no_auth);
  std::string final_path(path);
  if (sequential) {
    // The parent's create counter, before this create, as %010d. It counts
    // every create under the parent, so names never repeat after deletes;
    // it is an int and wraps past 2147483647 as ZooKeeper documents.
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%010d", parent->second.st.cversion);
    final_path += suffix;
  }
  if (find(final_path) != nodes_.end())
    return fail(error::node_exists);
  // Only session ephemerals refuse children; containers and TTL nodes exist
  // to have them.
  if (ephemeral_type_of(parent->second.st.ephemeral_owner) == ephemeral_type::ephemeral)
    return fail(error::no_children_for_ephemerals);

  int64_t owner = 0;
  if (is_container(mode))
    owner = container_ephemeral_owner;
  else if (is_ttl(mode))
    owner = *ttl_ephemeral_owner(ttl_ms);
  else if (is_ephemeral(mode))
    owner = ctx.session_id;

  stat_persisted pst = parent->second.st;
  if (undo)
    undo->push_back({undo_entry::stat_changed, parent_name, znode{{}, {}, pst}});
  pst.cversion = wrapping_add(pst.cversion, 1);
  pst.pzxid = ctx.zxid;
  set_stat(parent, pst);

  znode child;
  child.data = std::move(data);
  child.acls = std::move(fixed.acls);
  child.st.czxid = child.st.mzxid = child.st.pzxid = ctx.zxid;
  child.st.ctime = child.st.mtime = ctx.time_ms;
  child.st.ephemeral_owner = owner;
  insert_node(final_path, std::move(child));
  if (undo)
    undo->push_back({undo_entry::created, final_path, {}});

  events.push_back({event_type::node_created, final_path});
  events.push_back({event_type::node_children_changed, parent_name});
  r.st = client_stat(final_path, find(final_path)->second);
  r.path = std::move(final_path);
  return r;
}

void data_tree::unlink(std::string path, const txn_context& ctx, undo_log* undo,
                       watch_events& events) {
  std::string parent_name(parent_path(path));
  auto parent = find(parent_name);
  // A delete moves pzxid forward only (ZooKeeper guards against replays that
  // would move it back) and leaves the persisted cversion alone: clients see
  // cversion grow because num_children shrank.
  if (ctx.zxid > parent->second.st.pzxid) {
    stat_persisted pst = parent->second.st;
    if (undo)
      undo->push_back({undo_entry::stat_changed, parent_name, znode{{}, {}, pst}});
    pst.pzxid = ctx.zxid;
    set_stat(parent, pst);
  }
  znode old = extract_node(path);
  events.push_back({event_type::node_deleted, path});
  if (undo)
    undo->push_back({undo_entry::removed, std::move(path), std::move(old)});
  events.push_back({event_type::node_children_changed, std::move(parent_name)});
}

op_result data_tree::do_remove(std::string_view path, int32_t version, const txn_context& ctx,
                               const identities& ids, undo_log* undo, watch_events& events) {
  op_result r;
  r.type = op_type::remove;
  if (!validate_path(path) || special_path(path)) {
    r.err = error::bad_arguments;
    return r;
  }
  auto parent = find(parent_path(path));
  if (parent == nodes_.end()) {
    r.err = error::no_node;
  } else if (!check_acl(parent->second.acls, perms::remove, ids)) {
    r.err = error::no_auth; // checked on the parent, before the node itself
  } else if (auto node = find(path); node == nodes_.end()) {
    r.err = error::no_node;
  } else if (!version_matches(version, node->second.st.version)) {
    r.err = error::bad_version;
  } else if (has_children(path)) {
    r.err = error::not_empty;
  } else {
    unlink(node->first, ctx, undo, events);
  }
  return r;
}

op_result data_tree::do_set_data(std::string_view path, std::string data, int32_t version,
                                 const txn_context& ctx, const identities& ids,
                                 undo_log* undo, watch_events& events) {
  op_result r;
  r.type = op_type::set_data;
  if (!validate_path(path) || data.size() > config_.max_data_size) {
    r.err = error::bad_arguments;
    return r;
  }
  auto node = find(path);
  if (node == nodes_.end()) {
    r.err = error::no_node;
  } else if (!check_acl(node->second.acls, perms::write, ids)) {
    r.err = error::no_auth;
  } else if (!version_matches(version, node->second.st.version)) {
    r.err = error::bad_version;
  } else {
    stat_persisted st = node->second.st;
    if (undo)
      undo->push_back({undo_entry::data_changed, node->first, znode{node->second.data, {}, st}});
    st.version = wrapping_add(st.version, 1);
    st.mzxid = ctx.zxid;
    st.mtime = ctx.time_ms;
    set_content(node, std::move(data), st);
    events.push_back({event_type::node_data_changed, node->first});
    r.st = client_stat(node->first, node->second);
  }
  return r;
}

void data_tree::rollback(undo_log& undo) {
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    switch (it->kind) {
      case undo_entry::created:
        extract_node(it->path);
        break;
      case undo_entry::removed:
        insert_node(it->path, std::move(it->saved));
        break;
      case undo_entry::stat_changed:
        set_stat(find(it->path), it->saved.st);
        break;
      case undo_entry::data_changed:
        set_content(find(it->path), std::move(it->saved.data), it->saved.st);
        break;
    }
  }
  undo.clear();
}

write_result data_tree::create(std::string_view path, std::string data, const acl_list& acls,
                               create_mode mode, int64_t ttl_ms, const txn_context& ctx,
                               const identities& ids) {
  note_zxid(ctx);
  write_result w;
  auto r = do_create(path, std::move(data), acls, mode, ttl_ms, ctx, ids, nullptr, w.events);
  w.err = r.err;
  w.path = std::move(r.path);
  w.st = r.st;
  return w;
}

write_result data_tree::remove(std::string_view path, int32_t version, const txn_context& ctx,
                               const identities& ids) {
  note_zxid(ctx);
  write_result w;
  w.err = do_remove(path, version, ctx, ids, nullptr, w.events).err;
  if (w.err == error::ok)
    w.path = std::string(path);
  return w;
}

write_result data_tree::set_data(std::string_view path, std::string data, int32_t version,
                                 const txn_context& ctx, const identities& ids) {
  note_zxid(ctx);
  write_result w;
  auto r = do_set_data(path, std::move(data), version, ctx, ids, nullptr, w.events);
  w.err = r.err;
  if (w.err == error::ok) {
    w.path = std::string(path);
    w.st = r.st;
  }
  return w;
}

write_result data_tree::set_acl(std::string_view path, const acl_list& acls, int32_t version,
                                const txn_context& ctx, const identities& ids) {
  note_zxid(ctx);
  write_result w;
  if (!validate_path(path)) {
    w.err = error::bad_arguments;
    return w;
  }
  auto fixed = fixup_acl(acls, ids); // before the node lookup, as ZooKeeper
  if (fixed.err != error::ok) {
    w.err = fixed.err;
    return w;
  }
  auto node = find(path);
  if (node == nodes_.end()) {
    w.err = error::no_node;
  } else if (!check_acl(node->second.acls, perms::admin, ids)) {
    w.err = error::no_auth;
  } else if (!version_matches(version, node->second.st.aversion)) {
    w.err = error::bad_version;
  } else {
    stat_persisted st = node->second.st;
    st.aversion = wrapping_add(st.aversion, 1);
    set_acls(node, std::move(fixed.acls), st);
    w.path = node->first;
    w.st = client_stat(node->first, node->second);
  }
  return w;
}

write_result data_tree::remove_container(std::string_view path, const txn_context& ctx) {
  note_zxid(ctx);
  write_result w;
  if (!validate_path(path) || special_path(path)) {
    w.err = error::bad_arguments;
    return w;
  }
  auto node = find(path);
  if (node == nodes_.end()) {
    w.err = error::no_node;
    return w;
  }
  const auto& st = node->second.st;
  auto type = ephemeral_type_of(st.ephemeral_owner);
  if (has_children(path)) {
    w.err = error::not_empty;
  } else if (type != ephemeral_type::container && type != ephemeral_type::ttl) {
    // ZooKeeper only rejects session ephemerals here (and would delete a
    // plain persistent node); Keeper refuses anything that is not a
    // container or TTL node, with ZooKeeper's code for this check.
    w.err = error::bad_version;
  } else if (type == ephemeral_type::ttl
             && !(ctx.time_ms > st.mtime
                  && static_cast<uint64_t>(ctx.time_ms) - static_cast<uint64_t>(st.mtime)
                       > static_cast<uint64_t>(ttl_of_owner(st.ephemeral_owner)))) {
    // Re-checked at apply time (ZooKeeper does not): a set_data between the
    // leader's scan and this txn refreshed the node, so it must survive.
    w.err = error::bad_version;
  } else {
    unlink(node->first, ctx, nullptr, w.events);
    w.path = std::string(path);
  }
  return w;
}

} // namespace troupe::keeper
