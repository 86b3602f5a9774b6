#include "troupe/keeper/keeper_machine.hpp"

namespace troupe::keeper {

wire::Stat to_wire(const stat& st) {
  wire::Stat w;
  w.set_czxid(st.czxid);
  w.set_mzxid(st.mzxid);
  w.set_pzxid(st.pzxid);
  w.set_ctime(st.ctime);
  w.set_mtime(st.mtime);
  w.set_version(st.version);
  w.set_cversion(st.cversion);
  w.set_aversion(st.aversion);
  w.set_ephemeral_owner(st.ephemeral_owner);
  w.set_data_length(st.data_length);
  w.set_num_children(st.num_children);
  return w;
}

acl_list from_wire(const google::protobuf::RepeatedPtrField<wire::Acl>& acls) {
  acl_list out;
  for (auto& a : acls)
    out.push_back(acl{a.perms(), a.scheme(), a.id()});
  return out;
}

void to_wire(const acl_list& acls, google::protobuf::RepeatedPtrField<wire::Acl>* out) {
  for (auto& a : acls) {
    auto* w = out->Add();
    w->set_perms(a.perms);
    w->set_scheme(a.scheme);
    w->set_id(a.id);
  }
}

bool from_wire(const wire::Op& in, op& out) {
  switch (in.kind_case()) {
    case wire::Op::kCreate: {
      auto& c = in.create();
      if (c.mode() < 0 || c.mode() > 6)
        return false;
      out = op::create(c.path(), c.data(), from_wire(c.acl()), static_cast<create_mode>(c.mode()),
                       c.ttl_ms() > 0 ? c.ttl_ms() : no_ttl);
      return true;
    }
    case wire::Op::kDelete:
      out = op::remove(in.delete_().path(), in.delete_().version());
      return true;
    case wire::Op::kSetData:
      out = op::set_data(in.set_data().path(), in.set_data().data(), in.set_data().version());
      return true;
    case wire::Op::kCheck:
      out = op::check(in.check().path(), in.check().version());
      return true;
    default:
      return false; // set_acl and nested multi are not multi members
  }
}

keeper_machine::keeper_machine(tree_config config) : tree_(config) {}

namespace {

void fill(wire::OpResult& r, const write_result& w) {
  r.set_err(static_cast<int32_t>(w.err));
  if (w.err == error::ok) {
    r.set_path(w.path);
    *r.mutable_stat() = to_wire(w.st);
  }
}

} // namespace

wire::OpResult keeper_machine::apply_op(const wire::Op& o, const txn_context& ctx,
                                        const identities& ids) {
  wire::OpResult r;
  auto record = [&](const watch_events& evs) {
    for (auto& e : evs)
      events_.push_back({e, ctx.zxid});
  };
  switch (o.kind_case()) {
    case wire::Op::kCreate: {
      auto& c = o.create();
      if (c.mode() < 0 || c.mode() > 6) {
        r.set_err(static_cast<int32_t>(error::bad_arguments));
        break;
      }
      auto w = tree_.create(c.path(), c.data(), from_wire(c.acl()), static_cast<create_mode>(c.mode()),
                            c.ttl_ms() > 0 ? c.ttl_ms() : no_ttl, ctx, ids);
      fill(r, w);
      record(w.events);
      break;
    }
    case wire::Op::kDelete: {
      auto w = tree_.remove(o.delete_().path(), o.delete_().version(), ctx, ids);
      fill(r, w);
      record(w.events);
      break;
    }
    case wire::Op::kSetData: {
      auto w = tree_.set_data(o.set_data().path(), o.set_data().data(), o.set_data().version(), ctx, ids);
      fill(r, w);
      record(w.events);
      break;
    }
    case wire::Op::kSetAcl: {
      auto w = tree_.set_acl(o.set_acl().path(), from_wire(o.set_acl().acl()), o.set_acl().version(), ctx, ids);
      fill(r, w);
      break;
    }
    case wire::Op::kCheck:
      r.set_err(static_cast<int32_t>(tree_.check_version(o.check().path(), o.check().version(), ids)));
      break;
    case wire::Op::kMulti: {
      std::vector<op> ops;
      for (auto& inner : o.multi().ops()) {
        op x;
        if (!from_wire(inner, x)) {
          r.set_err(static_cast<int32_t>(error::bad_arguments));
          return r;
        }
        ops.push_back(std::move(x));
      }
      auto m = tree_.multi(ops, ctx, ids);
      r.set_err(static_cast<int32_t>(m.err));
      for (auto& one : m.results) {
        auto* x = r.add_results();
        x->set_err(static_cast<int32_t>(one.err));
        if (one.err == error::ok) {
          x->set_path(one.path);
          *x->mutable_stat() = to_wire(one.st);
        }
      }
      record(m.events);
      break;
    }
    default:
      r.set_err(static_cast<int32_t>(error::bad_arguments));
  }
  return r;
}

wire::OpResult keeper_machine::apply(const wire::KeeperTxn& txn, int64_t zxid) {
  txn_context ctx{zxid, txn.time_ms(), txn.session_id()};
  identities ids;
  for (auto& i : txn.identities())
    ids.push_back(auth_id{i.scheme(), i.id()});
  wire::OpResult r;
  switch (txn.kind_case()) {
    case wire::KeeperTxn::kCreateSession: {
      // The creating member drew the id; every replica refuses the same
      // taken or reserved id the same way, and the member draws again.
      // Entries from before ids were drawn carry 0: their id is the zxid.
      auto& c = txn.create_session();
      auto id = c.session_id() != 0 ? c.session_id() : zxid;
      if (!valid_ephemeral_session(id) || sessions_.count(id)) {
        r.set_err(static_cast<int32_t>(error::node_exists));
        break;
      }
      sessions_[id] = session_record{c.timeout_ms(), c.password()};
      r.set_count(id);
      break;
    }
    case wire::KeeperTxn::kCloseSession: {
      auto id = txn.close_session().session_id();
      if (sessions_.erase(id) == 0) {
        r.set_err(static_cast<int32_t>(error::session_expired));
        break;
      }
      auto closed = tree_.close_session(id, ctx);
      for (auto& e : closed.events)
        events_.push_back({e, zxid});
      break;
    }
    case wire::KeeperTxn::kExpireNodes:
      for (auto& path : txn.expire_nodes().paths()) {
        auto w = tree_.remove_container(path, ctx);
        for (auto& e : w.events)
          events_.push_back({e, zxid});
      }
      break;
    case wire::KeeperTxn::kOp:
      // A request of a session that expired meanwhile is refused, as ZooKeeper does.
      if (!sessions_.count(txn.session_id())) {
        r.set_err(static_cast<int32_t>(error::session_expired));
        break;
      }
      r = apply_op(txn.op(), ctx, ids);
      break;
    default:
      r.set_err(static_cast<int32_t>(error::bad_arguments));
  }
  return r;
}

std::vector<fired_event> keeper_machine::drain_events() {
  std::vector<fired_event> out;
  out.swap(events_);
  return out;
}

keeper_machine::image keeper_machine::capture() const {
  image im;
  im.tree_ = tree_.capture();
  im.sessions_ = sessions_;
  return im;
}

std::string keeper_machine::snapshot() const { return capture().serialize(); }

std::string keeper_machine::image::serialize() const {
  wire::KeeperSnapshot s;
  s.set_tree(tree_.serialize());
  for (auto& [id, rec] : sessions_) {
    auto* r = s.add_sessions();
    r->set_id(id);
    r->set_timeout_ms(rec.timeout_ms);
    r->set_password(rec.password);
  }
  return s.SerializeAsString();
}

bool keeper_machine::restore(const std::string& bytes) {
  wire::KeeperSnapshot s;
  if (!s.ParseFromString(bytes))
    return false;
  data_tree tree{tree_.config()};
  if (tree.restore(s.tree()) != error::ok)
    return false;
  std::map<int64_t, session_record> sessions;
  for (auto& r : s.sessions())
    sessions[r.id()] = session_record{r.timeout_ms(), r.password()};
  tree_ = std::move(tree);
  sessions_ = std::move(sessions);
  events_.clear();
  return true;
}

} // namespace troupe::keeper
