#include "troupe/messages/registry.hpp"

#include <mutex>
#include <typeindex>
#include <unordered_map>

#include "troupe/messages/wire.hpp"

namespace troupe::messages {

namespace {

struct type_table {
  std::mutex mtx;
  std::unordered_map<std::type_index, protobuf_type> types;
};

type_table& table() {
  static type_table instance;
  return instance;
}

} // namespace

void detail::remember_protobuf_type(protobuf_type info) {
  auto& t = table();
  std::lock_guard<std::mutex> guard{t.mtx};
  t.types.emplace(std::type_index{*info.type}, info);
}

const protobuf_type* find_protobuf_type(const std::type_info& type) {
  auto& t = table();
  std::lock_guard<std::mutex> guard{t.mtx};
  auto i = t.types.find(std::type_index{type});
  return i == t.types.end() ? nullptr : &i->second;
}

void register_troupe_messages(caf::actor_system_config& cfg) {
#define TROUPE_MESSAGE(type) add_protobuf_message<type>(cfg);
#include "message_types.def"
#undef TROUPE_MESSAGE
}

} // namespace troupe::messages
