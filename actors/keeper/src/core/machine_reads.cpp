// Keeper's reads against one replica's tree, in ZooKeeper's shapes: the
// session layer asks these between two applied transactions (inside the log
// follower), so a read sees a prefix of the committed history.
#include "troupe/keeper/keeper_machine.hpp"

namespace troupe::keeper {

namespace {

wire::OpResult failed(error e) {
  wire::OpResult r;
  r.set_err(static_cast<int32_t>(e));
  return r;
}

} // namespace

wire::OpResult keeper_machine::read(const wire::Request& req, const identities& ids,
                                    int64_t session) const {
  wire::OpResult r;
  switch (req.kind_case()) {
    case wire::Request::kGetData: {
      auto d = tree_.get_data(req.get_data().path(), ids);
      if (d.err != error::ok)
        return failed(d.err);
      r.set_data(std::move(d.data));
      *r.mutable_stat() = to_wire(d.st);
      return r;
    }
    case wire::Request::kExists: {
      auto s = tree_.exists(req.exists().path());
      if (s.err != error::ok)
        return failed(s.err);
      *r.mutable_stat() = to_wire(s.st);
      return r;
    }
    case wire::Request::kGetChildren: {
      auto c = tree_.get_children(req.get_children().path(), ids);
      if (c.err != error::ok)
        return failed(c.err);
      for (auto& name : c.children)
        r.add_children(std::move(name));
      *r.mutable_stat() = to_wire(c.st);
      return r;
    }
    case wire::Request::kGetAcl: {
      auto a = tree_.get_acl(req.get_acl().path(), ids);
      if (a.err != error::ok)
        return failed(a.err);
      to_wire(a.acls, r.mutable_acl());
      *r.mutable_stat() = to_wire(a.st);
      return r;
    }
    case wire::Request::kGetEphemerals:
      for (auto& p : tree_.get_ephemerals(session, req.get_ephemerals().prefix()))
        r.add_children(p);
      return r;
    case wire::Request::kGetAllChildrenNumber: {
      auto c = tree_.get_all_children_number(req.get_all_children_number().path(), ids);
      if (c.err != error::ok)
        return failed(c.err);
      r.set_count(c.count);
      return r;
    }
    default:
      return failed(error::bad_arguments);
  }
}

} // namespace troupe::keeper
