#include "troupe/keeper/keeper_replica.hpp"

#include <stdexcept>

#include "troupe/keeper/paths.hpp"

namespace troupe::keeper {

namespace {

wire::WatchEvent to_wire(const watch_event& e, int64_t zxid) {
  wire::WatchEvent w;
  w.set_type(static_cast<int32_t>(e.type));
  w.set_path(e.path);
  w.set_zxid(zxid);
  return w;
}

std::vector<std::string> to_vector(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return {in.begin(), in.end()};
}

} // namespace

std::string keeper_replica::apply(const std::string& command, uint64_t zxid) {
  wire::KeeperTxn txn;
  wire::OpResult result;
  last_zxid_ = static_cast<int64_t>(zxid);
  if (!txn.ParseFromString(command)) {
    // Every replica refuses the same bytes the same way: state unchanged.
    result.set_err(static_cast<int32_t>(error::marshalling_error));
    return result.SerializeAsString();
  }
  result = machine_.apply(txn, last_zxid_);
  result.set_zxid(last_zxid_);
  if (txn.kind_case() == wire::KeeperTxn::kCreateSession && result.err() == 0 && hooks_.session_opened)
    hooks_.session_opened(result.count(), txn.create_session().timeout_ms());
  auto events = machine_.drain_events();
  for (auto& fired : events)
    for (auto& [session, e] : watches_.trigger(fired.event))
      if (hooks_.watch_event)
        hooks_.watch_event(session, to_wire(e, fired.zxid));
  if (txn.kind_case() == wire::KeeperTxn::kCloseSession && result.err() == 0) {
    // After the close's own events (its ephemerals' deletions), which the
    // closed session does not get.
    watches_.remove_watcher(txn.close_session().session_id());
    if (hooks_.session_closed)
      hooks_.session_closed(txn.close_session().session_id());
  }
  if (hooks_.all_events && !events.empty())
    hooks_.all_events(std::move(events));
  return result.SerializeAsString();
}

void keeper_replica::restore(const std::string& snapshot) {
  // A snapshot that does not restore means a replica diverged or a disk
  // lied; going on would serve a wrong tree.
  if (!machine_.restore(snapshot))
    throw std::runtime_error("keeper: cannot restore a snapshot of the tree");
  last_zxid_ = std::max(last_zxid_, machine_.tree().last_zxid());
  if (hooks_.sessions_restored) {
    wire::QueryAnswer all;
    for (auto& [id, rec] : machine_.sessions()) {
      auto* s = all.add_sessions();
      s->set_id(id);
      s->set_timeout_ms(rec.timeout_ms);
    }
    hooks_.sessions_restored(std::move(all));
  }
}

wire::QueryAnswer keeper_replica::read(const wire::KeeperQuery& q) {
  wire::QueryAnswer a;
  auto& req = q.read();
  auto session = q.session_id();
  auto* r = a.mutable_result();
  switch (req.kind_case()) {
    case wire::Request::kAddWatch: {
      auto& w = req.add_watch();
      if (validate_path(w.path()).err != error::ok) {
        r->set_err(static_cast<int32_t>(error::bad_arguments));
        break;
      }
      watches_.add(session, w.path(),
                   w.recursive() ? watch_kind::persistent_recursive : watch_kind::persistent);
      break;
    }
    case wire::Request::kRemoveWatches: {
      auto& w = req.remove_watches();
      auto kind = w.kind();
      if (kind < 1 || kind > 5) {
        r->set_err(static_cast<int32_t>(error::bad_arguments));
        break;
      }
      if (!watches_.remove(session, w.path(), static_cast<watcher_type>(kind)))
        r->set_err(static_cast<int32_t>(error::no_watcher));
      break;
    }
    default: {
      identities ids;
      for (auto& i : q.identities())
        ids.push_back(auth_id{i.scheme(), i.id()});
      *r = machine_.read(req, ids, session);
      auto ok = r->err() == 0;
      if (req.kind_case() == wire::Request::kGetData && req.get_data().watch() && ok)
        watches_.add(session, req.get_data().path(), watch_kind::data);
      else if (req.kind_case() == wire::Request::kGetChildren && req.get_children().watch() && ok)
        watches_.add(session, req.get_children().path(), watch_kind::child);
      else if (req.kind_case() == wire::Request::kExists && req.exists().watch()) {
        // ZooKeeper: an exists watch is set whether or not the node exists.
        if (ok)
          watches_.add(session, req.exists().path(), watch_kind::data);
        else if (r->err() == static_cast<int32_t>(error::no_node))
          watches_.add(session, req.exists().path(), watch_kind::exist);
      }
    }
  }
  return a;
}

wire::QueryAnswer keeper_replica::reattach(const wire::KeeperQuery& q) {
  wire::QueryAnswer a;
  auto& c = q.reattach();
  auto i = machine_.sessions().find(c.session_id());
  if (i == machine_.sessions().end() || i->second.password != c.password()) {
    a.mutable_result()->set_err(static_cast<int32_t>(error::session_expired));
    return a;
  }
  a.mutable_result()->set_count(i->second.timeout_ms);
  watch_lists lists;
  lists.data = to_vector(c.data_watches());
  lists.exist = to_vector(c.exist_watches());
  lists.child = to_vector(c.child_watches());
  lists.persistent = to_vector(c.persistent_watches());
  lists.persistent_recursive = to_vector(c.recursive_watches());
  auto& tree = machine_.tree();
  auto events = watches_.catch_up(c.session_id(), c.last_zxid_seen(), lists,
                                  [&tree](std::string_view p) { return tree.persisted_stat(p); });
  for (auto& e : events)
    *a.add_events() = to_wire(e, last_zxid_);
  return a;
}

std::string keeper_replica::query(const std::string& question) {
  wire::KeeperQuery q;
  wire::QueryAnswer a;
  if (!q.ParseFromString(question)) {
    a.mutable_result()->set_err(static_cast<int32_t>(error::marshalling_error));
  } else {
    switch (q.kind_case()) {
      case wire::KeeperQuery::kRead:
        a = read(q);
        break;
      case wire::KeeperQuery::kReattach:
        a = reattach(q);
        break;
      case wire::KeeperQuery::kDetach:
        watches_.remove_watcher(q.session_id());
        break;
      case wire::KeeperQuery::kExpirableAtMs:
        for (auto& p : machine_.tree().containers_and_ttls_to_delete(q.expirable_at_ms()))
          a.add_paths(p);
        break;
      case wire::KeeperQuery::kListSessions:
        for (auto& [id, rec] : machine_.sessions()) {
          auto* s = a.add_sessions();
          s->set_id(id);
          s->set_timeout_ms(rec.timeout_ms);
        }
        break;
      default:
        a.mutable_result()->set_err(static_cast<int32_t>(error::bad_arguments));
    }
  }
  a.set_zxid(last_zxid_);
  return a.SerializeAsString();
}

} // namespace troupe::keeper
