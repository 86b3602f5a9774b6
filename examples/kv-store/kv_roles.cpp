#include "kv_roles.hpp"

#include "caf/all.hpp"

#include "kv_machine.hpp"
#include "kv_messages.hpp"
#include "troupe/messages/registry.hpp"
#include "troupe/runtime/deadline.hpp"

namespace kv {

namespace {

using namespace std::chrono_literals;
namespace rlog = troupe::rlog;

constexpr auto request_timeout = 5s;

struct api_state {
  troupe::deadline_table deadlines;
  static inline const char* name = "kv.api";
};

wire::KvResponse decode(const std::string& answer, uint64_t index) {
  wire::KvResponse r;
  r.set_ok(true);
  r.set_found(!answer.empty() && answer[0] == '1');
  if (r.found())
    r.set_value(answer.substr(1));
  r.set_index(index);
  return r;
}

caf::behavior api(caf::stateful_actor<api_state>* self, caf::actor replica) {
  return {
    [self, replica](const wire::KvRequest& req) -> caf::result<wire::KvResponse> {
      auto rp = self->make_response_promise<wire::KvResponse>();
      auto fail = [rp](caf::error& err) mutable {
        wire::KvResponse r;
        r.set_error(to_string(err));
        rp.deliver(std::move(r));
      };
      auto& table = self->state.deadlines;
      if (req.key().empty()) {
        wire::KvResponse r;
        r.set_error("empty key");
        return r;
      }
      if (req.op() == wire::KvRequest::GET) {
        troupe::request(self, table, replica, request_timeout, rlog::atoms::sync::value)
          .then(
            [self, replica, rp, fail, key = req.key()](uint64_t index) mutable {
              troupe::request(self, self->state.deadlines, replica, request_timeout,
                              rlog::atoms::query::value, key)
                .then([rp, index](const std::string& a) mutable { rp.deliver(decode(a, index)); }, fail);
            },
            fail);
        return rp;
      }
      auto command = req.op() == wire::KvRequest::PUT ? put_command(req.key(), req.value())
                                                      : delete_command(req.key());
      troupe::request(self, table, replica, request_timeout, rlog::atoms::propose::value, command)
        .then([rp](const std::string& a) mutable { rp.deliver(decode(a, 0)); }, fail);
      return rp;
    },
  };
}

} // namespace

rlog::group_config make_group(std::map<rlog::member_id, std::string> members) {
  rlog::group_config g;
  g.group = "kv";
  g.members = std::move(members);
  g.snapshot_every = 1000; // small, so that the example's runs show compaction
  g.validate();
  return g;
}

void register_types(caf::actor_system_config& cfg) {
  rlog::register_log_types(cfg);
  troupe::messages::add_protobuf_message<wire::KvRequest>(cfg);
  troupe::messages::add_protobuf_message<wire::KvResponse>(cfg);
}

caf::actor start_node(troupe::node_env& env, const rlog::group_config& group,
                      std::optional<rlog::member_id> member) {
  if (member)
    rlog::spawn_member(env, group, *member);
  auto replica = rlog::spawn_follower(env, group, "kv", std::make_unique<kv_machine>());
  auto handle = env.system().spawn(api, replica);
  env.add_role(api_role, handle);
  return handle;
}

} // namespace kv
