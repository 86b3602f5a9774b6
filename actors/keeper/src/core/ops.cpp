// Op factories and event names.
#include "troupe/keeper/ops.hpp"

namespace troupe::keeper {

op op::create(std::string path, std::string data, acl_list acls, create_mode mode,
              int64_t ttl_ms) {
  op o;
  o.type = op_type::create;
  o.path = std::move(path);
  o.data = std::move(data);
  o.acls = std::move(acls);
  o.mode = mode;
  o.ttl_ms = ttl_ms;
  return o;
}

op op::remove(std::string path, int32_t version) {
  op o;
  o.type = op_type::remove;
  o.path = std::move(path);
  o.version = version;
  return o;
}

op op::set_data(std::string path, std::string data, int32_t version) {
  op o;
  o.type = op_type::set_data;
  o.path = std::move(path);
  o.data = std::move(data);
  o.version = version;
  return o;
}

op op::check(std::string path, int32_t version) {
  op o;
  o.type = op_type::check;
  o.path = std::move(path);
  o.version = version;
  return o;
}

const char* event_type_name(event_type t) {
  switch (t) {
    case event_type::node_created: return "NodeCreated";
    case event_type::node_deleted: return "NodeDeleted";
    case event_type::node_data_changed: return "NodeDataChanged";
    case event_type::node_children_changed: return "NodeChildrenChanged";
  }
  return "Unknown";
}

} // namespace troupe::keeper
