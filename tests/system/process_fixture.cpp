#include "process_fixture.hpp"

#include "caf/all.hpp"

#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/messages/wire.hpp"

namespace troupe::test {

void event_queue::push(std::string e) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    events_.push_back(std::move(e));
  }
  cv_.notify_all();
}

std::optional<std::string> event_queue::wait_for(const std::string& needle,
                                                 std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (!events_.empty()) {
      auto e = std::move(events_.front());
      events_.pop_front();
      if (e.find(needle) != std::string::npos)
        return e;
    }
    if (cv_.wait_until(guard, deadline) == std::cv_status::timeout && events_.empty())
      return std::nullopt;
  }
}

std::unique_ptr<runtime::child_process> start_troupe_node(const std::string& name, uint16_t port,
                                                          const std::vector<std::string>& peers,
                                                          const std::string& probe) {
  std::vector<std::string> args{"node", "--node", name, "--port", std::to_string(port),
                                "--probe-interval", probe, "--log-level", "warn"};
  for (auto& p : peers)
    args.push_back("--peer=" + p);
  auto child = std::make_unique<runtime::child_process>(TROUPE_BINARY, args);
  if (!child->wait_for_line("listening ", std::chrono::seconds(10)))
    return nullptr;
  return child;
}

std::unique_ptr<runtime::node> test_node(const std::vector<runtime::peer_spec>& peers) {
  runtime::node_config cfg;
  cfg.name = "tester";
  cfg.peers = peers;
  cfg.log_level = log::level::warn;
  return std::make_unique<runtime::node>(cfg);
}

namespace {

caf::behavior observer(caf::stateful_actor<deadline_table>* self, caf::actor directory,
                       address target, event_queue* events) {
  subscribe(self, directory, target);
  return {
    [=](const role_up& up) {
      events->push("up " + to_string(up.addr));
      wire::Echo e;
      e.set_seq(1);
      e.set_payload("hello");
      request(self, self->state, up.handle, std::chrono::seconds(2), e)
        .then(
          [=](const wire::Echo& reply) {
            events->push("reply " + to_string(up.addr) + " " + reply.from_node() + " " +
                         reply.payload());
          },
          [=](caf::error& err) { events->push("error " + to_string(err)); });
    },
    [=](const role_down& down) {
      events->push("down " + to_string(down.addr) + ": " + down.reason);
    },
  };
}

} // namespace

void observe(runtime::node& n, const address& target, event_queue& events) {
  n.add_role("observer-" + to_string(target), n.system().spawn(observer, n.directory(), target, &events));
}

std::pair<int, std::string> run_shell(const std::string& command) {
  runtime::child_process sh{"/bin/sh", {"-c", command + " 2>&1"}};
  std::string out;
  while (auto line = sh.read_line(std::chrono::seconds(20)))
    out += *line + "\n";
  auto status = sh.wait(std::chrono::seconds(20));
  return {status ? *status : -1, out};
}


} // namespace troupe::test
